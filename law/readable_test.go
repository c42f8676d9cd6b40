package law_test

import (
	"testing"

	"liaison/law"
	"liaison/packs"
)

// TestReadable renders bundled rules' conditions: && and || become "all
// of" and "any of" lists, negations of leaves read "is not", exists and
// all range over a list's items, facts read as their paths, other
// functions by name with their arguments as terms.
func TestReadable(t *testing.T) {
	set, err := law.Load(packs.FS())
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]*law.Rule{}
	for _, r := range set.Rules() {
		rules[r.Key()+"@"+r.Version().Version] = r
	}
	for _, tc := range []struct {
		rule string
		want string
	}{
		{"us-ca-values-act/hold-request@2018",
			`all of [agency › type is not “state_corrections”; all of [request › warrant › kind is not “judicial_criminal”; request › judicial probable cause determination is not true]]`},
		{"us-8-usc-1357g/enter-agreement@1996", `always`},
		{"us-ca-hsc-11369/notify-drug-arrest@1991",
			`all of [for some item of subject › pending charges: [it is in the list “offenses_hsc_11369”]; ` +
				`all of [the number of request › info requested is more than 0; for every item of request › info requested: [it is one of “booking_record”, “custody_status”]]]`},
		{"us-8-usc-1357g/under-written-agreement@1996",
			`for some item of agreements: [all of [its kind is “287g”; its active is true; any of [its model is one of (not given), “task_force”; context › location is one of (not given), “jail”]]]`},
		{"us-8-cfr-287-7/hold-past-48-hours@1997",
			`all of [all of [request › warrant › kind is not “judicial_criminal”; request › form is not one of “I-247D”, “I-247N”, “I-247X”, “I-247A”]; ` +
				`all of [subject › custody › hold started at is given; business hours between(subject › custody › hold started at, as of) is more than 48.0]]`},
		{"us-ca-truth-act/ice-access-records@2017",
			`all of [agency › type is not one of “state_corrections”, “state_police”, “court”; context › purpose is not “criminal_investigation”; ` +
				`any of [action is not “share_info”; for some item of request › info requested: [all of [it is one of “release_date”, “release_time”, “address”, “probation_schedule”; it is not among subject › public info]]]]`},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			r := rules[tc.rule]
			if r == nil {
				t.Fatalf("no rule %s", tc.rule)
			}
			if got := r.Readable().String(); got != tc.want {
				t.Errorf("Readable(%s) =\n%s\nwant\n%s", tc.rule, got, tc.want)
			}
		})
	}
}

// TestReadableSays keeps each condition's words with its clause.
func TestReadableSays(t *testing.T) {
	set, err := law.Load(packs.FS())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range set.Rules() {
		if r.Key() != "us-ca-values-act/hold-request" {
			continue
		}
		c := r.Readable()
		if len(c.Items) != len(r.When) {
			t.Fatalf("Readable(%s): %d items for %d conditions", r.Key(), len(c.Items), len(r.When))
		}
		for i, it := range c.Items {
			if it.Says != r.When[i].Says || it.Says == "" {
				t.Errorf("Readable(%s).Items[%d].Says = %q, want %q", r.Key(), i, it.Says, r.When[i].Says)
			}
		}
		return
	}
	t.Fatal("no rule us-ca-values-act/hold-request")
}

// TestReadableCELErrors: what does not parse is an error, not a guess.
func TestReadableCELErrors(t *testing.T) {
	if c, err := law.ReadableCEL(`subject.age >`); err == nil {
		t.Errorf("ReadableCEL(broken) = %v, want an error", c)
	}
}
