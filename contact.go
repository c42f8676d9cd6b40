package liaison

import "time"

// ContactChannel is how a contact with federal officers took place.
type ContactChannel string

// Enum lists the valid contact channels.
func (ContactChannel) Enum() []string { return []string{"email", "phone", "in_person", "system"} }

// Counterpart is the federal office on the other side of a contact.
type Counterpart string

// Enum lists the valid counterparts.
func (Counterpart) Enum() []string { return []string{"ice_ero", "ice_hsi", "cbp", "other"} }

// ContactSource is how a contact came to light.
type ContactSource string

// Enum lists the valid sources. asked_first marks a question an officer
// asked before acting (kept as a record of good faith); email_scan a draft
// made from an e-mail export.
func (ContactSource) Enum() []string {
	return []string{"self_report", "audit", "complaint", "email_scan", "asked_first"}
}

// ContactRecord is a contact between an officer of an agency and federal
// immigration officers that did not go through the desk (an e-mail, a
// call), recorded afterwards, or a question an officer asked before acting
// (Source asked_first). It holds the decision of the engine under the law
// in force for the agency at the moment of the contact (At), with the pack
// set decided with: the system informs; people decide (see
// ContactFindingRecord).
type ContactRecord struct {
	ID     string `json:"id"`
	Agency string `json:"agency"`
	// Officer is the officer's id in the agency (a badge number): never
	// shown in figures or public output.
	Officer     string         `json:"officer"`
	Person      string         `json:"person,omitempty"`
	At          time.Time      `json:"at"`
	Channel     ContactChannel `json:"channel"`
	Counterpart Counterpart    `json:"counterpart"`
	Action      Action         `json:"action"`
	Disclosed   []InfoItem     `json:"disclosed"`
	Purpose     Purpose        `json:"purpose,omitempty"`
	Exigent     bool           `json:"exigent_circumstances,omitempty"`
	Source      ContactSource  `json:"source"`
	// IdempotencyKey makes recording safe to retry (per agency); a scan
	// uses the message's Message-ID.
	IdempotencyKey string   `json:"idempotency_key,omitempty"`
	Decision       Decision `json:"decision"`
	// LocalLaw cites the versions of the agency's own jurisdiction's
	// packs in force at the contact (the ordinance as it then read).
	LocalLaw []string `json:"local_law"`
	// Federal says in plain words whether 8 U.S.C. 1373 and 1644 protected
	// what was shared.
	Federal    string    `json:"federal"`
	PackSet    string    `json:"pack_set"`
	Engine     string    `json:"engine"`
	RecordedBy Actor     `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// Finding is what a reviewer found of a contact.
type Finding string

// Enum lists the valid findings.
func (Finding) Enum() []string {
	return []string{"lawful", "unlawful", "lawful_federal_protection", "cannot_be_determined"}
}

// ContactFindingRecord is a reviewer's finding on a contact, with a written
// reason. A later finding on the same contact revises it (Supersedes names
// the one it replaces); every finding stays in the record. Nothing follows
// from a finding automatically.
type ContactFindingRecord struct {
	ID      string  `json:"id"`
	Agency  string  `json:"agency"`
	Contact string  `json:"contact"`
	Finding Finding `json:"finding"`
	Reason  string  `json:"reason"`
	// OfficerStatement is the officer's account, when given.
	OfficerStatement string    `json:"officer_statement,omitempty"`
	Supersedes       string    `json:"supersedes,omitempty"`
	Actor            Actor     `json:"actor"`
	At               time.Time `json:"at"`
}

// ContactDraftRecord is a message exchanged with a federal immigration
// domain, found by scanning an agency's e-mail export: a contact to
// review, not yet described or decided. Subject and body are kept only as
// SHA-256 hashes (hex), never in clear. Its key is the agency and the
// message's Message-ID, so a scan run again adds nothing.
type ContactDraftRecord struct {
	ID        string `json:"id"`
	Agency    string `json:"agency"`
	MessageID string `json:"message_id"`
	// At is the message's Date.
	At time.Time `json:"at"`
	// Outgoing: sent from the agency's side to the federal side.
	Outgoing bool `json:"outgoing"`
	// Officer is the agency-side address; Federal the federal one.
	Officer     string      `json:"officer"`
	Federal     string      `json:"federal"`
	Counterpart Counterpart `json:"counterpart"`
	SubjectHash string      `json:"subject_sha256"`
	BodyHash    string      `json:"body_sha256"`
	RecordedBy  Actor       `json:"recorded_by"`
	RecordedAt  time.Time   `json:"recorded_at"`
}
