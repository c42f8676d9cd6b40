package law_test

import (
	"slices"
	"testing"
	"time"

	"liaison"
	"liaison/law"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Across versions: the amendment drops the 2018 version and lets the 2010
// one run on.
func TestDiffAcrossVersions(t *testing.T) {
	a := law.Side{Set: mustLayers(t, layer("base"))}
	b := law.Side{Set: mustLayers(t, layer("base"), layer("amend"))}
	var got []string
	for _, ch := range law.DiffRules(a, b, "") {
		got = append(got, ch.Change+" "+ch.Rule)
	}
	want := []string{"removed zz-detainers@2018/forbid-detainer", "removed zz-detainers@2018/permit-detainer"}
	if !slices.Equal(got, want) {
		t.Errorf("DiffRules(base, amend) = %q, want %q", got, want)
	}
	got = nil
	for _, ch := range law.DiffVersions(a, b, "") {
		got = append(got, ch.Change+" "+ch.Pack+" "+ch.A+" | "+ch.B)
	}
	want = []string{"changed zz-detainers@2010 2010: 2010-01-01 to 2017-12-31 | 2010: 2010-01-01 on", "removed zz-detainers@2018 2018: 2018-01-01 on | "}
	if !slices.Equal(got, want) {
		t.Errorf("DiffVersions(base, amend) = %q, want %q", got, want)
	}
}

// On two days: the rule of the same id changed (condition, citation), one
// rule is new; cases decided on each day.
func TestDiffOnDays(t *testing.T) {
	set := mustLayers(t, layer("base"), layer("city"))
	a, b := law.Side{Set: set, At: day("2012-06-01")}, law.Side{Set: set, At: day("2019-06-01")}
	chs := law.DiffRules(a, b, "us/zz")
	if len(chs) != 2 {
		t.Fatalf("DiffRules(2012, 2019) = %+v, want 2 changes", chs)
	}
	if c := chs[0]; c.Rule != "zz-detainers/forbid-detainer" || c.Change != "added" || c.B.Effect != liaison.Forbid {
		t.Errorf("change 0 = %+v, want forbid-detainer added", c)
	}
	if c := chs[1]; c.Rule != "zz-detainers/permit-detainer" || c.Change != "changed" ||
		!slices.Equal(c.Fields, []string{"condition", "wording", "citation"}) || c.A.Version != "2010" || c.B.Version != "2018" {
		t.Errorf("change 1 = %+v, want permit-detainer changed in condition, wording and citation, 2010 to 2018", c)
	}
	// The town's ordinance is outside us/zz's levels; within the town it is there.
	if n := len(law.DiffRules(a, b, "us/zz/town")); n != 3 {
		t.Errorf("DiffRules within us/zz/town = %d changes, want 3 (the ordinance of 2015 is added)", n)
	}
	cases := []law.Case{
		{Name: "none", Request: detainerAt("us/zz", "2000-01-01")},
		{Name: "convicted", Request: detainerAt("us/zz", "2000-01-01", liaison.Offense{Offense: "ZZ 1", Jurisdiction: "us/zz", Level: "felony"})},
	}
	got, err := law.DiffCases(a, b, cases)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Case != "none" || got[0].OutcomeA != liaison.Permitted || got[0].OutcomeB != liaison.Forbidden ||
		got[0].AsOfA != "2012-06-01" || got[0].AsOfB != "2019-06-01" || len(got[0].DecisiveB) != 1 {
		t.Errorf("DiffCases = %+v, want the case without convictions, permitted in 2012, forbidden in 2019", got)
	}
}
