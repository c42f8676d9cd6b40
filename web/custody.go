package web

import (
	"net/http"
	"time"

	"liaison"
	"liaison/desk"
)

type custodyData struct {
	Person string
	Case   string
	Kinds  []string
	Form   map[string]string
}

// localLayout is the value of an <input type="datetime-local">.
const localLayout = "2006-01-02T15:04"

// custodyPage is the form for a custody event: booked, release
// scheduled, released, transferred. The person is named by id (from the
// case page), never by name or booking number.
func (s *Site) custodyPage(w http.ResponseWriter, r *http.Request, ss *session) {
	s.showCustody(w, r, ss, http.StatusOK, "", map[string]string{"person": r.URL.Query().Get("person"), "case": r.URL.Query().Get("case")})
}

func (s *Site) showCustody(w http.ResponseWriter, r *http.Request, ss *session, status int, errMsg string, form map[string]string) {
	data := custodyData{Person: form["person"], Case: form["case"], Kinds: liaison.CustodyEventKind("").Enum(), Form: form}
	s.render(w, r, status, "custody", view{Title: "Custody event", Actor: actorOf(ss), Nav: "custody", Error: errMsg, Data: data})
}

// custody records a custody event. Times are typed in the agency's local
// time.
func (s *Site) custody(w http.ResponseWriter, r *http.Request, ss *session) {
	ctx := r.Context()
	form := map[string]string{}
	for _, k := range []string{"person", "case", "kind", "at", "scheduled_release", "note"} {
		form[k] = r.PostFormValue(k)
	}
	p, err := s.cfg.Desk.Person(ctx, ss.actor, form["person"])
	if err != nil {
		if k := liaison.KindOf(err); k == liaison.NotFound || k == liaison.Invalid {
			s.showCustody(w, r, ss, statusOf(err), "No person has that id: open the custody form from the person's case.", form)
			return
		}
		s.fail(w, r, ss, err)
		return
	}
	loc := (&zones{d: s.cfg.Desk, by: ss.actor}).of(ctx, p.Agency)
	in := desk.CustodyInput{Person: p.ID, Kind: liaison.CustodyEventKind(form["kind"]), Note: form["note"]}
	if in.At, err = time.ParseInLocation(localLayout, form["at"], loc); err != nil {
		s.showCustody(w, r, ss, http.StatusUnprocessableEntity, "Give the event's date and time.", form)
		return
	}
	if form["scheduled_release"] != "" {
		if in.ScheduledRelease, err = time.ParseInLocation(localLayout, form["scheduled_release"], loc); err != nil {
			s.showCustody(w, r, ss, http.StatusUnprocessableEntity, "The scheduled release is not a date and time.", form)
			return
		}
	}
	if _, err := s.cfg.Desk.RecordCustody(ctx, ss.actor, in); err != nil {
		if k := liaison.KindOf(err); k == liaison.Invalid || k == liaison.Conflicting {
			s.showCustody(w, r, ss, statusOf(err), message(err), form)
			return
		}
		s.fail(w, r, ss, err)
		return
	}
	back := "/queue"
	if c := form["case"]; c != "" && validID(c) {
		back = "/cases/" + c + "#custody"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// validID reports whether id may be put in a path: letters, digits, - and _.
func validID(id string) bool {
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return id != ""
}
