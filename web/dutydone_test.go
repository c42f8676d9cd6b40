package web_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"liaison"
)

// TestDutyDoneForm: the case page and the duties page show one and the
// same "Record done" form for a duty (the case page's also names the case
// to go back to), written once in templates/parts; an auditor sees it on
// neither.
func TestDutyDoneForm(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(liaison.RoleClerk)
	form := regexp.MustCompile(`(?s)<form method="post" action="/duties/([^/"]+)/done".*?</form>`)
	space := regexp.MustCompile(`\s+`)
	forms := func(path string) map[string]string {
		p := b.get(path)
		out := map[string]string{}
		for _, m := range form.FindAllStringSubmatch(p.body, -1) {
			out[m[1]] = space.ReplaceAllString(m[0], " ")
		}
		return out
	}
	onCase, onDuties := forms("/cases/"+e.caseID), forms("/duties?status=all")
	if len(onCase) == 0 {
		t.Fatalf("GET /cases/%s: no Record done form", e.caseID)
	}
	hidden := ` <input type="hidden" name="case" value="` + e.caseID + `">`
	for id, f := range onCase {
		g, ok := onDuties[id]
		if !ok {
			t.Errorf("duty %s: a form on the case page, none on the duties page", id)
			continue
		}
		if !strings.Contains(f, hidden) || strings.Replace(f, hidden, "", 1) != g || !strings.Contains(g, `<button type="submit">Record done</button>`) {
			t.Errorf("duty %s: the two pages' forms differ:\ncase:   %s\nduties: %s", id, f, g)
		}
	}
	auditor := e.browser(t)
	auditor.signIn(liaison.RoleAuditor)
	for _, path := range []string{"/cases/" + e.caseID, "/duties?status=all"} {
		if p := auditor.get(path); strings.Contains(p.body, "Record done") {
			t.Errorf("GET %s as auditor shows a Record done form", path)
		}
	}
	// Written once: the pages call the part, they do not copy it.
	for _, name := range []string{"templates/case.html", "templates/duties.html"} {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(src), "Record done") || !strings.Contains(string(src), `{{template "duty_done"`) {
			t.Errorf("%s writes its own Record done form instead of calling the part duty_done", name)
		}
	}
}
