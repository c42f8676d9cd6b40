package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/go-json-experiment/json/jsontext"

	"liaison"
	"liaison/ledger"
)

// A CaseCheck compares, as `log verify` reads the log (a
// ledger.RecordCheck), where each request's case stands by its records
// (caseStatus: its actions, their outcomes and overrides, its person's
// custody) with its latest case_closed or case_reopened record, which the
// index of open cases follows. A case the records say is open while its
// last word is a close is a reopening lost (a crash between the record
// that gave the case work and the reopening the desk appends after it, or
// a record written around the desk): the case is out of the queue until
// it changes again or its page is read, and the check reports it as a
// derived problem. The other way round, a close lost, is not reported:
// the queue meets such a case and closes it (OpenCases).
//
// The desk appends a reopening just after the record that calls for it,
// so a verify that runs beside a live desk may read the one in its
// snapshot without the other. Given the live store, the check looks there
// for the reopening of each case it would report, and reports the case
// only when that is missing too.
type CaseCheck struct {
	later    keyed // the live store, or nil
	cases    map[string]*checkedCase
	byPerson map[string][]*checkedCase
	attempt  map[string]*checkedCase // by action id, the attempts still pending
	dec      *jsontext.Decoder
	sim      simDecision
	broken   string
}

var _ ledger.RecordCheck = (*CaseCheck)(nil)

// checkedCase is what the check keeps of one request's case.
type checkedCase struct {
	id       string
	index    int64
	standing []ActionState
	lasts    []*liaison.ActionRecord
	leaves   []int64 // of each latest attempt
	cust     custodyAfter
	closed   bool // its latest case_closed or case_reopened record is a close
	round    int  // how many times it was reopened
}

// keyed finds a record by its key.
type keyed interface {
	ByKey(ctx context.Context, kind, key string) (*liaison.StoredRecord, error)
}

// NewCaseCheck returns a check of the cases' closes and reopenings. live,
// when not nil, is the store the log is read from, as it is now: a case
// the snapshot read shows closed with work is not reported when live has
// its reopening, appended after the snapshot.
func NewCaseCheck(live keyed) *CaseCheck {
	return &CaseCheck{later: live, cases: map[string]*checkedCase{}, byPerson: map[string][]*checkedCase{}, attempt: map[string]*checkedCase{},
		dec: jsontext.NewDecoder(bytes.NewReader(nil))}
}

// Record takes in r, the record of leaf index.
func (c *CaseCheck) Record(_ context.Context, r *ledger.Record, index int64) error {
	if c.broken != "" {
		return nil
	}
	if err := c.fold(r, index); err != nil {
		c.broken = fmt.Sprintf("%s %s (leaf %d): %v", r.Kind, r.ID, index, err)
	}
	return nil
}

func (c *CaseCheck) fold(r *ledger.Record, index int64) error {
	switch r.Kind {
	case liaison.KindRequest:
		var rr struct {
			Person  string           `json:"person"`
			Actions []liaison.Action `json:"actions"`
		}
		if err := json.Unmarshal(r.Body, &rr); err != nil {
			return err
		}
		cc := &checkedCase{id: r.ID, index: index, lasts: make([]*liaison.ActionRecord, len(rr.Actions)), leaves: make([]int64, len(rr.Actions))}
		for _, a := range rr.Actions {
			cc.standing = append(cc.standing, ActionState{Action: a})
		}
		c.cases[r.ID] = cc
		if rr.Person != "" {
			c.byPerson[rr.Person] = append(c.byPerson[rr.Person], cc)
		}
	case liaison.KindDecision:
		cc := c.cases[r.Parent]
		if cc == nil {
			return nil
		}
		c.sim = simDecision{}
		if err := decodeSimDecision(c.dec, r.Body, &c.sim); err != nil {
			return err
		}
		for k := range cc.standing {
			if st := &cc.standing[k]; st.Action == c.sim.Action {
				st.Decision, st.Outcome = c.sim.ID, c.sim.Decision.Outcome
			}
		}
	case liaison.KindAction:
		var ar liaison.ActionRecord
		if err := json.Unmarshal(r.Body, &ar); err != nil {
			return err
		}
		cc := c.cases[ar.Request]
		if cc == nil {
			return nil
		}
		for k := range cc.standing {
			if st := &cc.standing[k]; st.Action == ar.Action {
				st.Status, st.Override = ar.Status, ""
				cc.lasts[k], cc.leaves[k] = &liaison.ActionRecord{ID: ar.ID, Decision: ar.Decision, Status: ar.Status}, index
			}
		}
		if ar.Status == liaison.ActionPending {
			c.attempt[ar.ID] = cc
		}
	case liaison.KindActionOutcome:
		var o liaison.ActionOutcomeRecord
		if err := json.Unmarshal(r.Body, &o); err != nil {
			return err
		}
		cc := c.attempt[o.Action]
		if cc == nil {
			return nil
		}
		delete(c.attempt, o.Action) // the first outcome settles it (see settle)
		for k, last := range cc.lasts {
			if last != nil && last.ID == o.Action && last.Status == liaison.ActionPending {
				last.Status, cc.standing[k].Status = o.Status, o.Status
			}
		}
	case liaison.KindOverride:
		var o liaison.OverrideRecord
		if err := json.Unmarshal(r.Body, &o); err != nil {
			return err
		}
		if cc := c.cases[o.Request]; cc != nil {
			for k := range cc.standing {
				if st := &cc.standing[k]; st.Action == o.Action && st.Status == liaison.ActionRefused && index > cc.leaves[k] {
					st.Override = o.ID
				}
			}
		}
	case liaison.KindCustodyEvent:
		var e liaison.CustodyEventRecord
		if err := json.Unmarshal(r.Body, &e); err != nil {
			return err
		}
		for _, cc := range c.byPerson[e.Person] {
			cc.cust.add(&e)
		}
	case liaison.KindCaseClosed, liaison.KindCaseReopened:
		var cr struct {
			Request string `json:"request"`
		}
		if err := json.Unmarshal(r.Body, &cr); err != nil {
			return err
		}
		if cc := c.cases[cr.Request]; cc != nil {
			cc.closed = r.Kind == liaison.KindCaseClosed
			if !cc.closed {
				cc.round++
			}
		}
	}
	return nil
}

// Problems reports each case whose records say it is open and whose last
// word is a close, in leaf order of its request.
func (c *CaseCheck) Problems(ctx context.Context) ([]ledger.Problem, error) {
	if c.broken != "" {
		return []ledger.Problem{{Kind: ledger.Derived, Index: -1, Message: "cases: the closes and reopenings could not be checked: " + c.broken}}, nil
	}
	var out []ledger.Problem
	for _, cc := range c.cases {
		if !cc.closed {
			continue
		}
		status, _, why := caseStatus(cc.standing, cc.lasts, cc.cust)
		if status != CaseOpen {
			continue
		}
		if c.later != nil {
			_, err := c.later.ByKey(ctx, liaison.KindCaseReopened, liaison.CaseKey(cc.id, cc.round+1))
			if err == nil {
				continue // reopened after the snapshot
			} else if liaison.KindOf(err) != liaison.NotFound {
				return nil, fmt.Errorf("cases: look for the reopening of %s: %w", cc.id, err)
			}
		}
		out = append(out, ledger.Problem{Kind: ledger.Derived, Index: cc.index, Record: liaison.KindRequest + "/" + cc.id,
			Message: fmt.Sprintf("cases: request %s (leaf %d) is closed in the open cases, but its records say it has work (%s): its reopening was lost; reading the case's page reopens it", cc.id, cc.index, why)})
	}
	return out, nil
}
