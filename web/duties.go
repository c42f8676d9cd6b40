package web

import (
	"net/http"
	"strings"
	"time"

	"liaison"
	"liaison/desk"
)

type dutiesData struct {
	Status   string
	Statuses []string
	Duties   []dutyRow
	Next     string
	Now      time.Time
}

// duties lists the agency's duties with their status and deadline, in
// the agency's local time.
func (s *Site) duties(w http.ResponseWriter, r *http.Request, ss *session) {
	ctx := r.Context()
	q := r.URL.Query()
	data := dutiesData{Status: q.Get("status"), Now: s.cfg.Now(),
		Statuses: []string{"open", "overdue", "escalated", "waiting", "done", "superseded"}}
	status := liaison.DutyStatus(data.Status)
	if data.Status == "all" {
		status = ""
	} else if data.Status == "" {
		data.Status, status = "open", liaison.DutyOpen
	}
	ds, next, err := s.cfg.Desk.Duties(ctx, ss.actor, q.Get("agency"), status, desk.Page{Cursor: q.Get("after"), Limit: 100})
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	z := &zones{d: s.cfg.Desk, by: ss.actor}
	for _, du := range ds {
		row := dutyRow{Duty: du}
		if du.Due != nil {
			row.Clock = newClock(*du.Due, data.Now, z.of(ctx, du.Agency))
		} else {
			row.Clock.Loc = z.of(ctx, du.Agency)
		}
		data.Duties = append(data.Duties, row)
	}
	data.Next = next
	s.render(w, r, http.StatusOK, "duties", view{Title: "Duties", Actor: actorOf(ss), Nav: "duties", Data: data})
}

// dutyDone records a duty done, with a note and, for a notice, who gave
// it. It goes back to the case the form was on, or to the duties.
func (s *Site) dutyDone(w http.ResponseWriter, r *http.Request, ss *session) {
	// Given when staff confirm it: the desk's clock, as it defaults.
	in := desk.DoneInput{Note: r.PostFormValue("note"), GivenBy: strings.TrimSpace(r.PostFormValue("given_by"))}
	if _, err := s.cfg.Desk.CompleteDuty(r.Context(), ss.actor, r.PathValue("id"), in); err != nil {
		s.fail(w, r, ss, err)
		return
	}
	back := "/duties"
	if c := r.PostFormValue("case"); validID(c) {
		back = "/cases/" + c + "#duties"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
