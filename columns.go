package liaison

import (
	"fmt"
	"strings"
)

// The columns a store looks records up by (StoredRecord's Agency, Person,
// Parent and Key) are an index, not the truth: the truth is the committed
// body. For each kind the body fixes some of them; Columns says which and
// what they must hold, so that
//
//   - Append refuses a record whose columns disagree with its body;
//   - `log verify` checks every row's columns against its body (and the
//     leaf, from format 2 on, commits to all of them and to At);
//   - a store's reads check the columns of every row they return, so that
//     a column edited behind the store's back (a person moved to another
//     agency, a token's key set to the hash of a secret of one's choosing)
//     fails the read loudly instead of granting anything.
//
// A column the body does not fix (a decision's person, which its request
// holds; a token revocation's agency, which its token holds) is covered by
// the leaf only.

// Column names one of a record's index columns.
type Column uint8

// The index columns.
const (
	ColumnAgency Column = 1 << iota
	ColumnPerson
	ColumnParent
	ColumnKey
)

func (c Column) String() string {
	switch c {
	case ColumnAgency:
		return "agency"
	case ColumnPerson:
		return "person"
	case ColumnParent:
		return "parent"
	case ColumnKey:
		return "key"
	}
	return fmt.Sprintf("column(%d)", uint8(c))
}

// Columns are the index columns of a record as its body fixes them. Fixed
// holds the columns the body fixes; the others are free.
type Columns struct {
	Agency, Person, Parent, Key string
	Fixed                       Column
}

// columnFields are the members of a record's body that its columns come
// from, all strings: "request" only of the records that name their request
// by id (a request record's "request" is the federal request, an object),
// "action" only of a delivery, its claim and its outcome (an action's is the
// kind of action).
type columnFields struct {
	id, agency, person, request, duty, action, token, hash, idempotencyKey, number, contact, messageID, session, code, slot, key string
}

// field returns where the body member named key goes for a record of kind,
// or nil when its columns do not come from it.
func (f *columnFields) field(kind string, key []byte) *string {
	switch string(key) {
	case "id":
		return &f.id
	case "agency":
		return &f.agency
	case "person":
		return &f.person
	case "request":
		switch kind {
		case KindRead, KindDecision, KindDuty, KindAction, KindOverride, KindFacts, KindActionOutcome, KindCaseClosed, KindCaseReopened:
			return &f.request
		}
	case "duty":
		return &f.duty
	case "action":
		switch kind {
		case KindDelivery, KindDeliveryClaim, KindActionOutcome:
			return &f.action
		}
	case "token":
		return &f.token
	case "hash":
		return &f.hash
	case "idempotency_key":
		return &f.idempotencyKey
	case "contact":
		if kind == KindContactFinding {
			return &f.contact
		}
	case "message_id":
		return &f.messageID
	case "session":
		if kind == KindSessionSeen || kind == KindSessionEnded {
			return &f.session
		}
	case "code":
		if kind == KindSignInCodeUsed {
			return &f.code
		}
	case "slot":
		if kind == KindDeliveryClaim {
			return &f.slot
		}
	case "key":
		if kind == KindDutyChange || kind == KindCaseClosed || kind == KindCaseReopened {
			return &f.key
		}
	case "number":
		if kind == KindBooking {
			return &f.number
		}
	}
	return nil
}

// all is every column.
const all = ColumnAgency | ColumnPerson | ColumnParent | ColumnKey

