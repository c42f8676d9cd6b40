package oversight

import (
	"context"
	"maps"
	"slices"
	"strings"
)

// A Statute is a report the bundled law asks an agency (or its governing
// body) to make about its cooperation, with the figures liaison can give
// for it from the records. Sources: ../shared/law/reporting.md.
type Statute struct {
	// Jurisdiction is the prefix of the agencies' jurisdictions it binds
	// ("us/ca").
	Jurisdiction string `json:"jurisdiction"`
	Citation     string `json:"citation"`
	Title        string `json:"title"`
	// Asks is what the provision asks for, in its words where quoted;
	// Filer and When who reports to whom, and when.
	Asks  string `json:"asks"`
	Filer string `json:"filer"`
	When  string `json:"when"`
	// Gaps says what the figures leave out that the provision asks for.
	Gaps string `json:"gaps,omitempty"`
	// columns are the report's columns, each a count of the Summary's;
	// byMonth gives a row per month rather than per year.
	columns []column
	byMonth bool
	// table, when set, is a dashboard table used instead of columns.
	table string
}

// column is one column of a statutory table: the counts of one figure that
// match.
type column struct {
	name  string
	match func(k Key) bool
}

func fig(figure string, rows []string, cols ...string) func(Key) bool {
	return func(k Key) bool {
		return k.Figure == figure && (rows == nil || slices.Contains(rows, k.Row)) && (cols == nil || slices.Contains(cols, k.Col))
	}
}

var (
	carriedOut = []string{ActionCarriedOut, ActionOverride}
	detainer   = []string{"detainer"}
	handOvers  = []string{"honor_detainer", "transfer_custody"}
)

// Statutes are the reports the bundled law names, by jurisdiction.
var Statutes = []Statute{
	{Jurisdiction: "us/ca", Citation: "Cal. Gov. Code 7284.6(c)(2)", Title: "California: transfers and the offence that allowed each",
		Asks:  `"the number of transfers pursuant to paragraph (4) of subdivision (a), and the offense that allowed for the transfer"`,
		Filer: "each law enforcement agency, to the Department of Justice", When: "annually, as the Attorney General specifies",
		table: TableTransfers},
	{Jurisdiction: "us/ca", Citation: "Cal. Gov. Code 7283.1(d)", Title: "California TRUTH Act: ICE access, for the community forum",
		Asks:  "the number of individuals to whom the agency provided ICE access, the date (here, the month), and whether through a hold, transfer or notification request or through other means",
		Filer: "the agency, to its governing body, which holds a public forum", When: "yearly, where ICE access was provided during the last year",
		Gaps: "Demographic characteristics are not recorded by the desk. Counts are of actions carried out, not of distinct people.",
		columns: []column{
			{"hold", fig(FigActions, []string{"honor_detainer"}, carriedOut...)},
			{"transfer", fig(FigActions, []string{"transfer_custody"}, carriedOut...)},
			{"notification", fig(FigActions, []string{"notify_release"}, carriedOut...)},
			{"other means", func(k Key) bool {
				return k.Figure == FigActions && slices.Contains(carriedOut, k.Col) && !slices.Contains([]string{"honor_detainer", "transfer_custody", "notify_release"}, k.Row)
			}},
		}, byMonth: true},
	{Jurisdiction: "us/ma/boston", Citation: "Boston Trust Act, Section 3", Title: "Boston: detainer requests, people detained and transferred",
		Asks:  "detainer requests received, the people detained on them and the people transferred to ICE custody (Boston's exact list is unconfirmed; Somerville's parallel ordinance asks for these)",
		Filer: "the Police Commissioner, to the City Clerk", When: "by December 31 each year",
		Gaps: "The reasons given for each request and federal reimbursements are not recorded by the desk.",
		columns: []column{
			{"detainer requests received", fig(FigRequests, detainer)},
			{"detained (holds carried out)", fig(FigActions, []string{"honor_detainer"}, carriedOut...)},
			{"holds refused", fig(FigActions, []string{"honor_detainer"}, ActionRefused)},
			{"handed over to federal custody", fig(FigTransfers, nil)},
		}},
	{Jurisdiction: "us/tx", Citation: "Tex. Gov. Code 511.0101(a)(1)(M)", Title: "Texas: immigration detainers, for the monthly jail population report",
		Asks:  `the count on the first day of the month of "prisoners for whom an immigration detainer has been issued by United States Immigration and Customs Enforcement"`,
		Filer: "each county, to the Commission on Jail Standards", When: "on or before the fifth day of each month",
		Gaps: "The statute counts people in custody on the first day of each month; these figures count detainers received and holds carried out in each month. The housing cost, (a)(4), is not recorded.",
		columns: []column{
			{"detainers received", fig(FigRequests, detainer)},
			{"holds carried out", fig(FigActions, []string{"honor_detainer"}, carriedOut...)},
		}, byMonth: true},
	{Jurisdiction: "us/il", Citation: "5 ILCS 805/25", Title: "Illinois: detainers and civil immigration warrants received, and what followed",
		Asks:  "all immigration detainers or civil immigration warrants received, with whether the individual was released or transferred, and requests to assist civil enforcement operations",
		Filer: "each law enforcement agency, to the Attorney General", When: "annually (the Attorney General collects by March 1)",
		Gaps: "Per-request dates and times are personal detail and are not published here; the statute's own report lists them without names.",
		columns: []column{
			{"detainers received", fig(FigRequests, detainer)},
			{"warrants received", fig(FigRequests, []string{"warrant"})},
			{"handed over to federal custody", fig(FigTransfers, nil)},
			{"assistance with operations carried out", fig(FigActions, []string{"assist_operation"}, carriedOut...)},
		}},
	{Jurisdiction: "us/or", Citation: "ORS 181A.826(3)(a)", Title: "Oregon: federal immigration requests received, for the Criminal Justice Commission",
		Asks:  "each communication or request from a federal agency relating to immigration enforcement (other than a qualifying judicial subpoena), documented",
		Filer: "each public body, to the Oregon Criminal Justice Commission", When: "at least monthly when any is received",
		table: TableRequestsByMonth},
	{Jurisdiction: "us/nj", Citation: "N.J. Attorney General Directive 2018-6", Title: "New Jersey: instances of assistance to federal immigration authorities",
		Asks:  "each instance of assistance to federal immigration authorities for civil immigration enforcement",
		Filer: "each law enforcement agency, to the Attorney General", When: "annually",
		columns: []column{
			{"actions carried out", fig(FigActions, nil, carriedOut...)},
			{"actions refused", fig(FigActions, nil, ActionRefused)},
		}},
	{Jurisdiction: "us/ny/new-york-city", Citation: "N.Y.C. Admin. Code 14-154, 9-131", Title: "New York City: civil immigration detainers",
		Asks:  "the number of civil immigration detainers received, of people held on them beyond release, of people transferred to ICE custody on them, and of detainers not honored",
		Filer: "the Police Department and the Department of Correction, to the Council", When: "annually",
		columns: []column{
			{"detainers received", fig(FigRequests, detainer)},
			{"held beyond release", fig(FigActions, []string{"honor_detainer"}, carriedOut...)},
			{"transferred to federal custody", fig(FigTransfers, nil, handOvers...)},
			{"not honored", fig(FigActions, []string{"honor_detainer"}, ActionRefused)},
		}},
}

