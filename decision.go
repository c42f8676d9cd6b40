package liaison

import "time"

// A Decision is the engine's answer to a Request.
type Decision struct {
	Outcome       Outcome      `json:"outcome"`
	Decisive      []RuleRef    `json:"decisive"`
	Considered    []Considered `json:"considered,omitzero"`
	Duties        []Duty       `json:"duties"`
	Limits        Limits       `json:"limits"`
	WouldChangeIf []Change     `json:"would_change_if"`
	MissingFacts  []string     `json:"missing_facts"`
	Explanation   string       `json:"explanation"`
	// Levels are the levels of the jurisdiction, top first, and whether
	// each had law in force: "federal and Texas law applied; no pack for
	// Harris County". Filled when the decision is explained.
	Levels []JurisdictionLevel `json:"levels,omitempty"`
	// Disclose lists what the action may tell the federal side, of the
	// facts the desk holds: for notify_release the release date and time,
	// for share_info the items asked for, when the action is permitted or
	// required; nothing otherwise.
	Disclose []InfoItem    `json:"disclose,omitempty"`
	Packs    []PackVersion `json:"packs,omitzero"`
}

// Normalize makes every list of d that is nil an empty one, so that its
// JSON shows an empty list as [] rather than null, as the contract does.
// Considered and Packs are left as they are: the engine always fills them
// (maybe with []), and nil there marks a compact decision, stored without
// its trace (see Compact), whose JSON leaves them out.
func (d *Decision) Normalize() {
	d.Decisive = emptyIfNil(d.Decisive)
	d.Duties = emptyIfNil(d.Duties)
	d.WouldChangeIf = emptyIfNil(d.WouldChangeIf)
	d.MissingFacts = emptyIfNil(d.MissingFacts)
}

// Compact drops what can be derived again from the decision's pack set
// and facts: every rule considered, and the pack versions used.
func (d *Decision) Compact() {
	d.Considered, d.Packs = nil, nil
}

func emptyIfNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// JurisdictionLevel is one level of a decision's jurisdiction.
type JurisdictionLevel struct {
	Jurisdiction Jurisdiction `json:"jurisdiction"`
	// Law is true when a pack of the level was in force on the day.
	Law bool `json:"law"`
}

// RuleRef names one rule of one pack version.
type RuleRef struct {
	Pack         string       `json:"pack"`
	Version      string       `json:"version"`
	Rule         string       `json:"rule"`
	Effect       Effect       `json:"effect"`
	Citation     string       `json:"citation"`
	Jurisdiction Jurisdiction `json:"jurisdiction"`
}

// Status says what became of a rule in a decision.
type Status string

// The statuses of a considered rule.
const (
	StatusApplied      Status = "applied"       // held and counted toward the outcome
	StatusNotHeld      Status = "not_held"      // its condition is false
	StatusUnknown      Status = "unknown"       // its condition depends on missing facts
	StatusDefeated     Status = "defeated"      // an exception to it held
	StatusVoid         Status = "void"          // preempted by a rule of a higher level
	StatusNotEffective Status = "not_effective" // a lower permission under a higher ban or duty
)

// Considered is a rule the engine looked at, with whether it held and why.
type Considered struct {
	RuleRef
	// Held is nil when the rule's condition depends on missing facts.
	Held   *bool  `json:"held"`
	Status Status `json:"status"`
	Why    string `json:"why"`
}

// Duty is something taking (or refusing) the action obliges the agency to do.
type Duty struct {
	Text     string `json:"text"`
	Citation string `json:"citation"`
	// Due is the deadline, when the law fixes one that can be computed.
	Due *time.Time `json:"due,omitempty"`
	// DueText says the deadline in words ("before the interview").
	DueText string  `json:"due_text,omitempty"`
	Rule    RuleRef `json:"rule"`
	// Trigger is what starts the duty's clock; empty means on_receipt.
	Trigger DutyTrigger `json:"trigger,omitempty"`
	// Before, for the trigger before_action, is the action the duty must
	// be done before: the desk does not carry it out while the duty is open.
	Before Action `json:"before,omitempty"`
	// Within is how long after its trigger the duty is due, when the engine
	// cannot compute Due itself: a duration ("48h"), or "promptly" (the
	// agency's setting). Empty when Due is set or there is no deadline.
	Within string `json:"within,omitempty"`
	// Notice, for a duty to give the person a notice, names the notice
	// (package notice renders it): "ca-interview-consent".
	Notice string `json:"notice,omitempty"`
}

// DutyTrigger is the event that starts a duty's clock (see docs/packs.md).
type DutyTrigger string

// The triggers of a duty.
const (
	OnReceipt    DutyTrigger = "on_receipt"    // the request is received (intake)
	OnAction     DutyTrigger = "on_action"     // an action that brought the duty is carried out
	HoldBegins   DutyTrigger = "hold_begins"   // a hold on a detainer is carried out
	BeforeAction DutyTrigger = "before_action" // no clock: must be done before the action Before
	NoTrigger    DutyTrigger = "none"          // no clock at all: a record-keeping duty
)

// Enum lists the valid triggers.
func (DutyTrigger) Enum() []string {
	return []string{"on_receipt", "on_action", "hold_begins", "before_action", "none"}
}

// Promptly is what a duty's due says for "promptly": the agency's setting.
const Promptly = "promptly"

// Limits bound the action when it is taken.
type Limits struct {
	// MaxHoldHours is the longest a person may be held past release.
	MaxHoldHours *float64 `json:"max_hold_hours,omitempty"`
	// HoldHoursExclude lists what the hours do not count: "weekends",
	// "holidays" (8 C.F.R. 287.7(d)).
	HoldHoursExclude []string `json:"hold_hours_exclude,omitempty"`
	// Citation is the rule that sets MaxHoldHours.
	Citation string `json:"citation,omitempty"`
}

// Change says which unmet conditions of a rule would give another outcome.
type Change struct {
	Outcome Outcome `json:"outcome"`
	// Rule is "pack/rule".
	Rule     string   `json:"rule"`
	Citation string   `json:"citation"`
	Unmet    []string `json:"unmet"`
}

// PackVersion identifies the exact pack text a decision used.
type PackVersion struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
	// Layer says where the pack came from when the packs were loaded in
	// layers (see docs/packs.md, "Layers"); nil otherwise. A pointer, so
	// that a decision's pack list grows by a word a pack, not two strings.
	Layer *PackLayer `json:"layer,omitempty"`
}

// PackLayer is the layer of packs a pack came from.
type PackLayer struct {
	// Name names the layer: "bundled", or a folder given with --packs.
	Name string `json:"name"`
	// Replaces names the layer of the pack of the same id this one stands
	// in for; empty when it replaced none.
	Replaces string `json:"replaces,omitempty"`
}
