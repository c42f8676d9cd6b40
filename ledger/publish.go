package ledger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"liaison"
)

// PublishStore is what a Publisher reads and writes.
type PublishStore interface {
	Reader
	CheckpointStore
}

// Publisher makes the log's checkpoints: on an interval (Run) and on demand
// (Publish). Before it signs, it checks the tree against the latest stored
// checkpoint, so it never signs a tree that rewrote what it signed before
// (which tlog-checkpoint forbids and a witness would catch).
type Publisher struct {
	// Store holds the tree and the checkpoints.
	Store PublishStore
	// Signer signs with the log's key.
	Signer *Signer
	// Logger receives a line per checkpoint and per failure in Run; nil
	// discards them.
	Logger *slog.Logger
}

// ErrInconsistent is returned (wrapped) by Publish when the tree no longer
// extends the latest signed checkpoint: records were changed, deleted or
// inserted under the log. Nothing is signed. The operator should run
// `liaison log verify` to find them; the log must not be signed again until
// the store is restored from a backup that matches the checkpoint.
var ErrInconsistent = errors.New("the tree does not extend the latest signed checkpoint")

// Publish signs and stores a checkpoint of the tree as it is now, and
// returns it. When the tree has not grown since the latest checkpoint, it
// returns that one and stores nothing.
func (p *Publisher) Publish(ctx context.Context) (Checkpoint, error) {
	size, err := p.Store.TreeSize(ctx)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("publish checkpoint: tree size: %w", err)
	}
	root, err := TreeHash(ctx, p.Store, size)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("publish checkpoint: %w", err)
	}
	cp := Checkpoint{Origin: p.Signer.Origin(), Size: size, Hash: root}

	signed, err := p.Store.LatestCheckpoint(ctx)
	switch {
	case liaison.KindOf(err) == liaison.NotFound:
		// The first checkpoint.
	case err != nil:
		return Checkpoint{}, fmt.Errorf("publish checkpoint: latest checkpoint: %w", err)
	default:
		latest, err := p.Signer.Verifier().Open(signed)
		if err != nil {
			return Checkpoint{}, fmt.Errorf("publish checkpoint: the latest stored checkpoint does not verify with this log's key (was the key or the origin changed?): %w", err)
		}
		if err := p.extends(ctx, latest, cp); err != nil {
			if errors.Is(err, ErrInconsistent) {
				p.damaged(ctx)
			}
			return Checkpoint{}, fmt.Errorf("publish checkpoint of size %d: %w", size, err)
		}
		if latest.Size == size {
			return latest, nil
		}
		// A store that records its checkpoints in the log (see
		// recorded.go) appended the latest one's record after it: that
		// alone is not worth a checkpoint, or each would call for the
		// next.
		if latest.Size == size-1 {
			leaves, err := p.Store.ReadLeaves(ctx, latest.Size, 1)
			if err != nil {
				return Checkpoint{}, fmt.Errorf("publish checkpoint: %w", err)
			}
			if leaves[0].Kind == liaison.KindCheckpoint && leaves[0].ID == CheckpointRecordID(latest.Size) {
				return latest, nil
			}
		}
	}

	signed, err = p.Signer.Sign(cp)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("publish checkpoint: %w", err)
	}
	if err := p.Store.WriteCheckpoint(ctx, cp, signed); err != nil {
		return Checkpoint{}, fmt.Errorf("publish checkpoint of size %d: store: %w", size, err)
	}
	return cp, nil
}

// damaged asks a store that checks itself (liaison.HealthReporter) to look
// again, once Publish has found its tree no longer extending the last
// signed checkpoint: the store then refuses writes from this moment, not
// only from its next start or /readyz, so that nothing more is appended to a
// log that has been rolled back behind its checkpoint while serving.
func (p *Publisher) damaged(ctx context.Context) {
	if h, ok := p.Store.(liaison.HealthReporter); ok {
		if err := h.Health(ctx); err != nil && p.Logger != nil {
			p.Logger.ErrorContext(ctx, "log: the store refuses writes", "err", err)
		}
	}
}

// extends checks that the tree headed by cp extends latest.
func (p *Publisher) extends(ctx context.Context, latest, cp Checkpoint) error {
	switch {
	case latest.Size > cp.Size:
		return fmt.Errorf("%w: the tree has %d leaves but a checkpoint of %d was signed", ErrInconsistent, cp.Size, latest.Size)
	case latest.Size == cp.Size:
		if latest.Hash != cp.Hash {
			return fmt.Errorf("%w: the root at size %d differs from the signed one", ErrInconsistent, cp.Size)
		}
		return nil
	case latest.Size == 0:
		return CheckConsistency(nil, latest, cp)
	}
	proof, err := ProveConsistency(ctx, p.Store, latest.Size, cp.Size)
	if err != nil {
		return err
	}
	if err := CheckConsistency(proof, latest, cp); err != nil {
		return fmt.Errorf("%w: %w", ErrInconsistent, err)
	}
	return nil
}

// Run publishes a checkpoint now and then every interval until ctx is done,
// and returns ctx's error. A failed Publish is logged and tried again at the
// next tick.
func (p *Publisher) Run(ctx context.Context, every time.Duration) error {
	logger := p.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	last := int64(-1)
	for {
		cp, err := p.Publish(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			logger.ErrorContext(ctx, "log: publish checkpoint", "err", err)
		case err == nil && cp.Size != last:
			logger.InfoContext(ctx, "log: checkpoint", "size", cp.Size, "root", cp.Hash.String())
			last = cp.Size
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
