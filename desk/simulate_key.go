package desk

import (
	"fmt"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"github.com/go-json-experiment/json/jsontext"

	"liaison"
	"liaison/law"
)

// What the rules can read. A memoized simulation decides each distinct
// input once, an input being what the rules of the two sets can read of a
// decision's facts and as_of: readsOf finds it from the conditions' CEL,
// parsed (not checked), over every version of every pack at each level of
// a jurisdiction, in both sets. It is conservative: a fact passed whole
// to a function or compared whole is read whole; as_of used otherwise
// than against a fact's time (as_of < timestamp(...), as_of.getMonth())
// makes every instant of as_of an input of its own. TestSimulateMemoExact
// compares the memoized simulation with deciding each decision.

// reads is what the conditions of a jurisdiction's rules read.
type reads struct {
	// paths read, JSON names with ".[]" for a list's items
	// ("subject.convictions.[].level"): the value there, all of it, is
	// an input. whole marks those read whole; the others (a list
	// iterated) are read for their presence and items only.
	paths map[string]bool
	// calendar maps a time's path to the functions that compare it with
	// as_of by the calendar (years_between(c.date, as_of)): what a rule
	// sees is their value. instant lists those compared with as_of
	// otherwise (as_of - hold_started_at > duration("48h")).
	calendar map[string][]string
	instant  map[string]bool
	// bare: as_of is read otherwise than against a fact's time.
	bare bool
	// under holds the paths at or above a path read: something at or
	// below each is read.
	under map[string]bool
}

// readsOf returns what the rules of both sets read at jurisdiction j.
// parsed keeps the conditions parsed, by their source, for the next call.
func readsOf(j liaison.Jurisdiction, parsed map[string]ast.Expr, sets ...*law.Set) (*reads, error) {
	r := &reads{paths: map[string]bool{}, calendar: map[string][]string{}, instant: map[string]bool{}}
	// Every level of j reads the agency and the place as they are.
	r.paths["agency"], r.paths["jurisdiction"] = true, true
	r.paths["subject.convictions"], r.paths["subject.age"] = false, false // unknown when absent (law's unknowns)
	env, err := cel.NewEnv()
	if err != nil {
		return nil, fmt.Errorf("reads of %s: %w", j, err)
	}
	levels := map[liaison.Jurisdiction]bool{}
	for i, c := range string(j) {
		if c == '/' {
			levels[j[:i]] = true
		}
	}
	levels[j] = true
	for _, s := range sets {
		for _, pk := range s.Packs() {
			if !levels[pk.Jurisdiction] {
				continue
			}
			for _, v := range pk.Versions {
				for _, rule := range v.Rules {
					for _, c := range rule.When {
						e, ok := parsed[c.CEL]
						if !ok {
							a, iss := env.Parse(c.CEL)
							if iss != nil && iss.Err() != nil {
								return nil, fmt.Errorf("reads of %s: pack %s rule %s: %w", j, pk.ID, rule.ID, iss.Err())
							}
							e = a.NativeRep().Expr()
							parsed[c.CEL] = e
						}
						r.read(r.walk(e, map[string]string{}), true)
					}
				}
			}
		}
	}
	r.under = map[string]bool{}
	for p := range r.paths {
		for q := p; ; {
			r.under[q] = true
			i := strings.LastIndexByte(q, '.')
			if i < 0 {
				break
			}
			q = q[:i]
		}
	}
	for p := range r.calendar {
		if strings.HasPrefix(p, "subject.custody.") {
			// The engine gives custody times in the agency's zone.
			r.instant[p] = true
		}
	}
	return r, nil
}

// variables are the names a condition reads facts by.
var variables = map[string]bool{"as_of": true, "jurisdiction": true, "agency": true, "action": true, "request": true, "subject": true, "agreements": true, "context": true}

func (r *reads) read(path string, whole bool) {
	switch {
	case path == "":
	case path == "as_of":
		r.bare = true
	default:
		r.paths[path] = r.paths[path] || whole
	}
}

var calendarFuncs = []string{"years_between", "months_between", "days_between"}

