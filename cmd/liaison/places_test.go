package main

import (
	"strings"
	"testing"
)

// liaison decide refuses a jurisdiction with a level that has no pack,
// naming it, unless the agency says it has no law of its own.
func TestDecideUnknownJurisdiction(t *testing.T) {
	dir := packDir(t, testTests)
	_, _, err := runCmd(t, `{"as_of": "2020-01-01", "jurisdiction": "us/zz/town", "action": "honor_detainer"}`, "decide", "--packs", dir, "-")
	if err == nil || !strings.Contains(err.Error(), `"town"`) || !strings.Contains(err.Error(), "no_local_law") {
		t.Errorf("decide for us/zz/town = %v, want an error naming town and no_local_law", err)
	}
	out, _, err := runCmd(t, `{"as_of": "2020-01-01", "jurisdiction": "us/zz/town", "action": "honor_detainer"}
{"as_of": "2020-01-01", "jurisdiction": "us/zz/town", "agency": {"no_local_law": true}, "action": "honor_detainer"}
`, "decide", "--jsonl", "--json", "--packs", dir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || len(lines) != 2 || !strings.Contains(lines[0], `"error"`) || !strings.Contains(lines[1], `"levels"`) {
		t.Errorf("decide --jsonl = %v\n%s\nwant an error line, then a decision with its levels", err, out)
	}
}

// The text names the agency's local day, the one the engine decided on.
func TestDecideTextLocalDay(t *testing.T) {
	dir := packDir(t, testTests)
	out, _, err := runCmd(t, `{"as_of": "2020-01-02T03:00:00Z", "jurisdiction": "us/zz", "agency": {"time_zone": "America/Los_Angeles"}, "action": "honor_detainer"}`, "decide", "--packs", dir, "-")
	if err != nil || !strings.Contains(out, "on 2020-01-01") {
		t.Errorf("decide = %v\n%s\nwant the Los Angeles day, 2020-01-01", err, out)
	}
}
