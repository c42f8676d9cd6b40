package liaison

import (
	"strconv"
	"time"
)

// The records of the desk. Each is stored as one StoredRecord whose Body is
// its canonical JSON. Records are immutable: what changes (a duty's status)
// is recorded as a new record.

// Actor is who does something: a person or a system, with the role their
// token carries and the agency it is limited to. The desk checks both on
// every call: an actor with an Agency reaches only that agency's records.
type Actor struct {
	ID string `json:"id"`
	// Name is the name of the token's holder, as the token was made: the
	// records show who, not only which token.
	Name string `json:"name,omitempty"`
	Role Role   `json:"role"`
	// Agency is the agency the actor's token is limited to; empty for a
	// token that reaches every agency.
	Agency string `json:"agency,omitempty"`
}

// Role is what a token may do.
type Role string

// The roles. Each API route names the roles it admits.
const (
	RoleClerk      Role = "clerk"      // booking and jail staff: intake, custody events, actions
	RoleSupervisor Role = "supervisor" // a clerk's rights, and duties
	RoleCounsel    Role = "counsel"    // overrides with a written reason; packs
	RoleAuditor    Role = "auditor"    // read everything, proofs; no personal data in clear
	RoleAdmin      Role = "admin"      // agencies and tokens
	RolePublic     Role = "public"     // reports and the log only
)

// Enum lists the valid roles.
func (Role) Enum() []string {
	return []string{"clerk", "supervisor", "counsel", "auditor", "admin", "public"}
}

// AgencyRecord is an agency that uses liaison.
type AgencyRecord struct {
	ID           string       `json:"id"`
	Name         string       `json:"name" liaison:"required,nonempty"`
	Jurisdiction Jurisdiction `json:"jurisdiction" liaison:"required"`
	Type         AgencyType   `json:"type" liaison:"required"`
	// TimeZone is the IANA time zone the agency keeps: its deadlines and
	// business days are local. Empty only in agencies recorded before
	// agencies had one: law.TimeZone of the jurisdiction then.
	TimeZone string `json:"time_zone,omitempty"`
	// NoLocalLaw: the levels of the jurisdiction with no pack have no law
	// of their own (the agency's creator said so).
	NoLocalLaw bool      `json:"no_local_law,omitempty"`
	CreatedAt  time.Time `json:"created_at"`

	// Promptly is how long the agency allows for a duty the law says to
	// do "promptly": a Go duration ("24h"); empty for the default,
	// DefaultPromptly.
	Promptly string `json:"promptly,omitempty"`
}

// DefaultPromptly is an agency's "promptly" when it sets none.
const DefaultPromptly = 24 * time.Hour

// PersonRecord is a person in an agency's custody. Name and date of birth
// are sealed (AES-GCM) before they are stored and never logged.
type PersonRecord struct {
	ID             string    `json:"id"`
	Agency         string    `json:"agency"`
	BookingNumbers []string  `json:"booking_numbers"`
	NameSealed     string    `json:"name_sealed"`
	BirthSealed    string    `json:"birth_date_sealed"`
	CreatedAt      time.Time `json:"created_at"`
}

// BookingRecord indexes a person by one of their booking numbers. Its Key
// is the agency and the number ("agy_…/B-1"), unique: within an agency a
// booking number belongs to one person, and a look-up by number is one
// read of the key's index, checked against this body.
type BookingRecord struct {
	ID     string    `json:"id"`
	Agency string    `json:"agency"`
	Number string    `json:"number"`
	Person string    `json:"person"`
	At     time.Time `json:"at"`
}

// CaseClosedRecord (kind "case_closed") says that a request's case no
// longer needs the desk (see desk.CaseState): its person was released or
// transferred, or every action it asks for is settled. Its key is
// CaseKey(request, round), round being how many times the case was
// reopened before (see CaseReopenedRecord), so a case closes once per
// round. The stores keep an index of the requests no such record closes
// (see OpenCaseIndex).
type CaseClosedRecord struct {
	ID      string `json:"id"`
	Agency  string `json:"agency"`
	Request string `json:"request"`
	// Key is CaseKey(Request, round); empty in round 0, whose key is
	// the request (the only round before reopening existed).
	Key    string    `json:"key,omitempty"`
	Person string    `json:"person,omitempty"`
	Why    string    `json:"why"`
	At     time.Time `json:"at"`
}