// walk records what e reads and returns the path of the fact e is, if it
// is one (not yet read: its use decides how).
func (r *reads) walk(e ast.Expr, scope map[string]string) string {
	switch e.Kind() {
	case ast.IdentKind:
		name := e.AsIdent()
		if p, ok := scope[name]; ok {
			return p
		}
		if variables[name] {
			return name
		}
		return ""
	case ast.SelectKind:
		sel := e.AsSelect()
		p := r.walk(sel.Operand(), scope)
		if p == "" {
			return ""
		}
		if sel.IsTestOnly() { // has(x.f)
			r.read(p+"."+sel.FieldName(), true)
			return ""
		}
		return p + "." + sel.FieldName()
	case ast.CallKind:
		call := e.AsCall()
		args := call.Args()
		if !call.IsMemberFunction() && len(args) == 2 {
			for i, a := range args {
				if a.Kind() == ast.IdentKind && a.AsIdent() == "as_of" && scope["as_of"] == "" {
					other := r.walk(args[1-i], scope)
					switch {
					case other == "" || other == "as_of":
						r.bare = true
					case slices.Contains(calendarFuncs, call.FunctionName()) && i == 1:
						if !slices.Contains(r.calendar[other], call.FunctionName()) {
							r.calendar[other] = append(r.calendar[other], call.FunctionName())
						}
					default:
						r.instant[other] = true
					}
					return ""
				}
			}
		}
		if call.IsMemberFunction() {
			r.read(r.walk(call.Target(), scope), true)
		}
		for _, a := range args {
			r.read(r.walk(a, scope), true)
		}
		return ""
	case ast.ComprehensionKind:
		c := e.AsComprehension()
		rng := r.walk(c.IterRange(), scope)
		inner := map[string]string{}
		for k, v := range scope {
			inner[k] = v
		}
		inner[c.AccuVar()] = ""
		if rng == "" {
			inner[c.IterVar()] = ""
		} else {
			r.read(rng, c.HasIterVar2()) // two variables: keys or indexes too
			inner[c.IterVar()] = rng + ".[]"
			if c.HasIterVar2() {
				inner[c.IterVar2()] = rng + ".[]"
			}
		}
		r.read(r.walk(c.AccuInit(), inner), true)
		r.read(r.walk(c.LoopCondition(), inner), true)
		r.read(r.walk(c.LoopStep(), inner), true)
		r.read(r.walk(c.Result(), inner), true)
		return ""
	case ast.ListKind:
		for _, x := range e.AsList().Elements() {
			r.read(r.walk(x, scope), true)
		}
	case ast.MapKind:
		for _, x := range e.AsMap().Entries() {
			me := x.AsMapEntry()
			r.read(r.walk(me.Key(), scope), true)
			r.read(r.walk(me.Value(), scope), true)
		}
	case ast.StructKind:
		for _, x := range e.AsStruct().Fields() {
			r.read(r.walk(x.AsStructField().Value(), scope), true)
		}
	}
	return ""
}

// pruneJSON is prune over a fact set's JSON, streamed: the members kept
// are written in the order they come (a fact set is canonical JSON, so
// two fact sets alike once pruned give the same bytes), the others
// skipped without decoding them. TestPruneFactSets compares it with
// prune.
func (r *reads) pruneJSON(s string) ([]byte, error) {
	p := pruner{r: r, dec: jsontext.NewDecoder(strings.NewReader(s), jsontext.AllowDuplicateNames(true))}
	if err := p.value(0); err != nil {
		return nil, err
	}
	return p.out, nil
}

// pruner is one fact set's pruning: path is the path of the value being
// read (JSON names and "[]", joined by dots), out the pruned JSON.
type pruner struct {
	r    *reads
	dec  *jsontext.Decoder
	path []byte
	out  []byte
}

// value prunes the value at p.path[:n].
func (p *pruner) value(n int) error {
	switch p.dec.PeekKind() {
	case '{':
		if _, err := p.dec.ReadToken(); err != nil {
			return err
		}
		p.out = append(p.out, '{')
		first := true
		for p.dec.PeekKind() != '}' {
			name, err := p.dec.ReadValue()
			if err != nil {
				return err
			}
			p.path = p.path[:n]
			if n > 0 {
				p.path = append(p.path, '.')
			}
			if p.path, err = jsontext.AppendUnquote(p.path, name); err != nil {
				return err
			}
			m := len(p.path)
			keep, whole := p.r.under[string(p.path)], keepsAll(p.r, p.path)
			if !keep && !whole {
				if err := p.dec.SkipValue(); err != nil {
					return err
				}
				continue
			}
			if !first {
				p.out = append(p.out, ',')
			}
			first = false
			p.out = append(append(p.out, name...), ':')
			if whole {
				err = p.raw()
			} else {
				err = p.value(m)
			}
			if err != nil {
				return err
			}
		}
		_, err := p.dec.ReadToken()
		p.out = append(p.out, '}')
		return err
	case '[':
		if _, err := p.dec.ReadToken(); err != nil {
			return err
		}
		p.out = append(p.out, '[')
		p.path = append(p.path[:n], ".[]"...) // as prune writes it
		m := len(p.path)
		for i := 0; p.dec.PeekKind() != ']'; i++ {
			if i > 0 {
				p.out = append(p.out, ',')
			}
			if err := p.value(m); err != nil {
				return err
			}
		}
		_, err := p.dec.ReadToken()
		p.out = append(p.out, ']')
		return err
	}
	return p.raw()
}

// raw copies the next value as it is.
func (p *pruner) raw() error {
	v, err := p.dec.ReadValue()
	p.out = append(p.out, v...)
	return err
}

// keepsAll: the value at p is read whole (p or one above it). A path in
// bytes is the streamed pruner's (pruneJSON).
func keepsAll[P string | []byte](r *reads, p P) bool {
	for {
		if r.paths[string(p)] {
			return true
		}
		i := len(p) - 1
		for i >= 0 && p[i] != '.' {
			i--
		}
		if i < 0 {
			return false
		}
		p = p[:i]
	}
}

// timeUse says how the rules read a time at a path as zeroTimes writes it
// (list indexes as numbers): raw (its value is an input), calendar
// functions against as_of, against as_of's instant, or not at all.
func (r *reads) timeUse(path string) (raw bool, calendar []string, instant bool) {
	g := genericPath(path)
	return keepsAll(r, g), r.calendar[g], r.instant[g]
}

// genericPath writes a path's list indexes as "[]".
func genericPath(path string) string {
	parts := strings.Split(path, ".")
	for i, p := range parts {
		if p != "" && p[0] >= '0' && p[0] <= '9' {
			parts[i] = "[]"
		}
	}
	return strings.Join(parts, ".")
}
