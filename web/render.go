package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"liaison"
	"liaison/notice"
)

// pages are the parsed templates, one set per page, each with the layout.
type pages struct {
	byName map[string]*template.Template
}

// funcs are the helpers templates may call.
var funcs = template.FuncMap{
	"words": func(v any) string { return strings.ReplaceAll(fmt.Sprint(v), "_", " ") },
	"local": func(loc *time.Location, t time.Time) string {
		if t.IsZero() {
			return ""
		}
		if loc == nil {
			loc = time.UTC
		}
		return t.In(loc).Format("Mon 2 Jan 2006, 15:04 MST")
	},
	"iso":    func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"join":   strings.Join,
	"minus1": func(n int) int { return n - 1 },
	// dutyDone is the data of the shared "Record done" form
	// (templates/parts/duty_done.html): nil when the signed-in role may
	// not record the duty done, or it is closed already.
	"dutyDone": func(v view, id string, status liaison.DutyStatus, caseID string) *dutyDone {
		if !v.Can(string(liaison.RoleClerk), string(liaison.RoleSupervisor)) || status == liaison.DutyDone || status == liaison.DutySuperseded {
			return nil
		}
		return &dutyDone{ID: id, Case: caseID}
	},
}

// dutyDone is the "Record done" form of one duty; Case, when set, is the
// case page to go back to.
type dutyDone struct{ ID, Case string }

func mustParse() *pages {
	p := &pages{byName: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		// Every page gets the layout and the parts pages share.
		t := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts/*.html", n))
		p.byName[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return p
}

// view is what every page's template gets.
type view struct {
	Title string
	// Actor is who is signed in; nil on the sign-in page.
	Actor *liaison.Actor
	// Nav names the menu entry of the page.
	Nav string
	// Error is a message to show at the top of the page (role="alert").
	Error string
	// Data is the page's own.
	Data any
}

// Can reports whether the signed-in actor has one of the roles named.
func (v view) Can(roles ...string) bool {
	if v.Actor == nil {
		return false
	}
	for _, r := range roles {
		if string(v.Actor.Role) == r {
			return true
		}
	}
	return false
}

// Langs lists the languages notices are written in.
func (view) Langs() []notice.Language { return notice.Languages() }

// render writes the page name with status, rendered whole before a byte
// is sent: a template that fails sends an error page, not half a page.
func (s *Site) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	t := s.pages.byName[name]
	if t == nil {
		panic("web: no template " + name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.cfg.Logger.ErrorContext(r.Context(), "web: render", "page", name, "err", err)
		http.Error(w, "internal error: see the server's log", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// actorOf returns the session's actor, nil without one.
func actorOf(ss *session) *liaison.Actor {
	if ss == nil {
		return nil
	}
	a := ss.actor
	return &a
}

// errorPage writes a page that says msg, with status.
func (s *Site) errorPage(w http.ResponseWriter, r *http.Request, ss *session, status int, msg string) {
	s.render(w, r, status, "error", view{Title: http.StatusText(status), Actor: actorOf(ss), Error: msg})
}

// statusOf maps an error kind to its HTTP status, as the API does.
func statusOf(err error) int {
	switch liaison.KindOf(err) {
	case liaison.Invalid:
		return http.StatusUnprocessableEntity
	case liaison.NotFound:
		return http.StatusNotFound
	case liaison.Conflicting:
		return http.StatusConflict
	case liaison.Unauthorized:
		return http.StatusUnauthorized
	case liaison.Denied:
		return http.StatusForbidden
	case liaison.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// message is what a person sees of err: its own message for the kinds
// that have one for them, a pointer to the log for the rest.
func message(err error) string {
	if liaison.KindOf(err) == liaison.Internal {
		return "Something went wrong on the server; the details are in its log."
	}
	var e *liaison.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// fail writes the error page for err, logging internal errors.
func (s *Site) fail(w http.ResponseWriter, r *http.Request, ss *session, err error) {
	if liaison.KindOf(err) == liaison.Internal {
		s.cfg.Logger.ErrorContext(r.Context(), "web", "route", r.Pattern, "err", err)
	}
	s.errorPage(w, r, ss, statusOf(err), message(err))
}
