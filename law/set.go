package law

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cel.dev/cel-go/cel"

	"liaison"
)

// A Set is a compiled collection of packs, ready to decide. It is safe
// for concurrent use.
type Set struct {
	scratch  sync.Pool
	env      *cel.Env
	vars     []variable
	packs    []*Pack
	byJur    map[liaison.Jurisdiction][]*Pack
	actions  map[liaison.Action]int // every action of a rule, numbered for Version.byAction
	unknowns []unknownFact
	files    []liaison.PackFile // sorted by path; see packset.go
	hash     string             // HashFiles(files)
	layers   []Layer            // see LoadLayers
	// tests are the layers' pack tests, read once (see Tests).
	tests func() ([]*Test, error)
	zones sync.Map // IANA name → *time.Location, see Location
	// sentences: levelsKey → the sentence saying which levels had law,
	// at most maxSentences of them (nSentences counts the stores tried).
	sentences  sync.Map
	nSentences atomic.Int64
}

// unknownFact is a request field that is unknown, not empty, when absent.
type unknownFact struct {
	path    string // "subject.convictions"
	index   []int  // field indexes from liaison.Request
	pattern *cel.AttributePatternType
	absent  func(req reflect.Value) bool
}

type condition struct {
	Condition
	prg   *program
	words string // what it means, for explanations
}

type program struct {
	src     string
	fast    cel.Program // plain evaluation
	partial cel.Program // partial evaluation, when facts it reads are unknown
}

func newSet(env *cel.Env, vars []variable) *Set {
	s := &Set{env: env, vars: vars, byJur: make(map[liaison.Jurisdiction][]*Pack), actions: make(map[liaison.Action]int)}
	rt := reflect.TypeFor[liaison.Request]()
	s.unknowns = findUnknowns(rt, nil, nil)
	for i := range s.unknowns {
		u := &s.unknowns[i]
		u.absent = absentTest(u.index)
		parts := strings.Split(u.path, ".")
		u.pattern = cel.AttributePattern(parts[0])
		for _, q := range parts[1:] {
			u.pattern = u.pattern.QualString(q)
		}
	}
	return s
}

// findUnknowns lists the fields tagged liaison:"unknown", depth first.
func findUnknowns(t reflect.Type, prefix []string, index []int) []unknownFact {
	var out []unknownFact
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		path := append(slices.Clone(prefix), name)
		idx := append(slices.Clone(index), i)
		if slices.Contains(strings.Split(f.Tag.Get("liaison"), ","), "unknown") {
			out = append(out, unknownFact{path: strings.Join(path, "."), index: idx})
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct {
			out = append(out, findUnknowns(ft.Elem(), path, idx)...)
		}
	}
	if len(out) > 64 {
		panic("law: more than 64 unknown-when-absent facts")
	}
	return out
}

// absentTest returns the test of whether the field at index (from a
// liaison.Request) is absent: a pointer on the way is nil, or the field is
// its zero value, as reflect.Value.IsZero says.
func absentTest(index []int) func(reflect.Value) bool {
	last := index[len(index)-1]
	path := index[:len(index)-1]
	return func(v reflect.Value) bool {
		for _, i := range path {
			if v = v.Field(i); v.Kind() == reflect.Pointer {
				if v.IsNil() {
					return true
				}
				v = v.Elem()
			}
		}
		return isZero(v.Field(last))
	}
}

// isZero reports whether v is its zero value, as reflect.Value.IsZero says
// except that -0 is not zero (as it was not for ext.NativeTypes' has()).
func isZero(v reflect.Value) bool {
	if v.Kind() == reflect.Float64 {
		return math.Float64bits(v.Float()) == 0
	}
	return v.IsZero()
}

