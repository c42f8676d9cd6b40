package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"liaison"
	"liaison/desk"
)

// card is one action's decision card.
type card struct {
	Action   liaison.Action
	Decision desk.CaseDecision
	// Status is that of the latest attempt to carry the action out.
	Status liaison.ActionStatus
	// Overridden: counsel overrode the latest refusal.
	Overridden bool
	// Carry is whether "carry out" is offered; Why says why not.
	Carry bool
	Why   string
	// Refuse offers to record the refusal of a forbidden or conflicting
	// action (which counsel may then override).
	Refuse bool
	// Override offers counsel's override form: the latest attempt was
	// refused and not yet overridden.
	Override bool
	// Key makes the facts form safe to send twice.
	Key string
}

// event is one line of a case's history.
type event struct {
	At     time.Time
	What   string
	Detail string
	// Kind and ID name the record, for its receipt.
	Kind, ID string
}

type caseData struct {
	Case    *desk.Case
	Agency  *liaison.AgencyRecord
	Loc     *time.Location
	Cards   []card
	History []event
	// Receipts: the reader may download each record's receipt.
	Receipts bool
	// Form is what was typed into the form that failed, to fill it again.
	Form   map[string]string
	Failed string // the form that failed: "facts:ACTION", "override:ACTION", "act:ACTION"
	// Booked offers the custody form link.
	Now time.Time
}

// casePage shows a case: the person, custody, the request, a decision
// card per action and the history. The desk logs the read.
func (s *Site) casePage(w http.ResponseWriter, r *http.Request, ss *session) {
	s.showCase(w, r, ss, http.StatusOK, "", nil, "")
}

// showCase renders the case with, when a form failed, its message, what
// was typed and which form it was.
func (s *Site) showCase(w http.ResponseWriter, r *http.Request, ss *session, status int, errMsg string, form map[string]string, failed string) {
	ctx := r.Context()
	c, err := s.cfg.Desk.Case(ctx, ss.actor, r.PathValue("id"), desk.CaseOptions{})
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	ag, err := s.cfg.Desk.Agency(ctx, ss.actor, c.Request.Agency)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	z := &zones{d: s.cfg.Desk, by: ss.actor}
	data := caseData{Case: c, Agency: ag, Loc: z.of(ctx, ag.ID), Form: form, Failed: failed, Now: s.cfg.Now(),
		Receipts: s.cfg.Log != nil && s.cfg.Verifier != nil && (ss.actor.Role == liaison.RoleAuditor || ss.actor.Role == liaison.RoleAdmin)}
	for _, a := range c.Request.Actions {
		k, err := liaison.NewID(s.cfg.Rand, s.cfg.Now(), "web")
		if err != nil {
			s.fail(w, r, ss, err)
			return
		}
		data.Cards = append(data.Cards, cardOf(c, a, ss.actor.Role, k))
	}
	data.History = history(c)
	s.render(w, r, status, "case", view{Title: "Case " + c.Request.ID, Actor: actorOf(ss), Nav: "queue", Error: errMsg, Data: data})
}

// cardOf works out the card of action a for a reader of role.
func cardOf(c *desk.Case, a liaison.Action, role liaison.Role, key string) card {
	k := card{Action: a, Key: key}
	for _, d := range c.Decisions {
		if d.Action == a && d.Current {
			k.Decision = d
		}
	}
	var last *desk.CaseAction
	for i := range c.Actions {
		if c.Actions[i].Action == a {
			last = &c.Actions[i]
		}
	}
	if last != nil {
		k.Status = last.Status
		if last.Status == liaison.ActionRefused {
			k.Overridden = slices.ContainsFunc(c.Overrides, func(o desk.CaseOverride) bool { return o.Action == a && !o.At.Before(last.At) })
		}
	}
	acts := role == liaison.RoleClerk || role == liaison.RoleSupervisor || role == liaison.RoleCounsel
	outcome := k.Decision.Decision.Outcome
	switch {
	case !acts:
		k.Why = fmt.Sprintf("The role %s does not carry out actions.", role)
	case k.Status == liaison.ActionCarriedOut || k.Status == liaison.ActionDoneOffline:
		k.Why = "Already carried out."
	case c.Status == desk.CaseClosed:
		k.Why = "The case is closed: " + c.ClosedBy + "."
	case outcome == liaison.Undetermined:
		k.Why = "The answer depends on facts not given: supply them below first (" + strings.Join(k.Decision.Decision.MissingFacts, ", ") + ")."
	case (outcome == liaison.Forbidden || outcome == liaison.Conflict) && !k.Overridden:
		var cites []string
		for _, r := range k.Decision.Decision.Decisive {
			cites = append(cites, r.Citation)
		}
		k.Why = fmt.Sprintf("Disabled: the decision is %s (%s). Record the refusal; counsel may override it with a written reason.", outcome, strings.Join(cites, "; "))
		k.Refuse = k.Status != liaison.ActionRefused
	default:
		k.Carry = true
	}
	// A refusal that closed the case may be overridden (the case opens
	// again); a case the person's release or transfer closed may not.
	k.Override = role == liaison.RoleCounsel && k.Status == liaison.ActionRefused && !k.Overridden && !c.CustodyEnded
	return k
}