// ColumnsOf returns the index columns that the body of a record of the
// given kind fixes. A kind it does not know fixes none. A body of a known
// kind that is not a JSON object of the record's type is an error of kind
// Invalid.
func ColumnsOf(kind string, body []byte) (Columns, error) {
	fixed := all
	switch kind {
	case KindAgency, KindPerson, KindCustodyEvent, KindRequest, KindDutyChange, KindDelivery, KindRead, KindToken, KindCheckpoint, KindPackSet, KindBooking, KindContact, KindContactFinding, KindContactDraft,
		KindSession, KindSessionSeen, KindSessionEnded, KindSignInCode, KindSignInCodeUsed,
		KindDeliveryClaim, KindActionOutcome, KindChannel, KindCaseClosed, KindCaseReopened:
	case KindDecision, KindDuty, KindAction, KindOverride, KindFacts:
		fixed = ColumnAgency | ColumnParent | ColumnKey // the person is the request's
	case KindTokenRevoked:
		fixed = ColumnPerson | ColumnParent | ColumnKey // the agency is the token's
	default:
		return Columns{}, nil
	}
	var b columnFields
	if err := scanStrings(body, func(key []byte) *string { return b.field(kind, key) }); err != nil {
		return Columns{}, Errorf(Invalid, "body", "%s record: the body is not a %s record: %v", kind, kind, err)
	}
	c := Columns{Agency: b.agency, Fixed: fixed}
	switch kind {
	case KindAgency:
		c.Agency = b.id
	case KindPerson:
		c.Person = b.id
	case KindCustodyEvent:
		c.Person, c.Parent = b.person, b.person
	case KindRequest:
		c.Person = b.person
		if b.idempotencyKey != "" {
			c.Key = b.agency + "/" + b.idempotencyKey
		}
	case KindRead:
		c.Person, c.Parent = b.person, b.request
		if c.Parent == "" {
			c.Parent = b.person
		}
	case KindDecision, KindDuty, KindOverride:
		c.Parent = b.request
	case KindAction:
		c.Parent = b.request
		if b.idempotencyKey != "" {
			c.Key = b.request + "/" + b.idempotencyKey
		}
	case KindDeliveryClaim:
		c.Parent, c.Key = b.action, b.slot
	case KindActionOutcome:
		c.Parent, c.Key = b.request, b.action
	case KindFacts:
		c.Parent = b.request
		if b.idempotencyKey != "" {
			c.Key = b.request + "/" + b.idempotencyKey
		}
	case KindDutyChange:
		c.Parent, c.Key = b.duty, b.key
	case KindContact:
		c.Person = b.person
		if b.idempotencyKey != "" {
			c.Key = b.agency + "/" + b.idempotencyKey
		}
	case KindContactFinding:
		c.Parent = b.contact
	case KindContactDraft:
		c.Key = b.agency + "/" + b.messageID
	case KindDelivery:
		c.Parent = b.action
	case KindCaseClosed, KindCaseReopened:
		// The key is the request's, in a round: CaseKey.
		c.Person, c.Parent, c.Key = b.person, b.request, b.key
		if c.Key == "" && kind == KindCaseClosed {
			c.Key = b.request
		}
		if !caseKey(kind, b.request, c.Key) {
			return Columns{}, Errorf(Invalid, "key", "%s record: key %q is not its request %q in a round (CaseKey)", kind, c.Key, b.request)
		}
	case KindToken:
		c.Key = b.hash
	case KindPackSet:
		c.Key = b.id // the hash of its files, which the desk checks on load
	case KindBooking:
		c.Person, c.Parent, c.Key = b.person, b.person, b.agency+"/"+b.number
	case KindTokenRevoked:
		c.Agency, c.Parent, c.Key = "", b.token, b.token
	case KindSession, KindSignInCode:
		c.Key = b.hash
	case KindSessionSeen:
		c.Parent = b.session
	case KindSessionEnded:
		c.Parent, c.Key = b.session, b.session // a session ends once
	case KindSignInCodeUsed:
		c.Parent, c.Key = b.code, b.code // a code is used once
	}
	return c, nil
}

// Mismatch returns the first column of r that its body fixes to another
// value, with the two values; ok is false when there is none.
func (c Columns) Mismatch(r *StoredRecord) (col Column, stored, body string, ok bool) {
	for _, f := range []struct {
		col          Column
		stored, body string
	}{
		{ColumnAgency, r.Agency, c.Agency},
		{ColumnPerson, r.Person, c.Person},
		{ColumnParent, r.Parent, c.Parent},
		{ColumnKey, r.Key, c.Key},
	} {
		if c.Fixed&f.col != 0 && f.stored != f.body {
			return f.col, f.stored, f.body, true
		}
	}
	return 0, "", "", false
}

// CheckColumns reports a record whose index columns disagree with its body
// (see ColumnsOf) as an error of kind Internal that names the record and
// the column: the row was changed behind the store's back, and nothing read
// from it may be trusted. A body that does not decode is reported the same
// way.
func (r *StoredRecord) CheckColumns() error {
	c, err := ColumnsOf(r.Kind, r.Body)
	if err != nil {
		return &Error{Kind: Internal, Message: fmt.Sprintf("record %s/%s is damaged: run `liaison log verify`", r.Kind, r.ID), Err: err}
	}
	if col, stored, body, bad := c.Mismatch(r); bad {
		if col == ColumnKey {
			// A key may be a secret's hash: it stays out of the message.
			return Errorf(Internal, "", "record %s/%s is damaged: its key column does not match its body: the row was changed behind liaison's back; run `liaison log verify`", r.Kind, r.ID)
		}
		return Errorf(Internal, "", "record %s/%s is damaged: its %s column is %q but its body says %q: the row was changed behind liaison's back; run `liaison log verify`", r.Kind, r.ID, col, stored, body)
	}
	return nil
}

// caseKey reports whether key is CaseKey(request, round) for a round a
// record of kind may be in: a close in any, a reopening from 1 on.
func caseKey(kind, request, key string) bool {
	if key == request {
		return kind == KindCaseClosed
	}
	round, ok := strings.CutPrefix(key, request+"/")
	return ok && positive(round)
}

// positive reports whether s is a decimal number above 0 without leading
// zeros, as CaseKey writes a round.
func positive(s string) bool {
	if s == "" || s[0] == '0' {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
