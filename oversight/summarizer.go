package oversight

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"

	"liaison"
	"liaison/ledger"
)

// SummaryStore keeps summaries. Both of liaison's SQL stores implement it
// (migration 0007_dashboard_summaries).
type SummaryStore interface {
	// SaveSummary keeps body, the summary of the first size leaves, and
	// may drop those of smaller sizes. One already kept at that size
	// stays.
	SaveSummary(ctx context.Context, size int64, body []byte) error
	// LatestSummary returns the kept summary of the largest size, or an
	// error of kind liaison.NotFound when none is kept.
	LatestSummary(ctx context.Context) (size int64, body []byte, err error)
}

// Store is what a Summarizer reads and writes: the records, the log's tree
// (to cite its head) and the kept summaries.
type Store interface {
	liaison.Store
	ledger.Reader
	SummaryStore
}

// Checkpoint is the tree head the figures were computed at: the log's
// first Size leaves, and their root hash (base64, as in a C2SP checkpoint).
// Any signed checkpoint of the same or a later size proves it.
type Checkpoint struct {
	Size int64  `json:"tree_size"`
	Root string `json:"root_hash"`
}

// Figures are the published tables over one scope, at one checkpoint.
type Figures struct {
	Scope      Scope        `json:"-"`
	Agency     *Agency      `json:"agency,omitempty"`
	Checkpoint Checkpoint   `json:"checkpoint"`
	K          int          `json:"k"`
	Tables     []*Published `json:"-"`
}