// history is the case's records in time order.
func history(c *desk.Case) []event {
	var out []event
	for _, d := range c.Decisions {
		out = append(out, event{At: d.AsOf, What: fmt.Sprintf("Decided %s: %s", words(d.Action), d.Decision.Outcome),
			Detail: "at " + string(d.Stage), Kind: liaison.KindDecision, ID: d.ID})
	}
	for _, a := range c.Actions {
		// The reason of a carried-out action is its decision's
		// explanation, on its card already; an override's or a refusal's
		// says why.
		detail := a.Reason
		switch {
		case a.Status == liaison.ActionDoneOffline:
			detail = "How: " + a.OfflineNote
		case a.Status == liaison.ActionCarriedOut && a.Override == "":
			detail = "Sent through " + a.Channel
		}
		out = append(out, event{At: a.At, What: fmt.Sprintf("%s: %s by %s", words(a.Action), words(a.Status), who(a.Actor)),
			Detail: detail, Kind: liaison.KindAction, ID: a.ID})
		for _, dl := range a.Deliveries {
			res := "delivered"
			if !dl.OK {
				res = "failed: " + dl.Error
			}
			out = append(out, event{At: dl.At, What: fmt.Sprintf("Delivery %d of %s through %s: %s", dl.Attempt, words(a.Action), dl.Channel, res),
				Kind: liaison.KindDelivery, ID: dl.ID})
		}
	}
	for _, o := range c.Overrides {
		name := o.ActorName
		if name == "" {
			name = who(o.Actor)
		}
		out = append(out, event{At: o.At, What: fmt.Sprintf("Override of the refusal to %s by %s", words(o.Action), name),
			Detail: o.Reason, Kind: liaison.KindOverride, ID: o.ID})
	}
	for _, f := range c.Facts {
		out = append(out, event{At: f.RecordedAt, What: "Facts added by " + who(f.RecordedBy), Detail: f.Reason, Kind: liaison.KindFacts, ID: f.ID})
	}
	for _, du := range c.Duties {
		out = append(out, event{At: du.At, What: "Duty: " + du.Text, Detail: du.Citation, Kind: liaison.KindDuty, ID: du.ID})
		for _, ch := range du.Changes {
			out = append(out, event{At: ch.At, What: fmt.Sprintf("Duty %s: %s", words(ch.Status), du.Text), Detail: ch.Note,
				Kind: liaison.KindDutyChange, ID: ch.ID})
		}
	}
	for _, cl := range c.Closings {
		out = append(out, event{At: cl.At, What: "Case closed", Detail: cl.Why, Kind: liaison.KindCaseClosed, ID: cl.ID})
	}
	for _, ro := range c.Reopenings {
		out = append(out, event{At: ro.At, What: "Case reopened", Detail: ro.Why, Kind: liaison.KindCaseReopened, ID: ro.ID})
	}
	for _, ce := range c.Custody {
		out = append(out, event{At: ce.At, What: "Custody: " + words(ce.Kind), Detail: ce.Note, Kind: liaison.KindCustodyEvent, ID: ce.ID})
	}
	for _, rd := range c.Reads {
		name := rd.ActorName
		if name == "" {
			name = who(rd.Actor)
		}
		out = append(out, event{At: rd.At, What: "Read by " + name, Kind: liaison.KindRead, ID: rd.ID})
	}
	slices.SortStableFunc(out, func(a, b event) int { return a.At.Compare(b.At) })
	return out
}

func words[T ~string](v T) string { return strings.ReplaceAll(string(v), "_", " ") }

// who names an actor: its token's name, or its id and role.
func who(a liaison.Actor) string {
	if a.Name != "" {
		return fmt.Sprintf("%s (%s)", a.Name, a.Role)
	}
	if a.Role == "" {
		return a.ID
	}
	return fmt.Sprintf("%s (%s)", a.ID, a.Role)
}
