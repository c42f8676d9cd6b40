package web

import (
	"net/http"

	"liaison"
)

// home sends the browser to the queue, or to sign in.
func (s *Site) home(w http.ResponseWriter, r *http.Request, ss *session) {
	if ss == nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/queue", http.StatusSeeOther)
}

func (s *Site) signInPage(w http.ResponseWriter, r *http.Request, ss *session) {
	s.render(w, r, http.StatusOK, "signin", view{Title: "Sign in", Actor: actorOf(ss)})
}

// signIn exchanges an API token for a session. The token goes in the
// form's body, never in a URL, and is not kept: the session is.
func (s *Site) signIn(w http.ResponseWriter, r *http.Request, ss *session) {
	secret, sr, err := s.useToken(r.Context(), r.PostFormValue("token"))
	s.startSession(w, r, ss, secret, sr, err)
}

// startSession answers a sign-in: the form again with err, or else the
// new session's cookie and the queue. A browser signing in again ends the
// session it had.
func (s *Site) startSession(w http.ResponseWriter, r *http.Request, ss *session, secret string, sr *liaison.SessionRecord, err error) {
	if err != nil {
		s.render(w, r, statusOf(err), "signin", view{Title: "Sign in", Error: message(err)})
		return
	}
	if ss != nil {
		if err := s.end(r.Context(), ss, "signed in again"); err != nil {
			s.fail(w, r, nil, err)
			return
		}
	}
	s.setCookie(w, r, secret, sr)
	http.Redirect(w, r, "/queue", http.StatusSeeOther)
}

// codePage shows a sign-in link's page: a button that uses the code. The
// link itself changes nothing, so a mail scanner or a link preview that
// follows it does not use the code up.
func (s *Site) codePage(w http.ResponseWriter, r *http.Request, ss *session) {
	s.render(w, r, http.StatusOK, "code", view{Title: "Sign in", Actor: actorOf(ss), Data: r.URL.Query().Get("c")})
}

// signInWithCode exchanges a one-time code for a session.
func (s *Site) signInWithCode(w http.ResponseWriter, r *http.Request, ss *session) {
	secret, sr, err := s.useCode(r.Context(), r.PostFormValue("c"))
	s.startSession(w, r, ss, secret, sr, err)
}

// signOut ends the session in the store, not only in the browser: the
// cookie's secret opens nothing after this.
func (s *Site) signOut(w http.ResponseWriter, r *http.Request, ss *session) {
	if ss != nil {
		if err := s.end(r.Context(), ss, "signed out"); err != nil {
			s.fail(w, r, ss, err)
			return
		}
	}
	s.clearCookie(w, r)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}