// CaseReopenedRecord (kind "case_reopened") says that a closed case needs
// the desk again: an action was tried again and waits (pending, or for
// facts), or facts added later let a refused action go ahead. It undoes
// the close of round n-1 and starts round n (n ≥ 1): its key is
// CaseKey(request, n), so a close is reopened once, and the next close of
// the case is keyed like it.
type CaseReopenedRecord struct {
	ID      string    `json:"id"`
	Agency  string    `json:"agency"`
	Request string    `json:"request"`
	Key     string    `json:"key"`
	Person  string    `json:"person,omitempty"`
	Why     string    `json:"why"`
	At      time.Time `json:"at"`
}

// CaseKey is the store key of the close, and of the reopening, of a
// request's case in round (0 until it is first reopened): the request,
// then request/1, request/2...
func CaseKey(request string, round int) string {
	if round == 0 {
		return request
	}
	return request + "/" + strconv.Itoa(round)
}

// CustodyEventKind is a change in a person's custody.
type CustodyEventKind string

// Enum lists the custody event kinds.
func (CustodyEventKind) Enum() []string {
	return []string{"booked", "release_scheduled", "released", "transferred"}
}

// CustodyEventRecord is one custody event.
type CustodyEventRecord struct {
	ID               string           `json:"id"`
	Agency           string           `json:"agency"`
	Person           string           `json:"person"`
	Kind             CustodyEventKind `json:"kind"`
	At               time.Time        `json:"at"`
	ScheduledRelease time.Time        `json:"scheduled_release,omitzero"`
	Note             string           `json:"note,omitempty"`
	RecordedBy       Actor            `json:"recorded_by"`
}

// RequestRecord is a federal request as received, with the facts about the
// person the decisions used.
type RequestRecord struct {
	ID             string         `json:"id"`
	Agency         string         `json:"agency"`
	Person         string         `json:"person,omitempty"`
	IdempotencyKey string         `json:"idempotency_key"`
	Request        FederalRequest `json:"request"`
	Actions        []Action       `json:"actions"`
	Subject        *Subject       `json:"subject,omitempty"`
	Agreements     []Agreement    `json:"agreements,omitempty"`
	Context        *Context       `json:"context,omitempty"`
	ReceivedBy     Actor          `json:"received_by"`
	RecordedAt     time.Time      `json:"recorded_at"`
}

// Stage says when a decision was made.
type Stage string

// The stages of a decision.
const (
	StageIntake Stage = "intake" // when the request arrived
	StageAct    Stage = "act"    // again, when the action was to be carried out
	StageFacts  Stage = "facts"  // again, when facts were added (see FactsRecord)
)

// DecisionRecord is a decision as the desk made and stored it: compact,
// what the person at the desk saw and what an audit needs. Its Decision
// has no Considered and no Packs: they are derived on read by deciding
// again from the stored facts (the request, its agency, Action and AsOf)
// with the stored pack set PackSet, under engine version Engine.
type DecisionRecord struct {
	ID       string    `json:"id"`
	Agency   string    `json:"agency"`
	Request  string    `json:"request"`
	Action   Action    `json:"action"`
	Stage    Stage     `json:"stage"`
	AsOf     time.Time `json:"as_of"`
	Decision Decision  `json:"decision"`
	// PackSet is the id (the hash) of the PackSetRecord decided with;
	// Engine is law.EngineVersion then. Empty in decisions stored before
	// pack sets were.
	PackSet string `json:"pack_set,omitempty"`
	Engine  string `json:"engine,omitempty"`
	// Facts is the last facts record (FactsRecord) the decision's facts
	// include: the request's effective facts are its own, changed by each
	// facts record of the request up to this one, in log order. Empty: the
	// request's facts as received.
	Facts string `json:"facts,omitempty"`
	// Supersedes is the decision this one replaces, decided again when
	// facts were added; the old one stays in the record.
	Supersedes string `json:"supersedes,omitempty"`
}

// FactsRecord is facts about a request learned after intake: added or
// corrected by someone, for a written reason. The request's effective
// facts are its own with each facts record applied in log order (see
// docs/api.md): a member given replaces the stored one (objects member by
// member, lists whole), and each path in Remove is cleared.
type FactsRecord struct {
	ID             string          `json:"id"`
	Agency         string          `json:"agency"`
	Request        string          `json:"request"`
	IdempotencyKey string          `json:"idempotency_key"`
	Reason         string          `json:"reason"`
	FederalRequest *FederalRequest `json:"federal_request,omitempty"`
	Subject        *Subject        `json:"subject,omitempty"`
	Agreements     []Agreement     `json:"agreements,omitempty"`
	Context        *Context        `json:"context,omitempty"`
	Remove         []string        `json:"remove,omitempty"`
	RecordedBy     Actor           `json:"recorded_by"`
	RecordedAt     time.Time       `json:"recorded_at"`
}

