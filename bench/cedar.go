package bench

import (
	"fmt"
	"strings"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"

	"liaison"
)

// Cedar decides with the Cedar policy. Cedar answers allow or deny, so one
// decision is two authorizations (README): "take" (action
// Action::"<act>") is denied when a rule forbids the action, "refuse"
// (Action::"refuse_<act>") when a rule requires it. It is safe for
// concurrent use.
type Cedar struct {
	policies *cedar.PolicySet
	entities types.EntityMap
	actions  map[liaison.Action][2]types.EntityUID // take, refuse
	resource types.EntityUID
}

// defaultPolicy is the id of the policy that permits what no rule forbids.
const defaultPolicy = "default"

// NewCedar parses the Cedar policy, naming each policy by its @id
// annotation, and builds the Jurisdiction entities for jurisdictions: each
// is a member of the level above it ("us/ca/bayview" in "us/ca" in "us").
func NewCedar(src []byte, jurisdictions []liaison.Jurisdiction) (*Cedar, error) {
	list, err := cedar.NewPolicyListFromBytes("policy.cedar", src)
	if err != nil {
		return nil, fmt.Errorf("parse Cedar policy: %w", err)
	}
	c := &Cedar{
		policies: cedar.NewPolicySet(),
		entities: types.EntityMap{},
		actions:  map[liaison.Action][2]types.EntityUID{},
		resource: types.NewEntityUID("Person", "subject"),
	}
	for i, p := range list {
		id, ok := p.Annotations()["id"]
		if !ok {
			return nil, fmt.Errorf("Cedar policy %d (%v) has no @id", i, p.Position())
		}
		if !c.policies.Add(cedar.PolicyID(id), p) {
			return nil, fmt.Errorf("Cedar policy id %q appears twice", id)
		}
	}
	for _, j := range jurisdictions {
		for s := string(j); s != ""; {
			parent, _, _ := cutLast(s, "/")
			e := types.Entity{UID: types.NewEntityUID("Jurisdiction", types.String(s))}
			if parent != "" {
				e.Parents = types.NewEntityUIDSet(types.NewEntityUID("Jurisdiction", types.String(parent)))
			}
			c.entities[e.UID] = e
			s = parent
		}
	}
	for _, a := range liaison.Action("").Enum() {
		c.actions[liaison.Action(a)] = [2]types.EntityUID{
			types.NewEntityUID("Action", types.String(a)),
			types.NewEntityUID("Action", types.String("refuse_"+a)),
		}
	}
	return c, nil
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return "", s, false
}

// Decide converts req to Cedar's request and context and authorizes twice.
func (c *Cedar) Decide(req *liaison.Request) (Result, error) {
	acts, ok := c.actions[req.Action]
	if !ok {
		return Result{}, fmt.Errorf("no Cedar action for %q", req.Action)
	}
	cx, err := CedarContext(req)
	if err != nil {
		return Result{}, err
	}
	r := cedar.Request{
		Principal: types.NewEntityUID("Jurisdiction", types.String(req.Jurisdiction)),
		Action:    acts[0],
		Resource:  c.resource,
		Context:   cx,
	}
	take, tdiag := cedar.Authorize(c.policies, c.entities, r)
	r.Action = acts[1]
	refuse, rdiag := cedar.Authorize(c.policies, c.entities, r)
	if errs := append(tdiag.Errors, rdiag.Errors...); len(errs) > 0 {
		return Result{}, fmt.Errorf("Cedar: %v", errs[0])
	}
	forbidden, required := take == cedar.Deny, refuse == cedar.Deny
	var res Result
	var reasons []cedar.DiagnosticReason
	switch {
	case forbidden && required:
		res.Outcome, reasons = liaison.Conflict, append(tdiag.Reasons, rdiag.Reasons...)
	case forbidden:
		res.Outcome, reasons = liaison.Forbidden, tdiag.Reasons
	case required:
		res.Outcome, reasons = liaison.Required, rdiag.Reasons
	default:
		res.Outcome, reasons = liaison.Permitted, tdiag.Reasons
	}
	res.Decisive = make([]string, 0, len(reasons))
	for _, r := range reasons {
		if r.PolicyID == defaultPolicy {
			continue
		}
		// "pack/rule@version" names the rule "pack/rule".
		id, _, _ := strings.Cut(string(r.PolicyID), "@")
		res.Decisive = append(res.Decisive, id)
	}
	return res, nil
}

var slots = [MaxConvictions]types.String{"c0", "c1", "c2"}

// CedarContext returns req as the Cedar policy reads it: the fields the
// policy reads, every one present, dates as Longs yyyymmdd, and the
// convictions as the optional records subject.c0..c2.
func CedarContext(req *liaison.Request) (types.Record, error) {
	fr, warrant, sub, consent, cx := parts(req)
	if len(sub.Convictions) > len(slots) {
		return types.Record{}, fmt.Errorf("Cedar policy has %d conviction slots, request has %d convictions", len(slots), len(sub.Convictions))
	}
	subject := types.RecordMap{
		"flags":       stringSet(sub.Flags),
		"public_info": stringSet(sub.PublicInfo),
		"consent": types.NewRecord(types.RecordMap{
			"interview":     types.String(consent.Interview),
			"form_provided": types.Boolean(consent.FormProvided),
		}),
	}
	for i, c := range sub.Convictions {
		subject[slots[i]] = types.NewRecord(types.RecordMap{
			"offense":    types.String(c.Offense),
			"level":      types.String(c.Level),
			"date":       types.Long(ymd(c.Date)),
			"categories": stringSet(c.Categories),
		})
	}
	return types.NewRecord(types.RecordMap{
		"as_of": types.Long(ymd(req.AsOf)),
		"request": types.NewRecord(types.RecordMap{
			"kind":                                  types.String(fr.Kind),
			"probable_cause_basis":                  stringSet(fr.ProbableCauseBasis),
			"info_requested":                        stringSet(fr.InfoRequested),
			"judicial_probable_cause_determination": types.Boolean(fr.JudicialPCFinding),
			"warrant":                               types.NewRecord(types.RecordMap{"kind": types.String(warrant.Kind)}),
		}),
		"subject":  types.NewRecord(subject),
		"purpose":  types.String(cx.Purpose),
		"location": types.String(cx.Location),
	}), nil
}

func stringSet[T ~string](xs []T) types.Set {
	vs := make([]types.Value, len(xs))
	for i, x := range xs {
		vs[i] = types.String(x)
	}
	return types.NewSet(vs...)
}
