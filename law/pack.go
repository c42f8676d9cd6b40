package law

import (
	"time"

	"liaison"
)

// A Pack is one legal instrument (a statute, ordinance, regulation, court
// ruling, agency policy or agreement) encoded as rules, in one YAML file.
// The file format is documented in docs/packs.md.
type Pack struct {
	ID           string               `yaml:"id"`
	Title        string               `yaml:"title"`
	Jurisdiction liaison.Jurisdiction `yaml:"jurisdiction"`
	Kind         string               `yaml:"kind"`
	Citation     string               `yaml:"citation"`
	Source       string               `yaml:"source"`
	// Notice says what the encoding is (and is not): bundled packs say they
	// are illustrative encodings with citations, not legal advice.
	Notice   string     `yaml:"notice"`
	Notes    string     `yaml:"notes"`
	Versions []*Version `yaml:"versions"`

	file string // the file it was read from, for messages
	// layer is the layer the pack came from (see LoadLayers), nil when the
	// set was not loaded in layers.
	layer *liaison.PackLayer
}

// PackKinds are the kinds of instrument a pack may encode.
var packKinds = []string{"statute", "ordinance", "regulation", "ruling", "policy", "agreement", "constitution"}

// A Version is the text of an instrument in force over a period. An
// amendment is a new version; the old one still answers for earlier dates.
type Version struct {
	Version string `yaml:"version"`
	// EffectiveFrom is the first day the version is in force (for a court
	// ruling: its decision date). EffectiveTo, if set, is the last day.
	EffectiveFrom Date             `yaml:"effective_from"`
	EffectiveTo   *Date            `yaml:"effective_to"`
	Citation      string           `yaml:"citation"`
	Source        string           `yaml:"source"`
	Notes         string           `yaml:"notes"`
	Lists         map[string]*List `yaml:"lists"`
	Rules         []*Rule          `yaml:"rules"`

	pack           *Pack
	sha256         string
	index          int
	byAction       [][]*Rule // by Set.actions
	fromDay, toDay int64
	byID           map[string]*Rule
	// content is a hash of the pack's id and of what the version says
	// (its lists and rules, not its dates or notes): two versions with the
	// same content answer alike (see Set.LawAt).
	content uint64
}

// A List is a named list the law makes, e.g. the offences of Cal. Gov.
// Code 7282.5(a)(3). Items are offence codes ("CA PC 245") or offence
// categories written "category:serious_felony".
type List struct {
	Title    string   `yaml:"title"`
	Citation string   `yaml:"citation"`
	Items    []string `yaml:"items"`
}

// A Rule says what an instrument does to some actions when its condition holds.
type Rule struct {
	ID      string           `yaml:"id"`
	Actions []liaison.Action `yaml:"actions"`
	Effect  liaison.Effect   `yaml:"effect"`
	// When is the rule's condition: every item must hold. Empty means always.
	When Conditions `yaml:"when"`
	// Says is the condition in words, used in explanations.
	Says string `yaml:"says"`
	// Exceptions name rules that defeat this one when they hold (the more
	// specific rule wins): a rule id of the same version, or "pack/rule"
	// for a rule of another pack of the same jurisdiction (the version of
	// it in force at the decision's date).
	Exceptions []string `yaml:"exceptions"`
	// Preempts makes the rule void contrary rules of lower levels.
	Preempts bool        `yaml:"preempts"`
	Duties   []*DutySpec `yaml:"duties"`
	// DutyOutcomes, for effect "duty", lists the outcomes on which its
	// duties attach (default: required and permitted).
	DutyOutcomes []liaison.Outcome `yaml:"duty_outcomes"`
	Limits       *LimitSpec        `yaml:"limits"`
	Citation     string            `yaml:"citation"`
	// Quote is the short phrase of the instrument the rule rests on.
	Quote string `yaml:"quote"`
	Notes string `yaml:"notes"`

	version           *Version
	conds             []*condition
	all               *program // the conjunction of conds
	says              string   // the condition in words
	whyHolds, whyNot1 string
	unmet1, notCase   []string
	key, name         string
	// The reasons of the rules this one defeats, voids or makes not
	// effective, in words (computed once at load).
	defeatsWhy, voidsWhy, overridesWhy string
	facts                              []string // request fields the condition reads, e.g. "subject.convictions"
	excepts                            []*Rule
	crossExcepts                       []string // "pack/rule"
	// unknownMask has bit i set when the condition reads Set.unknowns[i].
	unknownMask uint64
	// clock is what the condition reads of time (timeline_clock.go).
	clock clock
}

// A DutySpec is a duty a rule brings.
type DutySpec struct {
	Text     string `yaml:"text"`
	Citation string `yaml:"citation"`
	// Due is a Go duration after as_of ("48h"), or DueExpr a CEL expression
	// giving a timestamp; DueText says the deadline in words.
	// Due may also be "promptly": the agency's own setting for it.
	Due     string `yaml:"due"`
	DueExpr string `yaml:"due_expr"`
	DueText string `yaml:"due_text"`
	// Trigger is what starts the clock of Due (default on_receipt; see
	// liaison.DutyTrigger); Before names the action a before_action duty
	// must be done before.
	Trigger liaison.DutyTrigger `yaml:"trigger"`
	Before  liaison.Action      `yaml:"before"`
	// Notice, for a duty to give the person a notice, names it: the id of
	// a notice of package notice, e.g. "ca-interview-consent".
	Notice string `yaml:"notice"`

	due     time.Duration
	dueProg *program
}

// LimitSpec bounds an action a rule permits or requires.
type LimitSpec struct {
	MaxHoldHours     *float64 `yaml:"max_hold_hours"`
	HoldHoursExclude []string `yaml:"hold_hours_exclude"`
}

// Conditions is a rule's condition: one CEL expression, or a list of them
// (each a string, or a map with cel and says) that must all hold.
type Conditions []Condition

// A Condition is one CEL expression with, optionally, its meaning in words.
type Condition struct {
	CEL  string `yaml:"cel"`
	Says string `yaml:"says"`
}

// Date is a calendar day written YYYY-MM-DD.
type Date struct {
	time.Time
	raw string
}
