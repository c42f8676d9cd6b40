package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"html/template"
	"io"
	"strconv"

	"liaison"
	"liaison/oversight"
)

// reportCmd is `liaison report`: the dashboard's figures and the
// statutory reports of the agencies' law, over a range of months, as CSV,
// JSON or HTML; or, with --verify, the kept summary checked against the
// records.
type reportCmd struct {
	getenv         func(string) string
	stdout, stderr io.Writer
}

// Audiences of a report.
const (
	audiencePublic    = "public"
	audienceOversight = "oversight"
)

func (c *reportCmd) run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	db := fs.String("db", "sqlite:liaison.db", "database: sqlite:`PATH` or postgres://...")
	agency := fs.String("agency", "", "the agency `ID` (default: every agency)")
	from := fs.String("from", "", "the first `MONTH` (2024-01; default: the first recorded)")
	to := fs.String("to", "", "the last `MONTH` (2024-12; default: the last recorded)")
	format := fs.String("format", "csv", "csv, json or html")
	k := fs.Int("k", 0, "show counts below `K` as \"<K\" (default: LIAISON_DASHBOARD_K, else 10)")
	audience := fs.String("audience", audiencePublic, "public, or oversight: for the oversight body itself, with no count hidden (not for publication)")
	verify := fs.Bool("verify", false, "fold every record again and check the kept summary against it")
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}
	threshold, err := dashboardK(*k, c.getenv)
	if err != nil {
		return err
	}
	switch {
	case *format != "csv" && *format != "json" && *format != "html":
		return liaison.Errorf(liaison.Invalid, "format", "--format %q: want csv, json or html", *format)
	case *audience != audiencePublic && *audience != audienceOversight:
		return liaison.Errorf(liaison.Invalid, "audience", "--audience %q: want public or oversight", *audience)
	}
	for _, m := range []struct{ name, v string }{{"from", *from}, {"to", *to}} {
		if m.v != "" && !validMonth(m.v) {
			return liaison.Errorf(liaison.Invalid, m.name, "--%s %q: want a month, such as 2024-01", m.name, m.v)
		}
	}
	store, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	bar := newProgress(c.stderr, "summarizing the records")
	defer bar.end()
	if *verify {
		size, err := oversight.Verify(ctx, store, bar.show)
		bar.end()
		if err != nil {
			return err
		}
		if size == 0 {
			fmt.Fprintln(c.stdout, "no summary is kept yet: nothing to verify")
			return nil
		}
		fmt.Fprintf(c.stdout, "the kept summary of the log's first %d records is what the records give\n", size)
		return nil
	}
	z := oversight.NewSummarizer(store)
	z.Progress = bar.show
	if *audience == audienceOversight {
		threshold = 0
	}
	rep, err := z.Report(ctx, oversight.Scope{Agency: *agency, From: *from, To: *to}, threshold)
	if err != nil {
		return err
	}
	bar.end()
	out := reportOut{Report: rep, Audience: *audience}
	switch *format {
	case "json":
		return writeReportJSON(c.stdout, out)
	case "html":
		return reportHTML.Execute(c.stdout, out)
	}
	return writeReportCSV(c.stdout, out)
}

// dashboardK is the threshold k: flag when set, else LIAISON_DASHBOARD_K,
// else oversight.DefaultK.
func dashboardK(flagK int, getenv func(string) string) (int, error) {
	if flagK != 0 {
		if flagK < 1 {
			return 0, liaison.Errorf(liaison.Invalid, "k", "k %d: want 1 or more", flagK)
		}
		return flagK, nil
	}
	v := getenv("LIAISON_DASHBOARD_K")
	if v == "" {
		return oversight.DefaultK, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, liaison.Errorf(liaison.Invalid, "LIAISON_DASHBOARD_K", "LIAISON_DASHBOARD_K=%q: want a whole number, 1 or more", v)
	}
	return n, nil
}

func validMonth(s string) bool {
	return len(s) == 7 && s[4] == '-' && s[:4] >= "1970" && s[:4] <= "9999" && s[5:] >= "01" && s[5:] <= "12"
}

// reportOut is a report as written.
type reportOut struct {
	*oversight.Report
	Audience string
}

// Notice says who the report is for, and what that changes.
func (r reportOut) Notice() string {
	if r.Audience == audienceOversight {
		return "For the oversight body itself, not for publication: no count is hidden, small ones included. The figures name no person in either case; only the suppression of small counts differs."
	}
	return fmt.Sprintf("For publication: counts from 1 to %d are shown as \"<%d\", and some larger counts are hidden too, so that no total or difference reveals a small one.", r.K-1, r.K)
}

// publishedJSON is a published table as JSON: every count as published
// text ("<10" when hidden).
type publishedJSON struct {
	ID       string     `json:"id,omitempty"`
	Title    string     `json:"title"`
	RowLabel string     `json:"row_label"`
	Rows     []string   `json:"rows"`
	Cols     []string   `json:"cols"`
	Cells    [][]string `json:"cells"`
	RowTotal []string   `json:"row_totals"`
	ColTotal []string   `json:"col_totals"`
	Total    string     `json:"total"`
	Note     string     `json:"note,omitempty"`
}

