package liaison

import "context"

// A ReplayRow is what a simulation reads of one stored decision (see
// ReplayIndex): ints and short strings, no JSON. It is derived from the
// records: the decision's, and its request's facts as they stood when it
// was made.
type ReplayRow struct {
	Index   int64 // the decision's leaf index
	ID      string
	Agency  string
	Request string
	Action  Action
	AsOf    int64 // microseconds since 1970, UTC
	// Facts is the key of the decision's fact set without its times (a
	// ReplayFacts), Times the times it held, path=microseconds, each
	// followed by a semicolon ("subject.convictions.0.date=1420156800000000;").
	Facts, Times string
	Outcome      Outcome
	// Decisive names the decisive rules, pack/rule, each followed by a
	// space.
	Decisive        string
	PackSet, Engine string
}

// ReplayFacts is a fact set without its times, as canonical JSON (a
// decision request without as_of and action), under its key: the
// hexadecimal SHA-256 of the body. Many decisions share one.
type ReplayFacts struct {
	Key  string
	Body []byte
}

// ReplayIndex is implemented by a Store that keeps the replay rows: a
// table derived from the records, filled up to a leaf index by whoever
// derives them (the desk), and read by simulations. Rows and fact sets
// are trusted by nobody: `log verify` derives them again and reports
// those that differ.
type ReplayIndex interface {
	// ReplaySize returns the log size up to which the rows are derived
	// (0 when none are).
	ReplaySize(ctx context.Context) (int64, error)
	// AddReplay adds rows and fact sets derived from the leaves from
	// ReplaySize up to size, and moves ReplaySize to size, in one
	// transaction. It fails with Conflicting when ReplaySize is no longer
	// from (another caller added them first).
	AddReplay(ctx context.Context, from, size int64, facts []ReplayFacts, rows []ReplayRow) error
	// ReplayRows calls fn with each row of agency (of every agency when
	// empty) whose as_of is in
	// [from, to) (microseconds), in order of leaf index. fn must not keep
	// the row.
	ReplayRows(ctx context.Context, agency string, from, to int64, fn func(*ReplayRow) error) error
	// ReplayFactSets returns every fact set (each Body valid until the
	// next call).
	ReplayFactSets(ctx context.Context) ([]ReplayFacts, error)
}
