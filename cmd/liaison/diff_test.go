package main

import (
	"encoding/json"
	"strings"
	"testing"
)

const layersDir = "../../law/testdata/layers/"

func TestPacksDiff(t *testing.T) {
	out, stderr, err := runCmd(t, "", "packs", "diff", "--only", "--format", "json", layersDir+"base", layersDir+"amend")
	if err != nil {
		t.Fatalf("packs diff: %v\n%s", err, stderr)
	}
	var rep diffReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Rules) != 2 || rep.Rules[0].Change != "removed" {
		t.Errorf("packs diff base amend: rules %+v, want the two rules of 2018 removed", rep.Rules)
	}
	// The pack tests of both sides are the cases: the one of 2019 without
	// convictions is answered otherwise.
	if rep.Cases != 3 || len(rep.Answers) != 1 || !strings.HasSuffix(rep.Answers[0].Case, "no-conviction-2019") ||
		rep.Answers[0].OutcomeA != "forbidden" || rep.Answers[0].OutcomeB != "permitted" {
		t.Errorf("packs diff base amend: %d cases, answers %+v, want no-conviction-2019 forbidden → permitted", rep.Cases, rep.Answers)
	}
}

// Two days of the bundled law, for one county and action: the text names
// the ruling that came into force between them and a case it changed.
func TestPacksDiffDays(t *testing.T) {
	out, stderr, err := runCmd(t, "", "packs", "diff", "--jurisdiction", "us/ca/los-angeles-county", "--action", "honor_detainer", "@2016-06-01", "@2019-06-01")
	if err != nil {
		t.Fatalf("packs diff: %v\n%s", err, stderr)
	}
	for _, want := range []string{
		"+ us-ca-roy-v-los-angeles-county (us/ca): 2018: 2018-02-07 on",
		"+ us-ca-values-act/hold-request (us/ca): forbid honor_detainer",
		"honor_detainer at us/ca/los-angeles-county: PERMITTED (2016-06-01) → FORBIDDEN (2019-06-01)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("packs diff @2016-06-01 @2019-06-01 lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "allow_interview at") {
		t.Errorf("packs diff --action honor_detainer lists a case of another action")
	}
	if _, _, err := runCmd(t, "", "packs", "diff", "@2016-13-01", "bundled"); err == nil {
		t.Error("packs diff @2016-13-01: no error, want one")
	}
}

func TestPacksDiffCasesFile(t *testing.T) {
	out, stderr, err := runCmd(t, "", "packs", "diff", "--cases", "../../examples/requests.jsonl", "--format", "json", "@2013-06-01", "@2019-06-01")
	if err != nil {
		t.Fatalf("packs diff --cases: %v\n%s", err, stderr)
	}
	var rep diffReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Cases == 0 || len(rep.Answers) == 0 || !strings.HasPrefix(rep.Answers[0].Case, "../../examples/requests.jsonl:") {
		t.Errorf("packs diff --cases: %d cases, answers %+v, want the file's lines, some answered otherwise", rep.Cases, rep.Answers)
	}
}
