package law

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"liaison"
)

// A TestFile holds pack tests: decision requests with the answers the law
// gives them.
type TestFile struct {
	Tests []*Test `yaml:"tests"`
}

// A Test is one decision request and what the decision must say.
type Test struct {
	ID         string `yaml:"id"`
	Citation   string `yaml:"citation"`
	Source     string `yaml:"source"`
	Confidence string `yaml:"confidence"`
	Note       string `yaml:"note"`
	// Skip keeps a test that is not run, with the reason.
	Skip    string `yaml:"skip"`
	Request any    `yaml:"request"`
	Expect  Expect `yaml:"expect"`

	file string
	req  *liaison.Request
}

// Expect is what a test's decision must say.
type Expect struct {
	Outcome liaison.Outcome `yaml:"outcome"`
	// DutyCitations must each be a substring of some duty's citation.
	DutyCitations []string `yaml:"duty_citations"`
	MaxHoldHours  *float64 `yaml:"max_hold_hours"`
	// Decisive lists "pack/rule" keys that must all be decisive.
	Decisive []string `yaml:"decisive"`
	// MissingFacts, when given, must equal the decision's exactly.
	MissingFacts []string `yaml:"missing_facts"`
}

// A TestResult is the result of one test.
type TestResult struct {
	File     string
	ID       string
	Skipped  string   // the skip reason, if skipped
	Failed   []string // what was wrong; empty when the test passed
	Decision *liaison.Decision
}

// LoadTests reads every *.test.yaml below fsys's root.
func LoadTests(fsys fs.FS) ([]*Test, error) {
	var tests []*Test
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".test.yaml") {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		var tf TestFile
		if err := decodeYAML(data, &tf); err != nil {
			return yamlError(p, err)
		}
		ids := map[string]bool{}
		for i, t := range tf.Tests {
			where := fmt.Sprintf("%s: tests[%d]", p, i)
			if t == nil || t.ID == "" {
				return fmt.Errorf("%s: a test needs an id", where)
			}
			if ids[t.ID] {
				return fmt.Errorf("%s: test id %q appears twice", where, t.ID)
			}
			ids[t.ID] = true
			if !slices.Contains(liaison.Outcome("").Enum(), string(t.Expect.Outcome)) {
				return fmt.Errorf("%s (%s): expect.outcome %q is not an outcome", where, t.ID, t.Expect.Outcome)
			}
			raw, err := json.Marshal(t.Request)
			if err != nil {
				return fmt.Errorf("%s (%s): request: %w", where, t.ID, err)
			}
			t.req, err = liaison.DecodeRequest(raw)
			if err != nil {
				return fmt.Errorf("%s (%s): request: %w", where, t.ID, err)
			}
			t.file = p
			tests = append(tests, t)
		}
		return nil
	})
	return tests, err
}

// File returns the path of the test's file below its root.
func (t *Test) File() string { return t.file }

// DecisionRequest returns the test's request.
func (t *Test) DecisionRequest() *liaison.Request { return t.req }

// Run decides the test's request and checks the decision.
func (s *Set) Run(t *Test) TestResult {
	res := TestResult{File: t.file, ID: t.ID}
	if t.Skip != "" {
		res.Skipped = t.Skip
		return res
	}
	d, err := s.Decide(t.req, Options{Explain: true})
	if err != nil {
		res.Failed = append(res.Failed, err.Error())
		return res
	}
	res.Decision = d
	e := t.Expect
	if d.Outcome != e.Outcome {
		res.Failed = append(res.Failed, fmt.Sprintf("outcome %s, want %s", d.Outcome, e.Outcome))
	}
	for _, want := range e.DutyCitations {
		if !slices.ContainsFunc(d.Duties, func(du liaison.Duty) bool { return strings.Contains(du.Citation, want) }) {
			res.Failed = append(res.Failed, fmt.Sprintf("no duty cites %q", want))
		}
	}
	if e.MaxHoldHours != nil {
		switch got := d.Limits.MaxHoldHours; {
		case got == nil:
			res.Failed = append(res.Failed, fmt.Sprintf("no max_hold_hours, want %g", *e.MaxHoldHours))
		case *got != *e.MaxHoldHours:
			res.Failed = append(res.Failed, fmt.Sprintf("max_hold_hours %g, want %g", *got, *e.MaxHoldHours))
		}
	}
	for _, want := range e.Decisive {
		if !slices.ContainsFunc(d.Decisive, func(r liaison.RuleRef) bool { return r.Pack+"/"+r.Rule == want }) {
			res.Failed = append(res.Failed, fmt.Sprintf("%s is not decisive", want))
		}
	}
	if e.MissingFacts != nil && !slices.Equal(d.MissingFacts, e.MissingFacts) {
		res.Failed = append(res.Failed, fmt.Sprintf("missing_facts %v, want %v", d.MissingFacts, e.MissingFacts))
	}
	if len(res.Failed) > 0 {
		res.Failed = append(res.Failed, "explanation: "+d.Explanation)
	}
	return res
}

// Exercised returns the "pack/rule" keys of the rules whose conditions held
// in the decisions of results.
func Exercised(results []TestResult) map[string]bool {
	out := map[string]bool{}
	for _, r := range results {
		if r.Decision == nil {
			continue
		}
		for _, c := range r.Decision.Considered {
			if c.Held != nil && *c.Held {
				out[c.Pack+"/"+c.Rule] = true
			}
		}
	}
	return out
}

// Rules returns every rule of every version of every pack.
func (s *Set) Rules() []*Rule {
	var out []*Rule
	for _, p := range s.packs {
		for _, v := range p.Versions {
			out = append(out, v.Rules...)
		}
	}
	return out
}

// Version returns the version the rule belongs to.
func (r *Rule) Version() *Version { return r.version }
