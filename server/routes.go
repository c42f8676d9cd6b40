package server

import "liaison"

// route is one line of the API: a ServeMux pattern, the roles that may call
// it (nil: anyone, without a token), and its handler.
type route struct {
	pattern string
	roles   []liaison.Role
	h       handlerFunc
}

// Who may call what. The desk checks the same roles again on every call,
// and the agency a token is limited to.
var (
	anyone     []liaison.Role // no token needed
	clerk      = liaison.RoleClerk
	supervisor = liaison.RoleSupervisor
	counsel    = liaison.RoleCounsel
	auditor    = liaison.RoleAuditor
	admin      = liaison.RoleAdmin
	staff      = roles(clerk, supervisor, counsel, auditor, admin) // every role but public
	booking    = roles(clerk, supervisor)
	operators  = roles(auditor, admin)
)

func roles(rs ...liaison.Role) []liaison.Role { return rs }

// routes is the whole API. One line per route; each is documented in
// openapi.json with the same roles (x-roles), which the tests check.
func (s *Server) routes() []route {
	return []route{
		{"GET /healthz", anyone, s.healthz},
		{"GET /readyz", anyone, s.readyz},
		{"GET /openapi.json", anyone, s.openAPI},
		{"GET /log/", anyone, s.publicLog},
		{"GET /metrics", operators, s.metricsHandler()},
		{"GET /v1/tokens", roles(admin), s.listTokens},
		{"POST /v1/tokens", roles(admin), s.createToken},
		{"POST /v1/tokens/{id}/revoke", roles(admin), s.revokeToken},
		{"POST /v1/decisions", staff, s.decide},
		{"GET /v1/decisions/{id}", staff, s.getDecision},
		{"POST /v1/whatif", anyone, s.whatIf},
		{"POST /v1/agencies", roles(admin), s.createAgency},
		{"GET /v1/agencies", staff, s.listAgencies},
		{"GET /v1/agencies/{id}", staff, s.getAgency},
		{"PUT /v1/agencies/{id}/channel", roles(admin), s.setChannel},
		{"GET /v1/agencies/{id}/channel", roles(supervisor, admin), s.getChannel},
		{"POST /v1/people", roles(clerk, supervisor, admin), s.createPerson},
		{"GET /v1/people", staff, s.listPeople},
		{"GET /v1/people/{id}", staff, s.getPerson},
		{"POST /v1/custody-events", booking, s.recordCustody},
		{"POST /v1/requests", booking, s.intake},
		{"GET /v1/requests", staff, s.listRequests},
		{"GET /v1/requests/{id}", staff, s.getRequest},
		{"POST /v1/requests/{id}/facts", roles(clerk, supervisor, counsel), s.addFacts},
		{"POST /v1/actions", roles(clerk, supervisor, counsel), s.act},
		{"POST /v1/overrides", roles(counsel), s.override},
		{"GET /v1/overrides/{id}", staff, s.getOverride},
		{"GET /v1/duties", staff, s.listDuties},
		{"POST /v1/duties/{id}/done", booking, s.completeDuty},
		{"POST /v1/contacts", roles(clerk, supervisor, counsel), s.recordContact},
		{"POST /v1/contacts/ask", roles(clerk, supervisor, counsel), s.askFirst},
		{"GET /v1/contacts/figures", roles(supervisor, counsel, auditor, admin), s.contactFigures},
		{"GET /v1/contacts/drafts", roles(supervisor, counsel, auditor), s.listDrafts},
		{"GET /v1/contacts/{id}", roles(clerk, supervisor, counsel, auditor), s.getContact},
		{"POST /v1/contacts/{id}/findings", roles(supervisor, counsel), s.reviewContact},
		{"GET /v1/proofs/inclusion", operators, s.proveInclusion},
		{"GET /v1/proofs/consistency", operators, s.proveConsistency},
		{"POST /v1/log/checkpoint", operators, s.checkpoint},
	}
}