func tableJSON(t *oversight.Published) publishedJSON {
	p := publishedJSON{ID: t.ID, Title: t.Title, RowLabel: t.RowLabel, Rows: t.Rows, Cols: t.Cols, Total: t.GrandTotal(), Note: t.Note,
		Cells: [][]string{}, RowTotal: []string{}, ColTotal: []string{}}
	for i := range t.Rows {
		row := []string{}
		for j := range t.Cols {
			row = append(row, t.Cell(i, j))
		}
		p.Cells = append(p.Cells, row)
		p.RowTotal = append(p.RowTotal, t.RowTotal(i))
	}
	for j := range t.Cols {
		p.ColTotal = append(p.ColTotal, t.ColTotal(j))
	}
	return p
}

func writeReportJSON(w io.Writer, r reportOut) error {
	type section struct {
		oversight.Section
		Table publishedJSON `json:"table"`
	}
	v := struct {
		Checkpoint oversight.Checkpoint `json:"checkpoint"`
		K          int                  `json:"k"`
		Audience   string               `json:"audience"`
		Notice     string               `json:"notice"`
		Agency     string               `json:"agency,omitempty"`
		From       string               `json:"from,omitempty"`
		To         string               `json:"to,omitempty"`
		Figures    []publishedJSON      `json:"figures"`
		Statutory  []section            `json:"statutory"`
	}{Checkpoint: r.Checkpoint, K: r.K, Audience: r.Audience, Notice: r.Notice(), Agency: r.Scope.Agency, From: r.Scope.From, To: r.Scope.To,
		Figures: []publishedJSON{}, Statutory: []section{}}
	for _, t := range r.Tables {
		v.Figures = append(v.Figures, tableJSON(t))
	}
	for _, s := range r.Sections {
		v.Statutory = append(v.Statutory, section{s, tableJSON(s.Table)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeReportCSV writes every table in one long CSV: a row per published
// count, naming its report, the provision that asks for it, its table, row
// and column ("total" for the margins).
func writeReportCSV(w io.Writer, r reportOut) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"report", "agency", "citation", "table", "row", "column", "count", "tree_size", "root_hash", "k"})
	cp := []string{strconv.FormatInt(r.Checkpoint.Size, 10), r.Checkpoint.Root, strconv.Itoa(r.K)}
	write := func(report, agency, citation string, t *oversight.Published) {
		emit := func(row, col, v string) {
			cw.Write(append([]string{report, agency, citation, t.Title, row, col, v}, cp...))
		}
		for i, row := range t.Rows {
			for j, col := range t.Cols {
				emit(row, col, t.Cell(i, j))
			}
			emit(row, "total", t.RowTotal(i))
		}
		for j, col := range t.Cols {
			emit("total", col, t.ColTotal(j))
		}
		emit("total", "total", t.GrandTotal())
	}
	scope := "all agencies"
	if r.Agency != nil {
		scope = r.Agency.Name
	}
	for _, t := range r.Tables {
		write("figures", scope, "", t)
	}
	for _, s := range r.Sections {
		write(s.Title, s.AgencyName, s.Citation, s.Table)
	}
	cw.Flush()
	return cw.Error()
}

// reportHTML shows the tables and charts with their codes in words
// (oversight.Displayed), as the dashboard's page does; the CSV and JSON
// keep the codes.
var reportHTML = template.Must(template.New("report").Funcs(template.FuncMap{"chart": oversight.Chart, "shown": oversight.Displayed}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Figures{{if .Agency}}: {{.Agency.Name}}{{end}}</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #999;padding:.2rem .5rem}td{text-align:right}caption{text-align:left;font-weight:bold}</style>
</head><body>
<h1>Figures{{if .Agency}}: {{.Agency.Name}}{{else}}: all agencies{{end}}{{if .Scope.From}}, from {{.Scope.From}}{{end}}{{if .Scope.To}} to {{.Scope.To}}{{end}}</h1>
<p>{{.Notice}}</p>
<p>Computed from the log's first {{.Checkpoint.Size}} records (root hash <code>{{.Checkpoint.Root}}</code>). Months are UTC.</p>
{{define "table"}}<table><caption>{{.Title}}</caption>
<thead><tr><th scope="col">{{.RowLabel}}</th>{{range .Cols}}<th scope="col">{{.}}</th>{{end}}<th scope="col">total</th></tr></thead>
<tbody>{{$t := .}}{{range $i, $r := .Rows}}<tr><th scope="row">{{$r}}</th>{{range $j, $c := $t.Cols}}<td>{{$t.Cell $i $j}}</td>{{end}}<td>{{$t.RowTotal $i}}</td></tr>{{end}}</tbody>
<tfoot><tr><th scope="row">total</th>{{range $j, $c := .Cols}}<td>{{$t.ColTotal $j}}</td>{{end}}<td>{{.GrandTotal}}</td></tr></tfoot></table>{{if .Note}}<p>{{.Note}}</p>{{end}}{{end}}
{{range .Tables}}{{with shown .}}{{if .Rows}}<figure>{{chart .}}</figure>{{end}}{{template "table" .}}{{end}}{{end}}
<h2>Reports the law asks for</h2>
{{range .Sections}}<section><h3>{{.Title}} — {{.AgencyName}}</h3>
<p><strong>{{.Citation}}</strong> asks for {{.Asks}}. Filed by {{.Filer}}; {{.When}}.</p>
{{if .Gaps}}<p>Not in these figures: {{.Gaps}}</p>{{end}}
{{template "table" (shown .Table)}}</section>
{{else}}<p>The law of these agencies names no statistical report.</p>{{end}}
</body></html>
`))
