package web

import "liaison"

// route is one page or form: a ServeMux pattern, the roles that may open
// it (nil: anyone, signed in or not), and its handler. The desk checks
// the roles again on every call it answers.
type route struct {
	pattern string
	roles   []liaison.Role
	h       pageFunc
}

// Who may open what.
var (
	anyone   []liaison.Role
	staff    = []liaison.Role{liaison.RoleClerk, liaison.RoleSupervisor, liaison.RoleCounsel, liaison.RoleAuditor, liaison.RoleAdmin}
	booking  = []liaison.Role{liaison.RoleClerk, liaison.RoleSupervisor}
	deciders = []liaison.Role{liaison.RoleClerk, liaison.RoleSupervisor, liaison.RoleCounsel}
	counsel  = []liaison.Role{liaison.RoleCounsel}
	auditors = []liaison.Role{liaison.RoleAuditor, liaison.RoleAdmin}
	// simulators run proposals over the stored decisions (the page lists cases).
	simulators = []liaison.Role{liaison.RoleCounsel, liaison.RoleSupervisor, liaison.RoleAuditor}
)

// routes is every page and form, one line each.
func (s *Site) routes() []route {
	return []route{
		{"GET /{$}", anyone, s.home},
		{"GET /signin", anyone, s.signInPage},
		{"POST /signin", anyone, s.signIn},
		{"GET /signin/code", anyone, s.codePage},
		{"POST /signin/code", anyone, s.signInWithCode},
		{"POST /signout", anyone, s.signOut},
		{"GET /queue", staff, s.queue},
		{"POST /queue/search", staff, s.search},
		{"GET /cases/{id}", staff, s.casePage},
		{"POST /cases/{id}/facts", deciders, s.addFacts},
		{"POST /cases/{id}/act", deciders, s.act},
		{"POST /cases/{id}/override", counsel, s.override},
		{"GET /cases/{id}/receipts/{kind}/{rid}", auditors, s.receipt},
		{"GET /cases/{id}/notices/{duty}", staff, s.noticePage},
		{"GET /notice.css", anyone, s.noticeCSS},
		{"GET /duties", staff, s.duties},
		{"POST /duties/{id}/done", booking, s.dutyDone},
		{"GET /custody", booking, s.custodyPage},
		{"POST /custody", booking, s.custody},
		// The law, public (law.go, rule.go, whatif.go).
		{"GET /law", anyone, s.lawIndex},
		{"GET /law/packs/{pack}", anyone, s.lawPack},
		{"GET /law/rules/{pack}/{rule}", anyone, s.rule},
		{"GET /law/notices/{id}", anyone, s.lawNotice},
		{"GET /law/whatif", anyone, s.whatIfPage},
		{"POST /law/whatif", anyone, s.whatIf},
		// A proposal over the stored decisions, for staff (simulate.go).
		{"GET /law/simulate", simulators, s.simulate},
		// The public dashboard (dashboard.go).
		{"GET /dashboard", anyone, s.dashboard},
		{"GET /dashboard/{agency}", anyone, s.dashboard},
		{"GET /dashboard/{scope}/{file}", anyone, s.dashboardCSV},
		// The map of the law and the comparison of law (lawmap.go, diff.go).
		{"GET /law/map", anyone, s.lawMap},
		{"GET /law/map.svg", anyone, s.lawMapSVG},
		{"GET /law/map/decision", anyone, s.mapDecision},
		{"GET /law/diff", anyone, s.lawDiff},
	}
}
