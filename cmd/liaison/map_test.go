package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"liaison/desk"
	"liaison/law"
	"liaison/web"
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
	if err != nil || xml.Unmarshal([]byte(out), new(struct{})) != nil || !strings.Contains(out, `id="state-ca" data-outcome="forbidden"`) {
		t.Errorf("map --format svg = %v, want an SVG whose California says forbidden\n%.300s", err, out)
	}
	if _, _, err := runCmd(t, "", "map", "--case", "interview-in-custody", "--format", "svg", "--action", "honor_detainer"); err == nil {
		t.Error("map --action honor_detainer for a case mapped for allow_interview = nil error, want one")
	}
	if _, _, err := runCmd(t, "", "map"); exitCode(err) != 2 {
		t.Errorf("map without --case = %v, want exit status 2", err)
	}
}

// The SVG of `liaison map` is the page's, byte for byte.
func TestMapSVGIsThePage(t *testing.T) {
	ctx := context.Background()
	set, err := loadPacks("")
	if err != nil {
		t.Fatal(err)
	}
	store, err := openStore(ctx, "sqlite:"+filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sealer, err := desk.NewSealer(bytes.Repeat([]byte{1}, 32), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d, err := desk.New(desk.Config{Store: store, Law: set, Sealer: sealer})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(web.New(web.Config{Desk: d, Store: store, API: http.NotFoundHandler()}).Handler())
	defer ts.Close()
	for _, c := range [][3]string{
		{"detainer-admin-warrant-bail-eligible", "notify_release", "2019-06-01"},
		{"interview-in-custody", "allow_interview", "2012-03-04"},
	} {
		cli, _, err := runCmd(t, "", "map", "--case", c[0], "--action", c[1], "--as-of", c[2], "--format", "svg")
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(ts.URL + "/law/map.svg?case=" + c[0] + "&action=" + c[1] + "&date=" + c[2])
		if err != nil {
			t.Fatal(err)
		}
		page, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || string(page) != cli {
			t.Errorf("%v: GET /law/map.svg = %d, %d bytes; map --format svg, %d bytes; want the same", c, resp.StatusCode, len(page), len(cli))
		}
	}
}
