package law

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"liaison"
)

// A Side is one side of a comparison of law: a set of packs, read on one
// day (each pack's version in force then) or, with At zero, across every
// version of every pack.
type Side struct {
	Set *Set
	At  time.Time
}

// A RuleChange is a rule one side has and the other has not, or has
// otherwise.
type RuleChange struct {
	// Rule is "pack/rule" when the sides are read on a day, and
	// "pack@version/rule" when they are read across versions.
	Rule         string               `json:"rule"`
	Jurisdiction liaison.Jurisdiction `json:"jurisdiction"`
	// Change is added (only in B), removed (only in A) or changed.
	Change string `json:"change"`
	// Fields name what changed: condition, wording, effect, actions,
	// exceptions, preempts, citation, duties, limits.
	Fields []string `json:"fields,omitempty"`
	// A and B are the rule on each side (nil where it is not).
	A *RuleText `json:"a,omitempty"`
	B *RuleText `json:"b,omitempty"`
}

// RuleText is a rule as a comparison shows it.
type RuleText struct {
	Version    string           `json:"version"`
	Effect     liaison.Effect   `json:"effect"`
	Actions    []liaison.Action `json:"actions"`
	Condition  []string         `json:"condition"` // the CEL of each item of its when
	Says       string           `json:"says"`
	Exceptions []string         `json:"exceptions,omitempty"`
	Preempts   bool             `json:"preempts,omitempty"`
	Citation   string           `json:"citation"`
	Duties     []string         `json:"duties,omitempty"` // text (citation) due
	Limits     string           `json:"limits,omitempty"`
}

// DiffRules lists the rules added, removed and changed from side a to side
// b, in order of rule. With within set, only the packs of its levels (the
// law that applies to a request there) are compared.
func DiffRules(a, b Side, within liaison.Jurisdiction) []RuleChange {
	ra, rb := a.rules(within), b.rules(within)
	var keys []string
	for k := range ra {
		keys = append(keys, k)
	}
	for k := range rb {
		if _, ok := ra[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []RuleChange
	for _, k := range keys {
		x, y := ra[k], rb[k]
		switch {
		case y == nil:
			out = append(out, RuleChange{Rule: k, Jurisdiction: x.version.pack.Jurisdiction, Change: "removed", A: textOf(x)})
		case x == nil:
			out = append(out, RuleChange{Rule: k, Jurisdiction: y.version.pack.Jurisdiction, Change: "added", B: textOf(y)})
		default:
			tx, ty := textOf(x), textOf(y)
			if f := tx.differ(ty); len(f) > 0 {
				out = append(out, RuleChange{Rule: k, Jurisdiction: y.version.pack.Jurisdiction, Change: "changed", Fields: f, A: tx, B: ty})
			}
		}
	}
	return out
}

// rules returns the side's rules by key (see RuleChange.Rule).
func (sd Side) rules(within liaison.Jurisdiction) map[string]*Rule {
	out := map[string]*Rule{}
	var ls []liaison.Jurisdiction
	if within != "" {
		ls = levels(within)
	}
	day := int64(0)
	if !sd.At.IsZero() {
		day = ymdOf(sd.At)
	}
	for _, pk := range sd.Set.packs {
		if ls != nil && !slices.Contains(ls, pk.Jurisdiction) {
			continue
		}
		if day != 0 {
			if v := pk.atDay(day); v != nil {
				for _, r := range v.Rules {
					out[pk.ID+"/"+r.ID] = r
				}
			}
			continue
		}
		for _, v := range pk.Versions {
			for _, r := range v.Rules {
				out[pk.ID+"@"+v.Version+"/"+r.ID] = r
			}
		}
	}
	return out
}

func textOf(r *Rule) *RuleText {
	t := &RuleText{Version: r.version.Version, Effect: r.Effect, Actions: r.Actions, Says: r.says,
		Exceptions: r.Exceptions, Preempts: r.Preempts, Citation: r.Citation, Condition: []string{}}
	for _, c := range r.When {
		t.Condition = append(t.Condition, strings.Join(strings.Fields(c.CEL), " "))
	}
	for _, du := range r.Duties {
		s := fmt.Sprintf("%s (%s)", du.Text, du.Citation)
		if due := strings.TrimSpace(du.Due + " " + strings.Join(strings.Fields(du.DueExpr), " ")); due != "" {
			s += " due " + due
		}
		if du.Trigger != "" {
			s += " from " + string(du.Trigger)
		}
		t.Duties = append(t.Duties, s)
	}
	if l := r.Limits; l != nil && l.MaxHoldHours != nil {
		t.Limits = fmt.Sprintf("hold at most %g hours", *l.MaxHoldHours)
		if len(l.HoldHoursExclude) > 0 {
			t.Limits += " excluding " + strings.Join(l.HoldHoursExclude, ", ")
		}
	}
	return t
}

// differ names the fields in which two rule texts differ.
func (t *RuleText) differ(u *RuleText) []string {
	var f []string
	add := func(name string, same bool) {
		if !same {
			f = append(f, name)
		}
	}
	add("condition", slices.Equal(t.Condition, u.Condition))
	add("wording", t.Says == u.Says)
	add("effect", t.Effect == u.Effect)
	add("actions", slices.Equal(t.Actions, u.Actions))
	add("exceptions", slices.Equal(t.Exceptions, u.Exceptions))
	add("preempts", t.Preempts == u.Preempts)
	add("citation", t.Citation == u.Citation)
	add("duties", slices.Equal(t.Duties, u.Duties))
	add("limits", t.Limits == u.Limits)
	return f
}

// A Case is a request to compare the answers of two sides on: a pack
// test, a line of a file of requests, a preset.
type Case struct {
	Name    string
	Request *liaison.Request
}

// A CaseChange is a case the two sides answer otherwise: in outcome or in
// decisive rules.
type CaseChange struct {
	Case         string               `json:"case"`
	Jurisdiction liaison.Jurisdiction `json:"jurisdiction"`
	Action       liaison.Action       `json:"action"`
	// AsOfA and AsOfB are the days each side decided it on (YYYY-MM-DD).
	AsOfA     string          `json:"as_of_a"`
	AsOfB     string          `json:"as_of_b"`
	OutcomeA  liaison.Outcome `json:"outcome_a"`
	OutcomeB  liaison.Outcome `json:"outcome_b"`
	DecisiveA []string        `json:"decisive_a"` // "pack/rule (citation)"
	DecisiveB []string        `json:"decisive_b"`
}

// DiffCases decides every case on both sides and returns those answered
// otherwise. A side read on a day decides each case on that day (at the
// case's time of day); a side read across versions, on the case's own
// as_of.
func DiffCases(a, b Side, cases []Case) ([]CaseChange, error) {
	var out []CaseChange
	for _, c := range cases {
		da, atA, err := a.decide(c.Request)
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", c.Name, err)
		}
		db, atB, err := b.decide(c.Request)
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", c.Name, err)
		}
		if SameAnswer(da, db) {
			continue
		}
		out = append(out, CaseChange{Case: c.Name, Jurisdiction: c.Request.Jurisdiction, Action: c.Request.Action,
			AsOfA: atA.Format(time.DateOnly), AsOfB: atB.Format(time.DateOnly),
			OutcomeA: da.Outcome, OutcomeB: db.Outcome, DecisiveA: decisiveKeys(da), DecisiveB: decisiveKeys(db)})
	}
	return out, nil
}