// Table returns the table id, or nil.
func (f *Figures) Table(id string) *Published {
	for _, t := range f.Tables {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// Summarizer keeps the summary of the whole log up to date. It is safe
// for concurrent use.
type Summarizer struct {
	store Store
	// SaveEvery is how many leaves a summary must have grown by before it
	// is kept again (default 10,000): a new process folds at most that
	// many before it answers.
	SaveEvery int64
	// Progress, if set, is told how far a catch-up has come.
	Progress func(done, total int64)

	mu    sync.Mutex
	sum   *Summary
	saved int64
}

// NewSummarizer returns a Summarizer over store.
func NewSummarizer(store Store) *Summarizer {
	return &Summarizer{store: store, SaveEvery: 10_000}
}

// Agencies returns the agencies the summary knows, by id.
func (z *Summarizer) Agencies(ctx context.Context) (map[string]Agency, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if _, err := z.update(ctx); err != nil {
		return nil, err
	}
	return maps.Clone(z.sum.Agencies), nil
}

// Figures brings the summary up to the log's current size and returns the
// tables over sc published with threshold k (k <= 1: unsuppressed, for the
// oversight body itself). An agency sc names that the records do not hold
// is an error of kind NotFound.
func (z *Summarizer) Figures(ctx context.Context, sc Scope, k int) (*Figures, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.figures(ctx, sc, k)
}

// figures is Figures, with z.mu held.
func (z *Summarizer) figures(ctx context.Context, sc Scope, k int) (*Figures, error) {
	cp, err := z.update(ctx)
	if err != nil {
		return nil, err
	}
	f := &Figures{Scope: sc, Checkpoint: cp, K: k}
	if sc.Agency != "" {
		a, ok := z.sum.Agencies[sc.Agency]
		if !ok {
			return nil, liaison.Errorf(liaison.NotFound, "agency", "no agency %s", sc.Agency)
		}
		f.Agency = &a
	}
	tables := z.sum.Tables(sc)
	for _, t := range tables {
		f.Tables = append(f.Tables, Suppress(t, k))
	}
	// Requests by month and kind, and by kind and form, share the
	// totals by kind.
	f.Tables[0], f.Tables[1] = linked(tables[0], tables[1], k)
	return f, nil
}

// update folds the records appended since the summary's size, loading
// the latest kept summary first if it has none, and keeps the result
// when it has grown by SaveEvery. It returns the checkpoint folded to.
func (z *Summarizer) update(ctx context.Context) (Checkpoint, error) {
	if z.sum == nil {
		sum, err := z.load(ctx)
		if err != nil {
			return Checkpoint{}, err
		}
		z.sum, z.saved = sum, sum.Size
	}
	size, err := z.store.TreeSize(ctx)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("figures: %w", err)
	}
	// Fold up to each save point in turn and keep the summary there: a
	// long first fold (a large store with no summary kept) is not lost
	// when it stops half-way.
	every := max(z.SaveEvery, 1)
	var progress func(done, total int64)
	if z.Progress != nil {
		start := z.sum.Size
		progress = func(done, total int64) { z.Progress(z.sum.Size-start, size-start) }
	}
	for z.sum.Size < size {
		next := min(size, z.saved+every)
		if next <= z.sum.Size {
			next = size
		}
		if err := foldTo(ctx, z.store, z.sum, next, progress); err != nil {
			return Checkpoint{}, err
		}
		if z.sum.Size-z.saved < every {
			continue
		}
		body, err := json.Marshal(z.sum)
		if err != nil {
			return Checkpoint{}, fmt.Errorf("figures: encode summary: %w", err)
		}
		if err := z.store.SaveSummary(ctx, z.sum.Size, body); err != nil {
			return Checkpoint{}, fmt.Errorf("figures: %w", err)
		}
		z.saved = z.sum.Size
	}
	return checkpointAt(ctx, z.store, z.sum.Size)
}

// load returns the latest kept summary, or an empty one.
func (z *Summarizer) load(ctx context.Context) (*Summary, error) {
	_, body, err := z.store.LatestSummary(ctx)
	if liaison.KindOf(err) == liaison.NotFound {
		return NewSummary(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("figures: %w", err)
	}
	// A kept summary that does not decode (written by a build that kept
	// another format, or damaged) is derived data: fold the records again
	// rather than refuse to answer. `report --verify` reports it.
	sum := NewSummary()
	if err := json.Unmarshal(body, sum); err != nil {
		return NewSummary(), nil
	}
	return sum, nil
}

// foldPage is how many records a catch-up reads at a time.
const foldPage = 1000

// foldTo folds the records of leaves sum.Size to size-1 into sum.
func foldTo(ctx context.Context, s liaison.Store, sum *Summary, size int64, progress func(done, total int64)) error {
	start := sum.Size
	for sum.Size < size {
		recs, err := s.List(ctx, liaison.Filter{From: sum.Size, Limit: foldPage})
		if err != nil {
			return fmt.Errorf("figures: %w", err)
		}
		if len(recs) == 0 || recs[0].Index != sum.Size {
			return liaison.Errorf(liaison.Unavailable, "", "figures: the record of leaf %d is missing: run `liaison log verify`", sum.Size)
		}
		for _, r := range recs {
			if r.Index >= size {
				break
			}
			if err := sum.Fold(ctx, s, r); err != nil {
				return fmt.Errorf("figures: %w", err)
			}
		}
		if progress != nil {
			progress(sum.Size-start, size-start)
		}
	}
	return nil
}

// checkpointAt is the tree head at size.
func checkpointAt(ctx context.Context, r ledger.HashReader, size int64) (Checkpoint, error) {
	root, err := ledger.TreeHash(ctx, r, size)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("figures: tree hash at %d: %w", size, err)
	}
	return Checkpoint{Size: size, Root: base64.StdEncoding.EncodeToString(root[:])}, nil
}

// Verify folds the log's records again from the first and compares the
// result with the latest kept summary, at its size. It returns the size
// checked (0 with none kept) and an error of kind Conflicting that names
// the counts that differ when the kept summary is not what the records
// give. (`liaison log verify` makes the same check as it reads the log
// for its own, with a Check.)
func Verify(ctx context.Context, s Store, progress func(done, total int64)) (int64, error) {
	c, err := NewCheck(ctx, s)
	if err != nil || c.want == nil {
		return 0, err
	}
	if err := foldTo(ctx, s, c.want, c.size, progress); err != nil {
		return c.size, fmt.Errorf("verify summary of size %d: %w", c.size, err)
	}
	return c.size, c.compare()
}

// A Check compares the latest kept summary with the records, folded
// again from the first as ledger.Verify gives them (a ledger.RecordCheck):
// `liaison log verify` reads the log once for both.
type Check struct {
	get  Getter
	size int64
	body []byte
	want *Summary // nil: nothing to check
	// broken says why the records could not be folded, when they could
	// not (a record gone, a body that does not decode).
	broken string
}

var _ ledger.RecordCheck = (*Check)(nil)

// NewCheck reads the latest kept summary of s. With none kept, or one in
// an earlier build's format (the server does not read it: it folds the
// records again, and keeps the new summary in its place), there is
// nothing to check and the Check finds nothing.
func NewCheck(ctx context.Context, s Store) (*Check, error) {
	size, body, err := s.LatestSummary(ctx)
	if liaison.KindOf(err) == liaison.NotFound {
		return &Check{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("verify summary: %w", err)
	}
	c := &Check{get: s, size: size, body: body}
	if !olderFormat(body) {
		c.want = NewSummary()
	}
	return c, nil
}

// Record folds r, the record of leaf index, when the kept summary covers
// it.
func (c *Check) Record(ctx context.Context, r *ledger.Record, index int64) error {
	if c.want == nil || c.broken != "" || index >= c.size {
		return nil
	}
	if index != c.want.Size {
		c.broken = fmt.Sprintf("the record of leaf %d is missing", c.want.Size)
		return nil
	}
	rec := &liaison.StoredRecord{Kind: r.Kind, ID: r.ID, Agency: r.Agency, Person: r.Person, Parent: r.Parent, Key: r.Key,
		Body: r.Body, Salt: r.Salt, At: r.At, Index: index}
	if err := c.want.Fold(ctx, c.get, rec); err != nil {
		c.broken = err.Error()
	}
	return nil
}

// Problems reports the kept summary, as a derived problem, when it is not
// what the records folded give, or when they could not be folded.
func (c *Check) Problems(context.Context) ([]ledger.Problem, error) {
	if c.want == nil {
		return nil, nil
	}
	if c.broken == "" && c.want.Size < c.size {
		c.broken = fmt.Sprintf("the record of leaf %d is missing", c.want.Size)
	}
	err := c.compare()
	if c.broken != "" {
		err = fmt.Errorf("the kept summary of size %d could not be checked: %s", c.size, c.broken)
	}
	if err == nil {
		return nil, nil
	}
	return []ledger.Problem{{Kind: ledger.Derived, Index: -1, Message: err.Error()}}, nil
}

// compare returns an error of kind Conflicting that names the counts that
// differ when the kept summary is not c.want, the records folded up to its
// size.
func (c *Check) compare() error {
	size, body, want := c.size, c.body, c.want
	wantBody, err := json.Marshal(want)
	if err != nil {
		return fmt.Errorf("verify summary: %w", err)
	}
	if bytes.Equal(body, wantBody) {
		return nil
	}
	kept := NewSummary()
	if err := json.Unmarshal(body, kept); err != nil {
		return liaison.Errorf(liaison.Conflicting, "", "the kept summary of size %d is not what the records give: it does not decode (%v)", size, err)
	}
	var diffs []string
	for _, k := range slices.SortedFunc(maps.Keys(mergeKeys(kept.Counts, want.Counts)), compareKeys) {
		if kept.Counts[k] != want.Counts[k] {
			diffs = append(diffs, fmt.Sprintf("%s %s %s %q/%q: kept %d, records give %d", k.Agency, k.Month, k.Figure, k.Row, k.Col, kept.Counts[k], want.Counts[k]))
		}
	}
	if len(diffs) == 0 {
		diffs = append(diffs, "the counts agree; the agencies or the open facts differ")
	}
	more := ""
	if len(diffs) > 5 {
		more = fmt.Sprintf(" (and %d more)", len(diffs)-5)
		diffs = diffs[:5]
	}
	return liaison.Errorf(liaison.Conflicting, "", "the kept summary of size %d is not what the records give: %v%s", size, diffs, more)
}

func mergeKeys(a, b map[Key]int64) map[Key]bool {
	out := make(map[Key]bool, len(a))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}
