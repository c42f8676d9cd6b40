package liaison

import "context"

// A ReplayPage is up to a fixed number of consecutive replay rows of one
// agency (see ReplayIndex), in order of leaf index, encoded by whoever
// derives them (the desk) into one opaque body: a simulation reads a
// page, not a row, at a time. The rows hold small integers that name
// strings of the index (ReplayStrings): actions, outcomes, decisive
// rules, pack sets, fact sets.
type ReplayPage struct {
	Agency string
	// Page is its number among the agency's pages, from 0. The last one
	// is written again as it grows.
	Page int64
	// First and Last are the leaf indexes of its first and last rows;
	// From and To the least and greatest as_of (microseconds since 1970,
	// UTC) of its rows.
	First, Last int64
	From, To    int64
	Rows        int
	Body        []byte
}

// ReplayIndex is implemented by a Store that keeps the replay rows: pages
// and strings derived from the records, filled up to a leaf index by
// whoever derives them (the desk), and read by simulations. They are
// trusted by nobody: `log verify` derives them again and reports those
// that differ.
type ReplayIndex interface {
	// ReplaySize returns the log size up to which the rows are derived
	// (0 when none are).
	ReplaySize(ctx context.Context) (int64, error)
	// AddReplay adds strings, numbered from first on (first is how many
	// the index holds), writes pages (each replacing the agency's page
	// of its number, if any), and moves ReplaySize from from to size, in
	// one transaction. It fails with Conflicting when ReplaySize is no
	// longer from (another caller added them first).
	AddReplay(ctx context.Context, from, size, first int64, strs []string, pages []ReplayPage) error
	// ReplayStrings returns every string of the index, in order of their
	// numbers (the first is number 0).
	ReplayStrings(ctx context.Context) ([]string, error)
	// ReplayShortStrings returns every string of the index of at most
	// maxLen characters, by number: strs has one entry per string, the
	// longer ones "" and their numbers in long (ascending), to be read
	// with ReplayStringsOf when needed.
	ReplayShortStrings(ctx context.Context, maxLen int) (strs []string, long []int64, err error)
	// ReplayStringsOf returns the strings numbered ids, in that order. It
	// fails with Conflicting when one is missing.
	ReplayStringsOf(ctx context.Context, ids []int64) ([]string, error)
	// ReplayPages calls fn with each page of agency (of every agency
	// when empty) that holds some row whose as_of is in [from, to)
	// (microseconds), in order of agency and page number. fn must not
	// keep the page.
	ReplayPages(ctx context.Context, agency string, from, to int64, fn func(*ReplayPage) error) error
	// ReplayTails returns the last page of each agency.
	ReplayTails(ctx context.Context) ([]ReplayPage, error)
}
