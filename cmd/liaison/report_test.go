package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"liaison"
	"liaison/oversight"
	"liaison/sqlite"
)

// TestReport: the demo's figures and statutory reports in each format,
// k from the environment, the oversight body's unsuppressed version, and
// --verify against a kept summary, then an edited one.
func TestReport(t *testing.T) {
	db, keys := demoDB(t)
	report := func(env map[string]string, args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(context.Background(), append([]string{"report", "--db", db}, args...), func(k string) string { return env[k] }, strings.NewReader(""), &out, &errb)
		if err != nil {
			t.Logf("report %v: %v\n%s", args, err, errb.String())
		}
		return out.String(), err
	}

	out, err := report(nil)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("report (csv): %v\n%s", err, out)
	}
	if strings.Join(rows[0], ",") != "report,agency,citation,table,row,column,count,tree_size,root_hash,k" {
		t.Errorf("report (csv): header %q", rows[0])
	}
	citations := map[string]bool{}
	for _, r := range rows[1:] {
		citations[r[2]] = true
		if v := r[6]; v != "<10" && strings.TrimLeft(v, "0123456789") != "" {
			t.Errorf("report (csv): count %q", v)
		}
	}
	for _, c := range []string{"Cal. Gov. Code 7284.6(c)(2)", "Cal. Gov. Code 7283.1(d)", "Tex. Gov. Code 511.0101(a)(1)(M)", "Boston Trust Act, Section 3"} {
		if !citations[c] {
			t.Errorf("report (csv) cites no %q; cites %v", c, citations)
		}
	}

	out, err = report(map[string]string{"LIAISON_DASHBOARD_K": "3"}, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		K          int                  `json:"k"`
		Checkpoint oversight.Checkpoint `json:"checkpoint"`
		Figures    []struct{ ID string }
		Statutory  []struct{ Citation, Agency string }
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if v.K != 3 || v.Checkpoint.Size == 0 || len(v.Figures) != len(oversight.TableIDs) || len(v.Statutory) == 0 {
		t.Errorf("report --format json with LIAISON_DASHBOARD_K=3: k %d, checkpoint %+v, %d figures, %d statutory", v.K, v.Checkpoint, len(v.Figures), len(v.Statutory))
	}

	out, err = report(nil, "--format", "html", "--audience", "oversight")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "not for publication") || strings.Contains(out, "&lt;10") || !strings.Contains(out, "7283.1(d)") || !strings.Contains(out, `<svg`) {
		t.Errorf("report --format html --audience oversight: want the notice, no hidden count, the TRUTH Act, charts\n%.2000s", out)
	}
	// Its charts and tables say the codes in words, as the dashboard's page.
	var svgs []string
	for rest := out; strings.Contains(rest, "<svg"); {
		from := strings.Index(rest, "<svg")
		to := strings.Index(rest[from:], "</svg>")
		svgs, rest = append(svgs, rest[from:from+to]), rest[from+to:]
	}
	charts := strings.Join(svgs, "\n")
	for _, want := range []string{"Forbidden", "Detainer"} {
		if !strings.Contains(charts, want) {
			t.Errorf("report --format html: no chart says %q:\n%.3000s", want, charts)
		}
	}
	for _, code := range []string{"forbidden", "required", "detainer"} {
		if strings.Contains(charts, ">"+code+"<") || strings.Contains(charts, ": "+code+":") {
			t.Errorf("report --format html: a chart shows the code %q", code)
		}
	}
	if strings.Contains(out, "<th scope=\"row\">honor_detainer</th>") || !strings.Contains(out, "<th scope=\"row\">Hold past release (detainer)</th>") {
		t.Errorf("report --format html: the decisions' table does not name the action in words")
	}
	if _, err := report(nil, "--from", "2024-13"); liaison.KindOf(err) != liaison.Invalid {
		t.Errorf("report --from 2024-13 = %v, want Invalid", err)
	}

	// --verify: nothing kept, then a kept summary, then an edited one.
	if out, err := report(nil, "--verify"); err != nil || !strings.Contains(out, "no summary is kept") {
		t.Errorf("report --verify with none kept = %v, %q", err, out)
	}
	path := strings.TrimPrefix(db, "sqlite:")
	store, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	z := oversight.NewSummarizer(store)
	z.SaveEvery = 1
	if _, err := z.Figures(t.Context(), oversight.Scope{}, 10); err != nil {
		t.Fatal(err)
	}
	store.Close()
	if out, err := report(nil, "--verify"); err != nil || !strings.Contains(out, "is what the records give") {
		t.Errorf("report --verify = %v, %q", err, out)
	}
	if out, _, err := runCmd(t, "", "log", "verify", "--db", db, "--keys", keys); err != nil || !strings.Contains(out, ": 0 problems") {
		t.Errorf("log verify with a true summary kept = %v, %q", err, out)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE summaries SET body = '{"size":0}'`); err != nil {
		t.Fatal(err)
	}
	if _, err := report(nil, "--verify"); liaison.KindOf(err) != liaison.Conflicting || exitCode(err) != 1 {
		t.Errorf("report --verify of an edited summary = %v, want a conflict, exit status 1", err)
	}
	// log verify checks the kept summary as it checks the records.
	out, _, err = runCmd(t, "", "log", "verify", "--db", db, "--keys", keys)
	if exitCode(err) != 1 || !strings.Contains(out, "derived: the kept summary of size") {
		t.Errorf("log verify of an edited summary = %v, %q; want a derived problem, exit status 1", err, out)
	}
}