// PackSetRecord is a set of packs decisions were made with: every pack
// file, byte for byte, sorted by path. Its ID is the set's hash (see
// law.HashFiles and docs/design.md), so a set is stored once however many
// decisions name it.
type PackSetRecord struct {
	ID    string     `json:"id"`
	Files []PackFile `json:"files"`
}

// PackFile is one pack file: its path below the packs' root
// ("us/ca/values-act.yaml") and its text, which is UTF-8.
type PackFile struct {
	Path string `json:"path"`
	Text string `json:"text"`
}

// ActionStatus is what became of an attempt to carry out an action.
type ActionStatus string

// The statuses of an action.
const (
	// ActionPending: decided permitted or required, and recorded with
	// its message for the dispatcher to deliver (the outbox). Its
	// delivery ends in an action outcome: delivered or failed.
	ActionPending   ActionStatus = "pending"
	ActionDelivered ActionStatus = "delivered" // pending, then delivered
	// ActionCarriedOut: decided permitted or required, and sent before
	// the action was recorded (actions recorded before the outbox).
	ActionCarriedOut ActionStatus = "carried_out"
	ActionRefused    ActionStatus = "refused"     // decided forbidden or conflict
	ActionNeedsFacts ActionStatus = "needs_facts" // decided undetermined
	ActionFailed     ActionStatus = "failed"      // permitted, but every delivery attempt failed
	// ActionDoneOffline: permitted or required, with no outbound channel
	// configured; staff did it themselves (by phone, in person) and said
	// how in the record's OfflineNote. Nothing was sent.
	ActionDoneOffline ActionStatus = "done_offline"
)

// ActionRecord is one attempt to carry out an action.
type ActionRecord struct {
	ID       string       `json:"id"`
	Agency   string       `json:"agency"`
	Request  string       `json:"request"`
	Decision string       `json:"decision"`
	Action   Action       `json:"action"`
	Status   ActionStatus `json:"status"`
	Outcome  Outcome      `json:"outcome"`
	Channel  string       `json:"channel,omitempty"`
	Reason   string       `json:"reason"`
	Override string       `json:"override,omitempty"`
	// OfflineNote says how staff carried out a done_offline action.
	OfflineNote string    `json:"offline_note,omitempty"`
	Actor       Actor     `json:"actor"`
	At          time.Time `json:"at"`
	// IdempotencyKey makes carrying out an action safe to retry: per
	// request, a key sent again is the same action.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// Message is what goes out, for a pending action: the outbox holds it
	// in the action's own record, written with the decision.
	Message *Message `json:"message,omitempty"`
}

// Message is what goes out when an action is carried out. It names the
// request and the law, and of the facts about the person only what the
// decision lets the action disclose (Decision.Disclose) and the desk
// holds: nothing else. Its ID is the action's, which receivers use as an
// idempotency key: a message may arrive twice when a node stopped after
// sending it and before recording that it did.
type Message struct {
	ID        string    `json:"id"`
	Agency    string    `json:"agency"`
	Request   string    `json:"request"`
	Action    Action    `json:"action"`
	Outcome   Outcome   `json:"outcome"`
	Citations []string  `json:"citations"`
	Override  bool      `json:"override"`
	At        time.Time `json:"at"`
	// Disclose is what the decision lets the action tell: the items the
	// recipient may receive, whether or not the desk holds their values.
	Disclose []InfoItem `json:"disclose,omitempty"`
	// Release is the person's scheduled release, in the agency's local
	// time: only when the decision lets the release date be disclosed
	// and the desk knows it. Without release_time, only its date.
	Release string `json:"release,omitempty"`
}

// DutyStatus is where a duty stands.
type DutyStatus string

// The statuses of a duty.
const (
	DutyOpen      DutyStatus = "open"
	DutyDone      DutyStatus = "done"
	DutyOverdue   DutyStatus = "overdue"
	DutyEscalated DutyStatus = "escalated"
	// DutyWaiting: the duty's trigger (a hold, an action carried out) has
	// not happened; its clock has not started.
	DutyWaiting DutyStatus = "waiting"
	// DutySuperseded: facts added later gave decisions that no longer
	// bring the duty.
	DutySuperseded DutyStatus = "superseded"
)

