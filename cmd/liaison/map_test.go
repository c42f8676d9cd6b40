package main

import (
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"slices"
	"strings"
	"testing"

	"liaison/law"
)

func TestMapCommand(t *testing.T) {
	out, stderr, err := runCmd(t, "", "map", "--case", "detainer-admin-warrant-bail-eligible", "--as-of", "2019-06-01", "--format", "json")
	if err != nil {
		t.Fatalf("map: %v\n%s", err, stderr)
	}
	var m law.LawMap
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	cell := func(j, a string) *law.MapCell {
		for i := range m.Cells {
			if string(m.Cells[i].Jurisdiction) == j && string(m.Cells[i].Action) == a {
				return &m.Cells[i]
			}
		}
		return nil
	}
	// California's Values Act (2018) forbids the hold; Los Angeles County,
	// which the pack tests name, is on the map too.
	if c := cell("us/ca", "honor_detainer"); c == nil || c.Outcome != "forbidden" || len(c.Decisive) == 0 {
		t.Errorf("map: us/ca honor_detainer = %+v, want forbidden, with its decisive rules", c)
	}
	if c := cell("us/ca/los-angeles-county", "notify_release"); c == nil {
		t.Error("map: no cell for Los Angeles County")
	}
	if !slices.Contains(m.ChangeDates, "2018-01-01") || !slices.IsSorted(m.ChangeDates) {
		t.Errorf("map: change dates %v, want sorted, with 2018-01-01 (the Values Act)", m.ChangeDates)
	}
	// On 2016-06-01, before the Values Act, California answered otherwise.
	out, _, err = runCmd(t, "", "map", "--case", "detainer-admin-warrant-bail-eligible", "--as-of", "2016-06-01")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows[1:] {
		if r[0] == "us/ca" && r[1] == "honor_detainer" {
			found = true
			if r[2] == "forbidden" && strings.Contains(r[4], "7284.6") {
				t.Errorf("map --as-of 2016-06-01: us/ca cites the Values Act of 2018: %v", r)
			}
		}
	}
	if !found || rows[0][0] != "jurisdiction" {
		t.Errorf("map csv: header %v, no us/ca honor_detainer row", rows[0])
	}
	out, _, err = runCmd(t, "", "map", "--case", "interview-in-custody", "--format", "svg", "--as-of", "2021-01-01")
	if err != nil || xml.Unmarshal([]byte(out), new(struct{})) != nil || !strings.Contains(out, "us/ca: forbidden") {
		t.Errorf("map --format svg = %v, want an SVG whose California tile says forbidden\n%.300s", err, out)
	}
	if _, _, err := runCmd(t, "", "map"); exitCode(err) != 2 {
		t.Errorf("map without --case = %v, want exit status 2", err)
	}
}
