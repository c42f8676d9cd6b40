package liaison

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Record kinds: every thing liaison writes is one record of one kind. Records
// are never changed or deleted: a duty's new status is a new record of kind
// "duty_change", a read of a person's record is a record of kind "read".
const (
	KindAgency       = "agency"
	KindPerson       = "person"
	KindCustodyEvent = "custody_event"
	KindRequest      = "request"
	KindDecision     = "decision"
	KindAction       = "action"
	KindDuty         = "duty"
	KindDutyChange   = "duty_change"
	KindOverride     = "override"
	KindDelivery     = "delivery"
	// KindDeliveryClaim claims one attempt to deliver a pending action
	// for one node; KindActionOutcome settles the action (delivered or
	// failed).
	KindDeliveryClaim = "delivery_claim"
	KindActionOutcome = "action_outcome"
	// KindChannel configures an agency's outbound channel.
	KindChannel      = "channel"
	KindRead         = "read"
	KindToken        = "token"
	KindTokenRevoked = "token_revoked"
	KindPackSet      = "pack_set"
	KindFacts        = "facts"
	KindBooking      = "booking"
	// KindContact is a contact with federal officers outside the desk, or
	// an officer's question asked first; KindContactFinding a review of one.
	KindContact        = "contact"
	KindContactFinding = "contact_finding"
	// KindContactDraft is a message with a federal immigration domain
	// found in an e-mail export, for review.
	KindContactDraft = "contact_draft"
	// KindCheckpoint records a signed checkpoint of the log in the log
	// itself (see package ledger), so that its row cannot quietly go.
	KindCheckpoint = "checkpoint"
	// KindSession is a signed-in session of the staff desk's web pages
	// (package web); KindSessionSeen renews its idle clock and
	// KindSessionEnded ends it (signed out, expired). KindSignInCode is a
	// short-lived, single-use code exchanged for a session, and
	// KindSignInCodeUsed its use.
	KindSession        = "session"
	KindSessionSeen    = "session_seen"
	KindSessionEnded   = "session_ended"
	KindSignInCode     = "signin_code"
	KindSignInCodeUsed = "signin_code_used"
	// KindCaseClosed closes a request's case (see CaseClosedRecord);
	// KindCaseReopened opens it again (see CaseReopenedRecord).
	KindCaseClosed   = "case_closed"
	KindCaseReopened = "case_reopened"
)

// A StoredRecord is one record as a store keeps it. Body is the record's
// canonical JSON (RFC 8785); the log commits to (Kind, ID, Body, Salt), so a
// record changed, deleted or inserted behind the store's back is found by
// `liaison log verify`.
type StoredRecord struct {
	Kind string
	ID   string
	// Agency, Person and Parent index the record: the agency it belongs
	// to, the person it concerns, the record it follows from (a decision's
	// request, a duty change's duty). Empty when not applicable.
	Agency string
	Person string
	Parent string
	// Key, when not empty, is unique within Kind: an idempotency key (a
	// request sent twice is one record) or a token's hash.
	Key  string
	Body []byte
	Salt [32]byte
	// At is when the record was written (set by the caller).
	At time.Time
	// Index is the record's leaf in the log, set by the store on append.
	Index int64
}

// Filter selects records for Store.List. Empty fields match anything.
type Filter struct {
	Kind   string
	Agency string
	Person string
	Parent string
	// From lists only records whose leaf index is at least From (paging).
	From int64
	// Limit bounds the result (0: the store's default, 1000).
	Limit int
}

// Store keeps liaison's records and the Merkle log that commits to them.
// Implementations: package sqlite (the embedded default) and package
// postgres; both pass the contract suite in package storetest.
type Store interface {
	// Append writes recs in one transaction, and for each a leaf of the
	// log in that same transaction, in order: either every record and its
	// leaf is durable when Append returns nil, or none is. A record whose
	// (Kind, ID) or non-empty (Kind, Key) is already stored fails the whole
	// call with an *Error of kind Conflicting whose Field is "id" or
	// "key". Append sets each record's Index.
	Append(ctx context.Context, recs ...*StoredRecord) error
	// Get returns the record (kind, id), or an error of kind NotFound.
	Get(ctx context.Context, kind, id string) (*StoredRecord, error)
	// ByKey returns the record of kind with the given Key, or NotFound.
	ByKey(ctx context.Context, kind, key string) (*StoredRecord, error)
	// List returns the records f selects, in log order. Appends commit
	// in leaf order, so a read sees a prefix of the log: once a record is
	// visible, so is every record before it, and a reader that has listed
	// a kind up to index i can carry on From i+1 without missing one (the
	// desk's duty scheduler does).
	List(ctx context.Context, f Filter) ([]*StoredRecord, error)
	// Close releases the store.
	Close() error
}

// OpenCaseIndex is implemented by a Store that keeps an index of open
// cases: both of liaison's stores do. The index holds every request whose
// latest record of kind case_closed or case_reopened naming it as its
// parent, in log order, is not a close (none at all, or a reopening); an
// append that writes any of the three kinds updates it in the same
// transaction, and `log verify` checks it against the records (a row
// edited, added or deleted around the log is reported).
type OpenCaseIndex interface {
	// OpenCases returns the request records of agency (every agency's
	// when empty) that the index holds, newest first, whose leaf index is
	// below before (no bound when before <= 0), at most limit of them.
	// Each row returned is checked against its body as List's are.
	OpenCases(ctx context.Context, agency string, before int64, limit int) ([]*StoredRecord, error)
}

// HealthReporter is implemented by a Store that checks itself for damage:
// both of liaison's stores do, when they open (SQLite's integrity check; the
// log's tree against its last signed checkpoint).
type HealthReporter interface {
	// Health returns nil when the store answers and may take writes, and
	// otherwise an *Error of kind Unavailable whose message says what is
	// wrong and what to do. A damaged store refuses every write with that
	// same error; reads go on.
	Health(ctx context.Context) error
}

// eachPage is how many records Each asks the store for at a time.
const eachPage = 1000

// Each hands fn each record f selects from leaf index from on, decoded from
// its JSON body as a T, with its index, a page at a time in log order
// (f.Limit and f.From are its own). It returns where to go on from: every
// record f selects below it has been handed to fn, also when it returns an
// error. A reader that keeps that index reads only what is new next time
// (see Store.List).
func Each[T any](ctx context.Context, s Store, f Filter, from int64, fn func(v T, index int64)) (int64, error) {
	f.Limit = eachPage
	for {
		f.From = from
		recs, err := s.List(ctx, f)
		if err != nil {
			return from, err
		}
		for _, r := range recs {
			var v T
			if err := json.Unmarshal(r.Body, &v); err != nil {
				return from, fmt.Errorf("decode %s %s: %w", r.Kind, r.ID, err)
			}
			fn(v, r.Index)
			from = r.Index + 1
		}
		if len(recs) < eachPage {
			return from, nil
		}
	}
}

// NewID returns a new record id: the kind's prefix, then 32 hex digits, the
// first 12 the milliseconds since 1970 at now and the rest random, from r
// ("req_019ad5c3e2a1…"). Ids made later sort later (to the millisecond),
// so a store's indexes on ids take new ids at their end rather than all
// over, as they would purely random ids; the 80 random bits keep ids made
// in the same millisecond apart.
func NewID(r io.Reader, now time.Time, prefix string) (string, error) {
	var b [16]byte
	ms := uint64(now.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	if _, err := io.ReadFull(r, b[6:]); err != nil {
		return "", fmt.Errorf("new %s id: %w", prefix, err)
	}
	return prefix + "_" + hex.EncodeToString(b[:]), nil
}