// DutyRecord is a task the law gives the agency, from a decision: one per
// obligation of a request, listing the actions that brought it.
type DutyRecord struct {
	ID       string     `json:"id"`
	Agency   string     `json:"agency"`
	Request  string     `json:"request"`
	Decision string     `json:"decision"`
	Text     string     `json:"text"`
	Citation string     `json:"citation"`
	Due      *time.Time `json:"due,omitempty"`
	DueText  string     `json:"due_text,omitempty"`
	Status   DutyStatus `json:"status"`
	At       time.Time  `json:"at"`
	// Obligation names what the duty is, once per request: "pack/rule#"
	// and a hash of its text for a rule's duty, "carry_out:<action>" for
	// a required action, "end_hold" for a hold's time limit.
	Obligation string      `json:"obligation,omitempty"`
	Actions    []Action    `json:"actions,omitempty"`
	Trigger    DutyTrigger `json:"trigger,omitempty"`
	Before     Action      `json:"before,omitempty"`
	Within     string      `json:"within,omitempty"`
	// Notice names the notice to the person the duty asks for (package
	// notice renders it), when it asks for one.
	Notice string `json:"notice,omitempty"`
}

// DutyChangeRecord records a new status of a duty.
type DutyChangeRecord struct {
	ID     string     `json:"id"`
	Agency string     `json:"agency"`
	Duty   string     `json:"duty"`
	Status DutyStatus `json:"status"`
	Note   string     `json:"note,omitempty"`
	Actor  Actor      `json:"actor"`
	At     time.Time  `json:"at"`
	// Due is set when the change starts the duty's clock (its trigger
	// happened): the duty is due then from now on.
	Due *time.Time `json:"due,omitempty"`
	// GivenBy and GivenAt say who did what the duty asks, and when (a
	// notice given to the person), when that is not the actor and now.
	GivenBy string    `json:"given_by,omitempty"`
	GivenAt time.Time `json:"given_at,omitzero"`
	// Key, when set, is unique among duty changes (the store's Key): a
	// change a duty goes through once (overdue, escalated, done by staff)
	// is keyed "<duty>/<status>", so that a second server making the same
	// change at the same moment gets a conflict instead of a duplicate.
	Key string `json:"key,omitempty"`
}

// OverrideRecord is counsel's written decision to carry out an action the
// law engine refused. Overrides are flagged wherever they appear.
type OverrideRecord struct {
	ID      string    `json:"id"`
	Agency  string    `json:"agency"`
	Request string    `json:"request"`
	Action  Action    `json:"action"`
	Reason  string    `json:"reason"`
	Actor   Actor     `json:"actor"`
	At      time.Time `json:"at"`
}

// DeliveryRecord is one attempt to send an action through a channel: its
// result, written by the node that claimed the attempt.
type DeliveryRecord struct {
	ID      string    `json:"id"`
	Agency  string    `json:"agency"`
	Action  string    `json:"action"`
	Channel string    `json:"channel"`
	Attempt int       `json:"attempt"`
	OK      bool      `json:"ok"`
	Error   string    `json:"error,omitempty"`
	At      time.Time `json:"at"`
	// Claim is the claim of the attempt (empty for deliveries made
	// before the outbox). RetryAt, after a failed attempt that is not
	// the last, is when the next may be made.
	Claim   string     `json:"claim,omitempty"`
	RetryAt *time.Time `json:"retry_at,omitempty"`
}

// DeliveryClaimRecord claims one attempt to deliver a pending action for
// one node: its key, "<action>/<attempt>", is unique, so exactly one
// node's append of it succeeds, and that node alone makes the attempt.
// When no delivery record for the attempt is written by LeaseUntil (the
// node stopped mid-send), any node may claim the next attempt.
type DeliveryClaimRecord struct {
	ID      string `json:"id"`
	Agency  string `json:"agency"`
	Action  string `json:"action"`
	Attempt int    `json:"attempt"`
	// Slot is "<action>/<attempt>", the record's unique key.
	Slot       string    `json:"slot"`
	Node       string    `json:"node"`
	At         time.Time `json:"at"`
	LeaseUntil time.Time `json:"lease_until"`
}

