package desk

import (
	"fmt"

	"liaison"
)

// Where a case stands is worked out in one place, from the same few facts
// whether they were read from the store for a case's page (caseParts) or
// folded from the log by `log verify` (CaseCheck): where each action the
// request asks for stands, its latest attempt, and the person's custody
// events logged after the request.

// custodyAfter follows the custody events of a request's person logged
// after the request, in log order: a release or transfer ends the case,
// and a booking after it (the person in custody again) takes that end
// back, so that what the request still asks for is looked at again on the
// new custody.
type custodyAfter struct {
	gone   *liaison.CustodyEventRecord // the release or transfer that ended it; nil: none, or booked since
	booked *liaison.CustodyEventRecord // the booking that took an end back; nil: none
}

// add takes in e, a custody event of the person logged after the request.
func (c *custodyAfter) add(e *liaison.CustodyEventRecord) {
	switch {
	case c.gone == nil && (e.Kind == "released" || e.Kind == "transferred"):
		c.gone = e
	case c.gone != nil && e.Kind == "booked":
		c.gone, c.booked = nil, e
	}
}

// caseStatus works out whether a case is open, and why, from where each
// action it asks for stands (standing), each action's latest attempt
// (lasts, in the same order; nil: never attempted) and its person's
// custody after it. A case is closed when the person's custody ended, or
// when every action is settled; otherwise it is open, and openedBy says
// why: its first action that is not settled, after the booking that took
// a release back, if any.
func caseStatus(standing []ActionState, lasts []*liaison.ActionRecord, cust custodyAfter) (status CaseState, closedBy, openedBy string) {
	settled := true
	for i, st := range standing {
		if why := unsettled(st, lasts[i]); why != "" {
			if settled {
				openedBy = words(st.Action) + ": " + why
			}
			settled = false
		}
	}
	switch {
	case cust.gone != nil:
		return CaseClosed, fmt.Sprintf("the person was %s (custody event %s)", cust.gone.Kind, cust.gone.ID), ""
	case settled:
		return CaseClosed, "every action it asks for is settled", ""
	case cust.booked != nil:
		openedBy = fmt.Sprintf("the person was booked again (custody event %s) after a release or transfer; %s", cust.booked.ID, openedBy)
	}
	return CaseOpen, "", openedBy
}

// unsettled says why an action that stands at st, last attempted as last
// (nil: never), still needs the desk, or returns "" when it is settled:
// never attempted; its latest attempt waits (pending, or for facts); or it
// was refused and either a decision made since, on facts added later, lets
// it go ahead, or counsel overrode the refusal.
func unsettled(st ActionState, last *liaison.ActionRecord) string {
	switch {
	case last == nil:
		return "not attempted yet"
	case st.Status == liaison.ActionPending:
		return "its attempt " + last.ID + " is pending"
	case st.Status == liaison.ActionNeedsFacts:
		return "its attempt " + last.ID + " needs facts"
	case st.Status == liaison.ActionRefused && st.Override != "":
		return fmt.Sprintf("refused (attempt %s), counsel overrode the refusal (override %s)", last.ID, st.Override)
	case st.Status == liaison.ActionRefused && st.Decision != last.Decision && (st.Outcome == liaison.Permitted || st.Outcome == liaison.Required):
		return fmt.Sprintf("refused (attempt %s), it is %s since decision %s", last.ID, st.Outcome, st.Decision)
	}
	return ""
}
