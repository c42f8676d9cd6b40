// Package desk is liaison's application: intake of federal requests and
// custody events, decisions, gated actions sent through channels, duties
// with deadlines, and counsel's overrides. Every record it writes goes
// through a liaison.Store, which logs it in the same transaction.
package desk

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"liaison"
	"liaison/law"
	"liaison/ledger"
)

// Config holds what a Desk needs. Every field without a default is required.
type Config struct {
	Store liaison.Store
	Law   *law.Set
	// Sealer seals personal data (names, dates of birth) before it is stored.
	Sealer *Sealer
	// Channels by name; Channel names the one actions go out through when
	// their agency has none of its own (see SetChannel). The Dispatcher
	// delivers through them.
	Channels map[string]Channel
	Channel  string
	// Now and Rand default to the clock and crypto/rand; tests inject them.
	Now  func() time.Time
	Rand io.Reader
	// EscalateAfter is how long an overdue duty waits before it is
	// escalated (default 1h).
	EscalateAfter time.Duration
	Logger        *slog.Logger
}

// Desk carries out the workflow.
type Desk struct {
	store         liaison.Store
	law           *law.Set
	sealer        *Sealer
	channels      map[string]Channel
	channel       string
	now           func() time.Time
	rand          io.Reader
	escalateAfter time.Duration
	log           *slog.Logger
	watch         watch    // what Tick knows of the duties
	agencies      sync.Map // id → *liaison.AgencyRecord: records never change
	recent        recentKeys
	tokens        *Tokens
	sets          sync.Map    // pack set hash → *law.Set: the desk's own, and stored ones read
	setStored     atomic.Bool // the desk's pack set is in the store (StorePackSet)
	// outbox wakes a Dispatcher when Act records a pending action.
	outbox chan struct{}
	chans  channels // the agencies' channels (see latestChannel)
}

// New returns a Desk.
func New(cfg Config) (*Desk, error) {
	if cfg.Store == nil || cfg.Law == nil || cfg.Sealer == nil {
		return nil, errors.New("desk: Store, Law and Sealer are required")
	}
	d := &Desk{store: cfg.Store, law: cfg.Law, sealer: cfg.Sealer, channels: cfg.Channels, channel: cfg.Channel,
		now: cfg.Now, rand: cfg.Rand, escalateAfter: cfg.EscalateAfter, log: cfg.Logger, outbox: make(chan struct{}, 1)}
	if d.now == nil {
		d.now = time.Now
	}
	if d.rand == nil {
		d.rand = rand.Reader
	}
	if d.escalateAfter == 0 {
		d.escalateAfter = time.Hour
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	d.sets.Store(cfg.Law.Hash(), cfg.Law)
	if d.channel != "" && d.channels[d.channel] == nil {
		return nil, fmt.Errorf("desk: no channel named %q", d.channel)
	}
	d.tokens = NewTokens(d.store, d.now, d.rand)
	return d, nil
}

// Law returns the law the desk decides by.
func (d *Desk) Law() *law.Set { return d.law }

// Tokens returns the desk's API tokens, over its store.
func (d *Desk) Tokens() *Tokens { return d.tokens }

// newID returns a new record id with a kind prefix (see liaison.NewID).
func (d *Desk) newID(prefix string) (string, error) {
	return liaison.NewID(d.rand, d.now(), prefix)
}

// record encodes body as a StoredRecord with a fresh salt.
func (d *Desk) record(kind, id, agency, person, parent, key string, at time.Time, body any) (*liaison.StoredRecord, error) {
	return newRecord(d.rand, kind, id, agency, person, parent, key, at, body)
}

// newRecord encodes body as a StoredRecord with a fresh salt from rand.
func newRecord(rand io.Reader, kind, id, agency, person, parent, key string, at time.Time, body any) (*liaison.StoredRecord, error) {
	canon, err := ledger.MarshalCanonical(body)
	if err != nil {
		return nil, fmt.Errorf("encode %s %s: %w", kind, id, err)
	}
	salt, err := ledger.NewSalt(rand)
	if err != nil {
		return nil, err
	}
	return &liaison.StoredRecord{Kind: kind, ID: id, Agency: agency, Person: person, Parent: parent, Key: key,
		Body: canon, Salt: salt, At: at.UTC()}, nil
}

// load reads the record (kind, id) into v.
func (d *Desk) load(ctx context.Context, kind, id string, v any) (*liaison.StoredRecord, error) {
	return getRecord(ctx, d.store, kind, id, v)
}

// getRecord reads the record (kind, id) of store into v.
func getRecord(ctx context.Context, store liaison.Store, kind, id string, v any) (*liaison.StoredRecord, error) {
	rec, err := store.Get(ctx, kind, id)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(rec.Body, v); err != nil {
		return nil, fmt.Errorf("decode %s %s: %w", kind, id, err)
	}
	return rec, nil
}

// list reads every record f selects into values of type T, in log order
// (see liaison.Each); none is an empty list, not nil.
func list[T any](ctx context.Context, s liaison.Store, f liaison.Filter) ([]T, error) {
	out := []T{}
	if _, err := liaison.Each(ctx, s, f, 0, func(v T, _ int64) { out = append(out, v) }); err != nil {
		return nil, err
	}
	return out, nil
}
