package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"liaison"
	"liaison/desk"
	"liaison/ledger"
)

// addFacts supplies facts a decision was missing: each path named in the
// form gets the value typed for it (JSON when it parses as JSON, else
// text), and the desk decides every action of the request again.
func (s *Site) addFacts(w http.ResponseWriter, r *http.Request, ss *session) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, ss, liaison.Errorf(liaison.Invalid, "", "the form did not parse: %v", err))
		return
	}
	action := r.PostForm.Get("action")
	form := map[string]string{"reason": r.PostForm.Get("reason")}
	doc := map[string]any{"idempotency_key": r.PostForm.Get("key"), "reason": r.PostForm.Get("reason")}
	paths, values := r.PostForm["path"], r.PostForm["value"]
	for i, p := range paths {
		if i >= len(values) || strings.TrimSpace(values[i]) == "" {
			continue
		}
		form["value:"+p] = values[i]
		var v any
		if err := json.Unmarshal([]byte(values[i]), &v); err != nil {
			v = values[i]
		}
		if err := setPath(doc, p, v); err != nil {
			s.showCase(w, r, ss, http.StatusUnprocessableEntity, err.Error(), form, "facts:"+action)
			return
		}
	}
	body, err := json.Marshal(doc)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	var in desk.FactsInput
	if err := liaison.Decode(body, &in, s.cfg.Now()); err != nil {
		s.showCase(w, r, ss, statusOf(err), message(err)+fieldOf(err), form, "facts:"+action)
		return
	}
	if _, err := s.cfg.Desk.Facts(r.Context(), ss.actor, r.PathValue("id"), in); err != nil {
		s.formFailed(w, r, ss, err, form, "facts:"+action)
		return
	}
	http.Redirect(w, r, "/cases/"+r.PathValue("id")+"#card-"+action, http.StatusSeeOther)
}

// setPath sets the member at the dotted path p of doc to v. Only the
// request's facts may be set: subject, request, context and agreements.
func setPath(doc map[string]any, p string, v any) error {
	parts := strings.Split(p, ".")
	switch parts[0] {
	case "subject", "request", "context", "agreements":
	default:
		return liaison.Errorf(liaison.Invalid, "path", "%q is not a fact of a request", p)
	}
	putPath(doc, p, v)
	return nil
}

// putPath sets the member at the dotted path p of doc to v, making the
// objects on the way.
func putPath(doc map[string]any, p string, v any) {
	parts := strings.Split(p, ".")
	m := doc
	for _, k := range parts[:len(parts)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
}

// fieldOf says which field an error is about, when it says.
func fieldOf(err error) string {
	if e, ok := err.(*liaison.Error); ok && e.Field != "" {
		return " (" + e.Field + ")"
	}
	return ""
}

// formFailed shows the case again with the desk's answer to a form: an
// invalid form, a refusal, a conflict. Other errors get the error page.
func (s *Site) formFailed(w http.ResponseWriter, r *http.Request, ss *session, err error, form map[string]string, failed string) {
	switch liaison.KindOf(err) {
	case liaison.Invalid, liaison.Conflicting, liaison.Denied:
		s.showCase(w, r, ss, statusOf(err), message(err), form, failed)
	default:
		s.fail(w, r, ss, err)
	}
}

// act carries out (or records the refusal of) one action of the case:
// the desk decides it again now and records what became of it.
func (s *Site) act(w http.ResponseWriter, r *http.Request, ss *session) {
	action := r.PostFormValue("action")
	in := desk.ActInput{Request: r.PathValue("id"), Action: liaison.Action(action), OfflineNote: r.PostFormValue("offline_note")}
	if _, err := s.cfg.Desk.Act(r.Context(), ss.actor, in); err != nil {
		s.formFailed(w, r, ss, err, map[string]string{"offline_note": in.OfflineNote}, "act:"+action)
		return
	}
	http.Redirect(w, r, "/cases/"+in.Request+"#history", http.StatusSeeOther)
}

// override records counsel's override of a refusal, with the written
// reason the desk demands.
func (s *Site) override(w http.ResponseWriter, r *http.Request, ss *session) {
	action := r.PostFormValue("action")
	in := desk.OverrideInput{Request: r.PathValue("id"), Action: liaison.Action(action), Reason: r.PostFormValue("reason")}
	if _, err := s.cfg.Desk.Override(r.Context(), ss.actor, in); err != nil {
		s.formFailed(w, r, ss, err, map[string]string{"reason": in.Reason}, "override:"+action)
		return
	}
	http.Redirect(w, r, "/cases/"+in.Request+"#history", http.StatusSeeOther)
}

// receipt sends an auditor the receipt of one record of a case: the
// inclusion proof of its leaf in the latest signed checkpoint, as JSON
// .
func (s *Site) receipt(w http.ResponseWriter, r *http.Request, ss *session) {
	if s.cfg.Log == nil || s.cfg.Verifier == nil {
		s.errorPage(w, r, ss, http.StatusNotFound, "This server makes no receipts: it has no log key.")
		return
	}
	ctx := r.Context()
	rec, err := s.cfg.Desk.Record(ctx, ss.actor, r.PathValue("kind"), r.PathValue("rid"))
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	signed, err := s.cfg.Log.LatestCheckpoint(ctx)
	if liaison.KindOf(err) == liaison.NotFound {
		s.errorPage(w, r, ss, http.StatusConflict, "The log has no signed checkpoint yet; the server signs one every minute. Try again shortly.")
		return
	} else if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	rc, err := ledger.NewReceipt(ctx, s.cfg.Log, s.cfg.Verifier, signed, ledger.RecordOf(rec), rec.Index)
	if liaison.KindOf(err) == liaison.Conflicting {
		s.errorPage(w, r, ss, http.StatusConflict, "The latest signed checkpoint does not cover this record yet; the server signs one every minute. Try again shortly.")
		return
	} else if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	body, err := json.MarshalIndent(rc, "", "  ")
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="receipt-`+rec.Kind+`-`+rec.ID+`.json"`)
	w.Write(body)
}
