package server_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"liaison"
	"liaison/server"
)

// TestOpenAPIDocument checks that openapi.json is a valid OpenAPI 3.1
// document (kin-openapi loads and validates it with JSON Schema 2020-12)
// and that /openapi.json serves it.
func TestOpenAPIDocument(t *testing.T) {
	oa, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	if !oa.doc.IsOpenAPI31OrLater() || oa.doc.IsOpenAPI32OrLater() {
		t.Errorf("openapi.json is OpenAPI %s, want 3.1", oa.doc.OpenAPI)
	}
	e := newEnv(t)
	resp := e.do(call{method: "GET", path: "/openapi.json"})
	if resp.status != 200 || string(resp.body) != string(server.OpenAPI()) || resp.header.Get("Content-Type") != "application/json" {
		t.Errorf("GET /openapi.json = %d %s, want the document as application/json", resp.status, resp.header.Get("Content-Type"))
	}
}

// TestOpenAPIRoutes checks that openapi.json documents every route of
// routes.go and nothing else, each with the roles routes.go admits
// (x-roles; an open route has security []).
func TestOpenAPIRoutes(t *testing.T) {
	oa, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	documented := map[string]bool{}
	for path, item := range oa.doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented[method+" "+path] = true
			pattern := method + " " + path
			if strings.HasPrefix(path, "/log/") {
				pattern = "GET /log/"
			}
			i := slices.IndexFunc(e.srv.Routes(), func(r server.Route) bool { return r.Pattern == pattern })
			if i < 0 {
				t.Errorf("openapi.json documents %s %s, which routes.go does not serve", method, path)
				continue
			}
			rt := e.srv.Routes()[i]
			var roles []liaison.Role
			if raw, ok := op.Extensions["x-roles"]; ok {
				data, _ := json.Marshal(raw)
				if err := json.Unmarshal(data, &roles); err != nil {
					t.Errorf("%s %s: x-roles %s: %v", method, path, data, err)
				}
			}
			open := op.Security != nil && len(*op.Security) == 0
			switch {
			case rt.Roles == nil && (!open || roles != nil):
				t.Errorf("%s %s: open in routes.go, but openapi.json asks for a token (security %v, x-roles %v)", method, path, op.Security, roles)
			case rt.Roles != nil && (open || !reflect.DeepEqual(roles, rt.Roles)):
				t.Errorf("%s %s: openapi.json x-roles %v (open %v), routes.go admits %v", method, path, roles, open, rt.Roles)
			}
		}
	}
	for _, rt := range e.srv.Routes() {
		if rt.Pattern == "GET /log/" {
			continue
		}
		if !documented[rt.Pattern] {
			t.Errorf("routes.go serves %s, which openapi.json does not document", rt.Pattern)
		}
	}
}

// TestOpenAPIEnums checks the document's enums against the Go types' Enum
// methods, which liaison.Decode enforces.
func TestOpenAPIEnums(t *testing.T) {
	oa, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]string{
		"Role": liaison.Role("").Enum(), "AgencyType": liaison.AgencyType("").Enum(), "Action": liaison.Action("").Enum(),
		"RequestKind": liaison.RequestKind("").Enum(), "Form": liaison.Form("").Enum(), "Issuer": liaison.Issuer("").Enum(),
		"PCBasis": liaison.PCBasis("").Enum(), "InfoItem": liaison.InfoItem("").Enum(), "WarrantKind": liaison.WarrantKind("").Enum(),
		"SubjectRole": liaison.SubjectRole("").Enum(), "CustodyStatus": liaison.CustodyStatus("").Enum(),
		"ReleaseReason": liaison.ReleaseReason("").Enum(), "Level": liaison.Level("").Enum(), "Sentence": liaison.Sentence("").Enum(),
		"Category": liaison.Category("").Enum(), "Flag": liaison.Flag("").Enum(), "ConsentKind": liaison.ConsentKind("").Enum(),
		"AgreementKind": liaison.AgreementKind("").Enum(), "Model287g": liaison.Model287g("").Enum(), "Purpose": liaison.Purpose("").Enum(),
		"Location": liaison.Location("").Enum(), "Outcome": liaison.Outcome("").Enum(), "Effect": liaison.Effect("").Enum(),
		"CustodyEventKind": liaison.CustodyEventKind("").Enum(),
		"AccessKind":       liaison.AccessKind("").Enum(),
		"RuleStatus":       {"applied", "not_held", "unknown", "defeated", "void", "not_effective"},
		"Stage":            {string(liaison.StageIntake), string(liaison.StageAct), string(liaison.StageFacts)},
		"ActionStatus":     {"pending", "delivered", "carried_out", "refused", "needs_facts", "failed", "done_offline"},
		"DutyStatus": {string(liaison.DutyOpen), string(liaison.DutyDone), string(liaison.DutyOverdue), string(liaison.DutyEscalated),
			string(liaison.DutyWaiting), string(liaison.DutySuperseded)},
		"DutyTrigger": liaison.DutyTrigger("").Enum(),
	} {
		ref, ok := oa.doc.Components.Schemas[name]
		if !ok {
			t.Errorf("openapi.json has no schema %s", name)
			continue
		}
		var got []string
		for _, v := range ref.Value.Enum {
			got = append(got, v.(string))
		}
		if !slices.Equal(got, want) {
			t.Errorf("openapi.json %s = %v, want %v", name, got, want)
		}
	}
}