// ActionOutcomeRecord settles a pending action: delivered, or failed
// after every attempt (which opens a duty for staff to carry it out
// otherwise). Its key is the action's id: an action has one outcome.
type ActionOutcomeRecord struct {
	ID       string       `json:"id"`
	Agency   string       `json:"agency"`
	Request  string       `json:"request"`
	Action   string       `json:"action"`
	Status   ActionStatus `json:"status"`
	Attempts int          `json:"attempts"`
	Reason   string       `json:"reason,omitempty"`
	At       time.Time    `json:"at"`
}

// ChannelRecord configures how an agency's actions go out: a signed
// webhook or email through SMTP. The latest of an agency's stands. Its
// secrets (the webhook's HMAC secret, the SMTP password) are sealed with
// the desk's seal key, bound to the record's id; a fingerprint (the first
// 8 bytes of the secret's SHA-256, in hex) tells which secret is set
// without showing it.
type ChannelRecord struct {
	ID     string        `json:"id"`
	Agency string        `json:"agency"`
	Kind   string        `json:"kind"` // "webhook" or "email"
	URL    string        `json:"url,omitempty"`
	SMTP   *SMTPSettings `json:"smtp,omitempty"`
	// SealedSecret is the webhook's secret or the SMTP password, sealed.
	SealedSecret      string    `json:"sealed_secret,omitempty"`
	SecretFingerprint string    `json:"secret_fingerprint,omitempty"`
	Actor             Actor     `json:"actor"`
	At                time.Time `json:"at"`
}

// SMTPSettings say where email goes: the server (host:port), the sender,
// the recipients, and the user to log in as (with the password sealed in
// the channel record), if any.
type SMTPSettings struct {
	Addr     string   `json:"addr"`
	From     string   `json:"from"`
	To       []string `json:"to"`
	Username string   `json:"username,omitempty"`
}

// ReadRecord logs a read of a person's record, or of a request that
// carries facts about a person.
type ReadRecord struct {
	ID      string    `json:"id"`
	Agency  string    `json:"agency"`
	Person  string    `json:"person"`
	Request string    `json:"request,omitempty"`
	Actor   Actor     `json:"actor"`
	At      time.Time `json:"at"`
}

// TokenRecord is an API token, stored as the SHA-256 of its secret.
type TokenRecord struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Agency    string    `json:"agency,omitempty"`
	Hash      string    `json:"hash"`
	CreatedAt time.Time `json:"created_at"`
}

// SessionRecord is a session of the staff desk's web pages: who signed in
// (the actor of the API token or sign-in code they gave), until when. The
// session's secret is only in the browser's cookie; the record keeps its
// SHA-256 (hex) as its key, as a token's record does. Records are kept in
// the store, not in a server's memory, so that the servers sharing a
// database share the sessions.
type SessionRecord struct {
	ID     string `json:"id"`
	Agency string `json:"agency,omitempty"`
	Hash   string `json:"hash"`
	Actor  Actor  `json:"actor"`
	// CreatedAt is when the session began; Expires when it ends at the
	// latest, used or not. IdleSeconds is how long it lasts unused (see
	// SessionSeenRecord).
	CreatedAt   time.Time `json:"created_at"`
	Expires     time.Time `json:"expires"`
	IdleSeconds int64     `json:"idle_seconds"`
}

// SessionSeenRecord says a session was in use at At: its idle time counts
// from the latest one (or from its start).
type SessionSeenRecord struct {
	ID      string    `json:"id"`
	Agency  string    `json:"agency,omitempty"`
	Session string    `json:"session"`
	At      time.Time `json:"at"`
}

// SessionEndedRecord ends a session before it expires: signed out, or its
// token revoked. A session ends once.
type SessionEndedRecord struct {
	ID      string    `json:"id"`
	Agency  string    `json:"agency,omitempty"`
	Session string    `json:"session"`
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
}

// SignInCodeRecord is a one-time code that opens a session as Actor until
// Expires (the demo prints one per role, so that no token is put in a
// URL). The record keeps the code's SHA-256 (hex) as its key.
type SignInCodeRecord struct {
	ID        string    `json:"id"`
	Agency    string    `json:"agency,omitempty"`
	Hash      string    `json:"hash"`
	Actor     Actor     `json:"actor"`
	CreatedAt time.Time `json:"created_at"`
	Expires   time.Time `json:"expires"`
}

// SignInCodeUsedRecord records that the code Code was exchanged for the
// session Session. Its key is the code's id: a code is used once.
type SignInCodeUsedRecord struct {
	ID      string    `json:"id"`
	Agency  string    `json:"agency,omitempty"`
	Code    string    `json:"code"`
	Session string    `json:"session"`
	At      time.Time `json:"at"`
}