// StatutesFor returns the statutes whose jurisdiction holds j.
func StatutesFor(j string) []Statute {
	var out []Statute
	for _, s := range Statutes {
		if j == s.Jurisdiction || strings.HasPrefix(j, s.Jurisdiction+"/") {
			out = append(out, s)
		}
	}
	return out
}

// statuteTable returns st's table over sc.
func (s *Summary) statuteTable(st Statute, sc Scope) Table {
	if st.table != "" {
		for _, t := range s.Tables(sc) {
			if t.ID == st.table {
				return t
			}
		}
	}
	g := newGrid()
	var order []string
	for _, c := range st.columns {
		order = append(order, c.name)
	}
	for k, n := range s.Counts {
		if !sc.holds(k) {
			continue
		}
		period := k.Month[:4]
		if st.byMonth {
			period = k.Month
		}
		for _, c := range st.columns {
			if c.match(k) {
				g.add(period, c.name, n)
			}
		}
	}
	label := "year"
	if st.byMonth {
		label = "month"
	}
	return g.table(Table{ID: "statute", Title: st.Title, RowLabel: label, ColLabel: "figure"}, nil, order)
}

// Section is one statutory report of one agency.
type Section struct {
	Statute
	Agency     string     `json:"agency"`
	AgencyName string     `json:"agency_name"`
	Table      *Published `json:"-"`
}

// Report is the figures over a scope and the statutory reports of the
// agencies in it.
type Report struct {
	*Figures
	Sections []Section
}

// Report brings the summary up to date and returns the figures over sc
// and, for each agency in sc, the reports its jurisdiction's law asks
// for, each published with threshold k.
func (z *Summarizer) Report(ctx context.Context, sc Scope, k int) (*Report, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	f, err := z.figures(ctx, sc, k)
	if err != nil {
		return nil, err
	}
	r := &Report{Figures: f}
	ids := slices.Sorted(maps.Keys(z.sum.Agencies))
	for _, id := range ids {
		if sc.Agency != "" && id != sc.Agency {
			continue
		}
		a := z.sum.Agencies[id]
		one := sc
		one.Agency = id
		for _, st := range StatutesFor(string(a.Jurisdiction)) {
			t := Suppress(z.sum.statuteTable(st, one), k)
			r.Sections = append(r.Sections, Section{Statute: st, Agency: id, AgencyName: a.Name, Table: t})
		}
	}
	return r, nil
}
