package web

import (
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"liaison"
	"liaison/oversight"
)

// The public dashboard: de-identified figures computed from the records
// (package oversight), with no sign-in. Every count is published under the
// deployment's disclosure control (Config.K), and every page states k and
// the tree head its figures were computed at.

// dashboardMonths is how many months the dashboard shows when the visitor
// names none: the last two years, to this month.
const dashboardMonths = 24

var monthRe = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// dashboardScope reads the months from the query (?from=2024-01&to=2025-12),
// the last dashboardMonths by default.
func (s *Site) dashboardScope(r *http.Request, agency string) (oversight.Scope, error) {
	q := r.URL.Query()
	now := s.cfg.Now().UTC()
	sc := oversight.Scope{Agency: agency, From: q.Get("from"), To: q.Get("to")}
	if sc.To == "" {
		sc.To = now.Format("2006-01")
	}
	if sc.From == "" {
		t, _ := time.Parse("2006-01", sc.To)
		sc.From = t.AddDate(0, 1-dashboardMonths, 0).Format("2006-01")
	}
	for _, m := range []struct{ name, v string }{{"from", sc.From}, {"to", sc.To}} {
		if !monthRe.MatchString(m.v) {
			return sc, liaison.Errorf(liaison.Invalid, m.name, "%s must be a month, such as 2024-01", m.name)
		}
	}
	if sc.From > sc.To {
		return sc, liaison.Errorf(liaison.Invalid, "from", "from (%s) is after to (%s)", sc.From, sc.To)
	}
	return sc, nil
}

// figures returns the figures over sc, or writes the error page.
func (s *Site) figures(w http.ResponseWriter, r *http.Request, ss *session, agency string) (*oversight.Figures, bool) {
	if s.cfg.Figures == nil {
		s.errorPage(w, r, ss, http.StatusNotFound, "This server publishes no dashboard.")
		return nil, false
	}
	sc, err := s.dashboardScope(r, agency)
	if err != nil {
		s.fail(w, r, ss, err)
		return nil, false
	}
	f, err := s.cfg.Figures.Figures(r.Context(), sc, s.k())
	if err != nil {
		s.fail(w, r, ss, err)
		return nil, false
	}
	return f, true
}

func (s *Site) k() int {
	if s.cfg.K == 0 {
		return oversight.DefaultK
	}
	return s.cfg.K
}

// dashboardData is what templates/dashboard.html gets.
type dashboardData struct {
	F        *oversight.Figures
	Title    string
	Base     string // "/dashboard/all" or "/dashboard/{agency}": where the CSVs are
	Query    string // "?from=…&to=…"
	Agencies []agencyLink
	Figures  []figureView
}

type agencyLink struct {
	ID, Name string
	Current  bool
}

type figureView struct {
	T     *oversight.Published
	Chart template.HTML
	CSV   string
}

func (s *Site) dashboard(w http.ResponseWriter, r *http.Request, ss *session) {
	agency := r.PathValue("agency")
	f, ok := s.figures(w, r, ss, agency)
	if !ok {
		return
	}
	agencies, err := s.cfg.Figures.Agencies(r.Context())
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	d := dashboardData{F: f, Title: "All agencies", Base: "/dashboard/all",
		Query: "?from=" + f.Scope.From + "&to=" + f.Scope.To}
	if f.Agency != nil {
		d.Title, d.Base = f.Agency.Name, "/dashboard/"+agency
	}
	for _, id := range slices.Sorted(maps.Keys(agencies)) {
		d.Agencies = append(d.Agencies, agencyLink{ID: id, Name: agencies[id].Name, Current: id == agency})
	}
	slices.SortStableFunc(d.Agencies, func(a, b agencyLink) int { return strings.Compare(a.Name, b.Name) })
	for _, t := range f.Tables {
		shown := oversight.Displayed(t)
		d.Figures = append(d.Figures, figureView{T: shown, Chart: oversight.Chart(shown), CSV: d.Base + "/" + t.ID + ".csv" + d.Query})
	}
	s.render(w, r, http.StatusOK, "dashboard", view{Title: "Figures: " + d.Title, Actor: actorOf(ss), Nav: "dashboard", Data: d})
}

// dashboardCSV writes one table as CSV: a header row (the rows' label,
// each column, "total"), a row per row with its total, and a "total" row;
// hidden counts as "<k". The file's name carries the tree size.
func (s *Site) dashboardCSV(w http.ResponseWriter, r *http.Request, ss *session) {
	agency, file := r.PathValue("scope"), r.PathValue("file")
	if agency == "all" {
		agency = ""
	}
	id, ok := strings.CutSuffix(file, ".csv")
	if !ok || !slices.Contains(oversight.TableIDs, id) {
		s.errorPage(w, r, ss, http.StatusNotFound, "No such figure.")
		return
	}
	f, ok := s.figures(w, r, ss, agency)
	if !ok {
		return
	}
	t := f.Table(id)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s-%s-at-%d.csv"`, id, f.Scope.From, f.Scope.To, f.Checkpoint.Size))
	if err := t.WriteCSV(w); err != nil {
		s.cfg.Logger.ErrorContext(r.Context(), "web: dashboard csv", "err", err)
	}
}