// decide decides req on the side's day, or on its own.
func (sd Side) decide(req *liaison.Request) (*liaison.Decision, time.Time, error) {
	r := *req
	if !sd.At.IsZero() {
		t := req.AsOf
		if lr, err := sd.Set.local(req); err == nil {
			t = lr.AsOf
		}
		r.AsOf = time.Date(sd.At.Year(), sd.At.Month(), sd.At.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	}
	d, err := sd.Set.Decide(&r, Options{})
	if err != nil {
		return nil, time.Time{}, err
	}
	at := r.AsOf
	if lr, err := sd.Set.local(&r); err == nil {
		at = lr.AsOf
	}
	return d, at, nil
}

func decisiveKeys(d *liaison.Decision) []string {
	out := make([]string, len(d.Decisive))
	for i, r := range d.Decisive {
		out[i] = r.Pack + "/" + r.Rule + " (" + r.Citation + ")"
	}
	return out
}

// A VersionChange is a pack version one side has and the other has not,
// or has in force over other dates; read on a day, a pack whose version
// in force differs.
type VersionChange struct {
	// Pack is "pack@version" across versions, "pack" on a day.
	Pack         string               `json:"pack"`
	Jurisdiction liaison.Jurisdiction `json:"jurisdiction"`
	Change       string               `json:"change"` // added, removed, changed
	// A and B say the version and the days it is in force ("2014:
	// 2014-08-20 to 2019-12-18"); empty on the side that lacks it.
	A string `json:"a,omitempty"`
	B string `json:"b,omitempty"`
}

// DiffVersions lists the pack versions added, removed and changed (in
// their dates) from side a to side b, within the levels of within when set.
func DiffVersions(a, b Side, within liaison.Jurisdiction) []VersionChange {
	va, vb := a.versions(within), b.versions(within)
	var keys []string
	for k := range va {
		keys = append(keys, k)
	}
	for k := range vb {
		if _, ok := va[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []VersionChange
	for _, k := range keys {
		x, y := va[k], vb[k]
		switch {
		case y == nil:
			out = append(out, VersionChange{Pack: k, Jurisdiction: x.pack.Jurisdiction, Change: "removed", A: x.span()})
		case x == nil:
			out = append(out, VersionChange{Pack: k, Jurisdiction: y.pack.Jurisdiction, Change: "added", B: y.span()})
		case x.span() != y.span():
			out = append(out, VersionChange{Pack: k, Jurisdiction: y.pack.Jurisdiction, Change: "changed", A: x.span(), B: y.span()})
		}
	}
	return out
}

func (sd Side) versions(within liaison.Jurisdiction) map[string]*Version {
	out := map[string]*Version{}
	var ls []liaison.Jurisdiction
	if within != "" {
		ls = levels(within)
	}
	for _, pk := range sd.Set.packs {
		if ls != nil && !slices.Contains(ls, pk.Jurisdiction) {
			continue
		}
		if !sd.At.IsZero() {
			if v := pk.At(sd.At); v != nil {
				out[pk.ID] = v
			}
			continue
		}
		for _, v := range pk.Versions {
			out[pk.ID+"@"+v.Version] = v
		}
	}
	return out
}

// span says the version and the days it is in force.
func (v *Version) span() string {
	to := "on"
	if v.EffectiveTo != nil {
		to = "to " + v.EffectiveTo.Format(time.DateOnly)
	}
	return fmt.Sprintf("%s: %s %s", v.Version, v.EffectiveFrom.Format(time.DateOnly), to)
}

// A Diff is what changed in the law from side A to side B: pack
// versions and rules, and the answers of a set of cases (`liaison packs
// diff` and the page /law/diff show it).
type Diff struct {
	// A and B name the sides as the user gave them.
	A            string               `json:"a"`
	B            string               `json:"b"`
	Jurisdiction liaison.Jurisdiction `json:"jurisdiction,omitempty"`
	Versions     []VersionChange      `json:"versions"`
	Rules        []RuleChange         `json:"rules"`
	// Cases is how many cases were decided on both sides; Answers those
	// answered otherwise.
	Cases   int          `json:"cases"`
	Answers []CaseChange `json:"answers"`
}

// Compare compares side a with side b within the levels of within (all
// the law when empty), keeping the rules of action (all when empty), and
// decides the cases of SelectCases(cases, within, action) on both.
func Compare(a, b Side, cases []Case, within liaison.Jurisdiction, action liaison.Action) (*Diff, error) {
	cases = SelectCases(cases, within, action)
	c := &Diff{Jurisdiction: within, Cases: len(cases),
		Versions: nonNil(DiffVersions(a, b, within)), Rules: DiffRules(a, b, within)}
	if action != "" {
		c.Rules = slices.DeleteFunc(c.Rules, func(ch RuleChange) bool {
			has := func(t *RuleText) bool { return t != nil && slices.Contains(t.Actions, action) }
			return !has(ch.A) && !has(ch.B)
		})
	}
	var err error
	if c.Answers, err = DiffCases(a, b, cases); err != nil {
		return nil, err
	}
	c.Rules, c.Answers = nonNil(c.Rules), nonNil(c.Answers)
	return c, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// TestCases returns the pack tests of the layers as cases named "FILE ID"
// (a test file at the path of another's is read once), leaving out the
// skipped ones.
func TestCases(layers []Layer) ([]Case, error) {
	var uniq []Layer
	for _, l := range layers {
		if !slices.ContainsFunc(uniq, func(u Layer) bool { return u.Name == l.Name }) {
			uniq = append(uniq, l)
		}
	}
	tests, err := LoadLayerTests(uniq...)
	if err != nil {
		return nil, fmt.Errorf("load tests: %w", err)
	}
	return Cases(tests), nil
}

// Cases returns the tests as cases named "FILE ID", leaving out the
// skipped ones.
func Cases(tests []*Test) []Case {
	var out []Case
	for _, t := range tests {
		if t.Skip != "" {
			continue
		}
		out = append(out, Case{Name: t.File() + " " + t.ID, Request: t.DecisionRequest()})
	}
	return out
}

// SelectCases keeps the cases of action (all when empty) and, with j set,
// those at j or at a level above it, moved to j.
func SelectCases(cases []Case, j liaison.Jurisdiction, action liaison.Action) []Case {
	var out []Case
	for _, c := range cases {
		if action != "" && c.Request.Action != action {
			continue
		}
		if j != "" {
			cj := c.Request.Jurisdiction
			if cj != j && !strings.HasPrefix(string(j), string(cj)+"/") {
				continue
			}
			if cj != j {
				r := *c.Request
				r.Jurisdiction = j
				c = Case{Name: c.Name + " (at " + string(j) + ")", Request: &r}
			}
		}
		out = append(out, c)
	}
	return out
}