// add files a checked pack under its jurisdiction and indexes its rules.
func (s *Set) add(pk *Pack) {
	s.packs = append(s.packs, pk)
	s.byJur[pk.Jurisdiction] = append(s.byJur[pk.Jurisdiction], pk)
	slices.SortFunc(s.byJur[pk.Jurisdiction], func(a, b *Pack) int { return strings.Compare(a.ID, b.ID) })
	for _, v := range pk.Versions {
		v.fromDay = ymdOf(v.EffectiveFrom.Time)
		if v.EffectiveTo != nil {
			v.toDay = ymdOf(v.EffectiveTo.Time)
		}
		v.content = versionContent(pk.ID, v)
		v.byID = make(map[string]*Rule)
		for _, r := range v.Rules {
			v.byID[r.ID] = r
			describe(r)
			r.key = pk.ID + "/" + r.ID
			r.name = r.Citation + " (" + pk.Title + ")"
			r.defeatsWhy = "defeated by its exception " + r.ID + " (" + r.Citation + "): " + r.says
			r.voidsWhy = "void: preempted by " + r.key + " (" + r.Citation + ", " + levelName(pk.Jurisdiction) + " level)"
			r.overridesWhy = "not effective: " + r.key + " (" + r.Citation + ") " + verb(r.Effect) + " the action, and a permission cannot override it"
			for _, a := range r.Actions {
				i, ok := s.actions[a]
				if !ok {
					i = len(s.actions)
					s.actions[a] = i
				}
				if len(v.byAction) <= i {
					v.byAction = slices.Grow(v.byAction, i+1-len(v.byAction))[:i+1]
				}
				v.byAction[i] = append(v.byAction[i], r)
			}
			for i, u := range s.unknowns {
				for _, f := range r.facts {
					if overlaps(f, u.path) {
						r.unknownMask |= 1 << i
					}
				}
			}
		}
	}
}

// overlaps reports whether reading field a can read field b or the reverse.
func overlaps(a, b string) bool {
	return a == b || strings.HasPrefix(a, b+".") || strings.HasPrefix(b, a+".")
}

func (s *Set) checkIDs() []error {
	var errs []error
	seen := map[string]*Pack{}
	for _, pk := range s.packs {
		if other := seen[pk.ID]; other != nil {
			errs = append(errs, &PackError{File: pk.file, Line: 1, Col: 1, Msg: fmt.Sprintf("pack id %q is also used by %s", pk.ID, other.file)})
		}
		seen[pk.ID] = pk
	}
	return errs
}

// checkCrossExceptions checks that every "pack/rule" exception names a
// rule of another pack of the same jurisdiction.
func (s *Set) checkCrossExceptions() []error {
	var errs []error
	for _, pk := range s.packs {
		for _, v := range pk.Versions {
			for _, r := range v.Rules {
				for _, key := range r.crossExcepts {
					if s.lookup(pk.Jurisdiction, key, nil) == nil {
						errs = append(errs, &PackError{File: pk.file, Line: 1, Col: 1, Rule: r.ID, Msg: fmt.Sprintf(
							"exception %q names no rule of a pack of jurisdiction %s", key, pk.Jurisdiction)})
					}
				}
			}
		}
	}
	return errs
}

// lookup finds the rule "pack/rule" among the packs of jurisdiction j: in
// the version in force at *at, or in any version when at is nil.
func (s *Set) lookup(j liaison.Jurisdiction, key string, at *time.Time) *Rule {
	pid, rid, _ := strings.Cut(key, "/")
	for _, pk := range s.byJur[j] {
		if pk.ID != pid {
			continue
		}
		if at != nil {
			if v := pk.At(*at); v != nil {
				return v.byID[rid]
			}
			return nil
		}
		for _, v := range pk.Versions {
			if r := v.byID[rid]; r != nil {
				return r
			}
		}
	}
	return nil
}

// Packs returns the loaded packs, in load order.
func (s *Set) Packs() []*Pack { return s.packs }

// File returns the file the pack was read from.
func (p *Pack) File() string { return p.file }

// At returns the version in force on the day of t (in t's own offset), or nil.
func (p *Pack) At(t time.Time) *Version {
	return p.atDay(ymdOf(t))
}

func ymdOf(t time.Time) int64 {
	y, m, d := t.Date()
	return int64(y)*10000 + int64(m)*100 + int64(d)
}

func (p *Pack) atDay(day int64) *Version {
	for _, v := range p.Versions {
		if day < v.fromDay || (v.toDay != 0 && day > v.toDay) {
			continue
		}
		return v
	}
	return nil
}

// Pack returns the pack the version belongs to.
func (v *Version) Pack() *Pack { return v.pack }

// SHA256 returns the hex SHA-256 of the pack file the version was read from.
func (v *Version) SHA256() string { return v.sha256 }

// Facts returns the request fields the rule's condition reads.
func (r *Rule) Facts() []string { return r.facts }

// Ref returns the rule's reference as it appears in decisions.
func (r *Rule) Ref() liaison.RuleRef {
	v := r.version
	return liaison.RuleRef{Pack: v.pack.ID, Version: v.Version, Rule: r.ID, Effect: r.Effect, Citation: r.Citation, Jurisdiction: v.pack.Jurisdiction}
}

// Key returns "pack/rule".
func (r *Rule) Key() string { return r.version.pack.ID + "/" + r.ID }
