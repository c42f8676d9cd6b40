package server_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"liaison"
	"liaison/server"
)

// docOperation is one operation of openapi.json.
type docOperation struct {
	method, path string
	op           *openapi3.Operation
}

// routeOperations returns the operations of openapi.json that document
// route rt: the one of its pattern, or for GET /log/ each GET under /log/.
func routeOperations(doc *openapi3.T, rt server.Route) []docOperation {
	method, path, _ := strings.Cut(rt.Pattern, " ")
	var ops []docOperation
	for p, item := range doc.Paths.Map() {
		if p != path && !(path == "/log/" && strings.HasPrefix(p, path)) {
			continue
		}
		if op := item.GetOperation(method); op != nil {
			ops = append(ops, docOperation{method, p, op})
		}
	}
	slices.SortFunc(ops, func(a, b docOperation) int { return strings.Compare(a.path, b.path) })
	return ops
}

// mediaExample returns the example of a body of media type mt: its own,
// the first of its named examples, or its schema's.
func mediaExample(mt *openapi3.MediaType) any {
	switch {
	case mt == nil:
		return nil
	case mt.Example != nil:
		return mt.Example
	case len(mt.Examples) > 0:
		names := make([]string, 0, len(mt.Examples))
		for name := range mt.Examples {
			names = append(names, name)
		}
		slices.Sort(names)
		if ex := mt.Examples[names[0]]; ex != nil && ex.Value != nil {
			return ex.Value.Value
		}
	case mt.Schema != nil && mt.Schema.Value != nil:
		return mt.Schema.Value.Example
	}
	return nil
}

// TestOpenAPIExamples checks that openapi.json shows an example body for
// every route of routes.go: for its request, when it takes one, and for
// each of its success answers (the loader has checked each example
// against its schema). A new route needs its examples before this passes:
// take them from a test server, sending the route's matrixCalls call (its
// body as the request example, the answer as the response example), with
// the world's agency, person and request ids replaced by those the other
// examples use (agy_01955cf33e8095abdecd14b29ac915b5,
// per_01955cf33e80b25fcb5d3e38d07c59c0,
// req_01955cf33e80a164154a12db9fc1889f) and the tests' person by Alex
// Example, born 1988-06-15.
func TestOpenAPIExamples(t *testing.T) {
	oa, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	for _, rt := range e.srv.Routes() {
		ops := routeOperations(oa.doc, rt)
		if len(ops) == 0 {
			t.Errorf("%s: not in openapi.json", rt.Pattern)
		}
		for _, o := range ops {
			name := o.method + " " + o.path
			if rb := o.op.RequestBody; rb != nil && rb.Value != nil {
				for ct, mt := range rb.Value.Content {
					if mediaExample(mt) == nil {
						t.Errorf("%s: openapi.json has no example of its request body (%s)", name, ct)
					}
				}
			}
			success := 0
			for code, r := range o.op.Responses.Map() {
				if !strings.HasPrefix(code, "2") || r.Value == nil {
					continue
				}
				success++
				for ct, mt := range r.Value.Content {
					if mediaExample(mt) == nil {
						t.Errorf("%s: openapi.json has no example of its %s answer (%s)", name, code, ct)
					}
				}
			}
			if success == 0 {
				t.Errorf("%s: openapi.json documents no success answer", name)
			}
		}
	}
}

// TestOpenAPIRequestExamples sends each route's request example, as
// openapi.json shows it, to a test server, as a role the route admits: it
// must be taken with the answer the route gives the role matrix's call
// (matrixCalls). The ids an example names (an agency, a person, a
// request) do not exist on the test server: each is replaced by the id
// the matrix's call sends in the same field, which is the only change.
func TestOpenAPIRequestExamples(t *testing.T) {
	oa, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	w := newWorld(e, nil)
	for _, rt := range e.srv.Routes() {
		for _, o := range routeOperations(oa.doc, rt) {
			rb := o.op.RequestBody
			if rb == nil || rb.Value == nil {
				continue
			}
			t.Run(rt.Pattern, func(t *testing.T) {
				parent := e.t
				e.t = t
				defer func() { e.t = parent }()
				mk := matrixCalls[rt.Pattern]
				if mk == nil {
					t.Fatalf("no call for %s in matrixCalls", rt.Pattern)
				}
				c, want := mk(e, w)
				c.method = o.method
				if c.path == "" {
					c.path = o.path
				}
				ex := mediaExample(rb.Value.Content.Get("application/json"))
				body, ok := exampleObject(t, ex)
				if !ok {
					t.Fatalf("%s: the request example %v is not a JSON object", rt.Pattern, ex)
				}
				matrix, _ := exampleObject(t, c.body)
				for k, v := range body {
					id, isID := v.(string)
					if m, ok := matrix[k].(string); ok && isID && idPrefix(id) != "" && idPrefix(id) == idPrefix(m) {
						body[k] = m
					}
				}
				c.body, c.valid = body, true
				var resp response
				var role liaison.Role // none: an open route
				if len(rt.Roles) == 0 {
					resp = e.do(c)
				} else {
					role = rt.Roles[0]
					resp = e.as(role, c)
				}
				if resp.status != want {
					t.Errorf("%s %s as %q with openapi.json's example %v = %d %s, want %d", c.method, c.path, role, body, resp.status, resp.body, want)
				}
			})
		}
	}
}

// exampleObject returns v, an example or a call's body, as a JSON object.
func exampleObject(t *testing.T, v any) (map[string]any, bool) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	return m, json.Unmarshal(data, &m) == nil && m != nil
}

// idPrefix returns the kind of an id ("req" of "req_01955cf3…", which may
// be cut short with an ellipsis), or "" when s is not one.
func idPrefix(s string) string {
	p, rest, ok := strings.Cut(s, "_")
	rest = strings.TrimSuffix(rest, "…")
	if !ok || p == "" || rest == "" || strings.Trim(rest, "0123456789abcdef") != "" {
		return ""
	}
	return p
}

// TestAPIDocExamples checks that docs/api.md's "Example bodies" shows
// every operation of every route of routes.go, each on a line of its own
// (followed by its query, its body or its answer).
func TestAPIDocExamples(t *testing.T) {
	oa, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Example bodies\n")
	if !ok {
		t.Fatal(`docs/api.md has no section "## Example bodies"`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	shown := map[string]bool{}
	for line := range strings.Lines(section) {
		if method, rest, ok := strings.Cut(strings.TrimSpace(line), " "); ok {
			path, _, _ := strings.Cut(strings.Fields(rest + " ")[0], "?")
			shown[method+" "+path] = true
		}
	}
	e := newEnv(t)
	for _, rt := range e.srv.Routes() {
		for _, o := range routeOperations(oa.doc, rt) {
			if !shown[o.method+" "+o.path] {
				t.Errorf(`%s %s: not in docs/api.md's "Example bodies"`, o.method, o.path)
			}
		}
	}
}
