// Package liaison holds the vocabulary every part of liaison speaks: the
// decision request (the facts of one proposed action), the decision the
// engine returns, outcomes, effects, duties and the error kinds.
//
// It imports nothing of the project's own. The engine lives in package law;
// the law itself lives in YAML packs under packs/.
package liaison

import (
	"errors"
	"fmt"
)

// Outcome is the answer to "may this agency take this action now?".
type Outcome string

// The outcomes of a decision.
const (
	Required     Outcome = "required"     // the law obliges the agency to act
	Permitted    Outcome = "permitted"    // the agency's discretion (a rule allows it, or no rule applies)
	Forbidden    Outcome = "forbidden"    // the law bars the action
	Conflict     Outcome = "conflict"     // binding rules disagree and nothing resolves it: counsel must look
	Undetermined Outcome = "undetermined" // the answer depends on facts not given; see Decision.MissingFacts
)

// Enum lists the valid outcomes.
func (Outcome) Enum() []string {
	return []string{"required", "permitted", "forbidden", "conflict", "undetermined"}
}

// Effect is what a rule does to an action when its condition holds.
type Effect string

// The effects a rule may have.
const (
	Require Effect = "require"
	Permit  Effect = "permit"
	Forbid  Effect = "forbid"
	// Oblige marks a rule that only brings duties: it never changes the
	// outcome, and its duties attach when it holds and the outcome is one
	// of the rule's duty outcomes.
	Oblige Effect = "duty"
)

// Enum lists the valid effects.
func (Effect) Enum() []string { return []string{"require", "permit", "forbid", "duty"} }

// Outcome returns the outcome an effect gives on its own.
func (e Effect) Outcome() Outcome {
	switch e {
	case Require:
		return Required
	case Forbid:
		return Forbidden
	default:
		return Permitted
	}
}

// ErrorKind classifies an error for the people and programs that see it.
type ErrorKind string

// The error kinds. Each maps to one HTTP status in the server.
const (
	Invalid      ErrorKind = "invalid"      // the input is malformed; the message says what and where
	NotFound     ErrorKind = "not_found"    // the thing named does not exist
	Conflicting  ErrorKind = "conflict"     // the write conflicts with what is stored
	Unauthorized ErrorKind = "unauthorized" // no valid credentials
	Denied       ErrorKind = "forbidden"    // valid credentials without the right role
	Unavailable  ErrorKind = "unavailable"  // a dependency is down; retry later
	Internal     ErrorKind = "internal"     // a bug or an unexpected failure; see the logs
)

// Error is an error with a kind, a message a person can read, and, for
// invalid input, the field (a dotted path such as
// "subject.convictions[0].level") or file position it concerns.
type Error struct {
	Kind    ErrorKind `json:"kind"`
	Message string    `json:"message"`
	Field   string    `json:"field,omitempty"`
	Err     error     `json:"-"`
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind about field.
func Errorf(kind ErrorKind, field, format string, args ...any) *Error {
	return &Error{Kind: kind, Field: field, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}
