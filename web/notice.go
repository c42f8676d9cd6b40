package web

import (
	"bytes"
	"html/template"
	"net/http"
	"slices"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/notice"
)

type noticeData struct {
	Case     string
	Duty     desk.CaseDuty
	Lang     string
	Langs    []notice.Language
	Notice   template.HTML
	Done     bool
	GivenBy  string
	CanGive  bool
	Sealed   bool
	Language string
}

// noticePage shows the notice a case's duty asks for, in the language
// asked for, ready to print, with the form that records it given. The
// notice holds the person's name: the desk logs the read of the case it
// comes from, and auditors, who do not open names, get none.
func (s *Site) noticePage(w http.ResponseWriter, r *http.Request, ss *session) {
	ctx := r.Context()
	c, err := s.cfg.Desk.Case(ctx, ss.actor, r.PathValue("id"), desk.CaseOptions{})
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	i := slices.IndexFunc(c.Duties, func(d desk.CaseDuty) bool { return d.ID == r.PathValue("duty") })
	if i < 0 || c.Duties[i].Notice == "" {
		s.errorPage(w, r, ss, http.StatusNotFound, "This case has no such notice.")
		return
	}
	if c.Sealed || c.Person == nil || c.Person.Sealed {
		s.errorPage(w, r, ss, http.StatusForbidden, "A notice holds the person's name, which your role does not open.")
		return
	}
	du := c.Duties[i]
	lang := r.URL.Query().Get("lang")
	langs := notice.Languages()
	if !slices.ContainsFunc(langs, func(l notice.Language) bool { return l.Code == lang }) {
		lang = "en"
	}
	ag, err := s.cfg.Desk.Agency(ctx, ss.actor, c.Request.Agency)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	loc := (&zones{d: s.cfg.Desk, by: ss.actor}).of(ctx, ag.ID)
	fr := c.Request.Request
	data := notice.Data{Person: c.Person.Name, Agency: ag.Name, Citation: du.Citation, Location: loc,
		Request: notice.Request{Kind: fr.Kind, Form: fr.Form, Issuer: fr.Issuer, Received: fr.ReceivedAt}}
	data.Intent, data.Actions = intentOf(c)
	if len(c.Person.BookingNumbers) > 0 {
		data.Booking = c.Person.BookingNumbers[len(c.Person.BookingNumbers)-1]
	}
	if data.Request.Received.IsZero() {
		data.Request.Received = c.Request.RecordedAt
	}
	if du.Due != nil {
		data.Due = *du.Due
	}
	for _, ce := range c.Custody {
		if !ce.ScheduledRelease.IsZero() {
			data.Release = ce.ScheduledRelease
		}
	}
	var buf bytes.Buffer
	if err := notice.Render(&buf, du.Notice, lang, data); err != nil {
		s.fail(w, r, ss, err)
		return
	}
	name := lang
	for _, l := range langs {
		if l.Code == lang {
			name = l.Name
		}
	}
	v := noticeData{Case: c.Request.ID, Duty: du, Lang: lang, Langs: langs, Language: name,
		Notice: template.HTML(buf.String()), // rendered by html/template in package notice
		Done:   du.Status == liaison.DutyDone || du.Status == liaison.DutySuperseded, GivenBy: ss.actor.Name,
		CanGive: ss.actor.Role == liaison.RoleClerk || ss.actor.Role == liaison.RoleSupervisor}
	s.render(w, r, http.StatusOK, "notice", view{Title: "Notice", Actor: actorOf(ss), Nav: "queue", Data: v})
}

// intentOf is what the agency will do about the case's request, as a
// whole and action by action (see notice.IntentOf).
func intentOf(c *desk.Case) (notice.Intent, []notice.ActionIntent) {
	st := make([]notice.Standing, len(c.Standing))
	for i, s := range c.Standing {
		st[i] = notice.Standing{Action: s.Action, Outcome: s.Outcome, Status: s.Status}
	}
	return notice.IntentOf(st)
}

// noticeCSS serves the notices' stylesheet (package notice's).
func (s *Site) noticeCSS(w http.ResponseWriter, r *http.Request, _ *session) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	http.ServeContent(w, r, "notice.css", time.Time{}, bytes.NewReader(noticeStylesheet()))
}

func noticeStylesheet() []byte {
	c, err := notice.Bundled()
	if err != nil {
		return nil
	}
	return c.Stylesheet()
}
