package sqlstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"liaison"
	"liaison/ledger"
)

// damageError is a store found unfit to take writes: its database damaged, or
// its log's tree no longer the one its last signed checkpoint commits to.
// Writes then fail with it; reads go on, so that what is left can be read
// and verified.
func damageError(name string, problems []string) *liaison.Error {
	return &liaison.Error{Kind: liaison.Unavailable, Message: fmt.Sprintf(
		"%s: the store is damaged and refuses writes: %s. Stop liaison, run `liaison log verify --db DSN --keys DIR` to see what is wrong, "+
			"and restore the database from a backup (docs/operations.md, \"Backups\")", name, strings.Join(problems, "; "))}
}

// Health reports whether the store may take writes: nil when its database
// answers and no damage has been found, at New or since; otherwise an error
// of kind liaison.Unavailable that says what is wrong and what to do. It
// compares the log's tree with the last signed checkpoint again (a few
// reads), and damage it finds stays: writes are refused from then on.
func (s *Store) Health(ctx context.Context) error {
	if d := s.damage.Load(); d != nil {
		return d
	}
	problem, err := s.checkTree(ctx)
	if err != nil {
		return &liaison.Error{Kind: liaison.Unavailable, Message: fmt.Sprintf("%s: the database does not answer", s.d.Name), Err: err}
	}
	if problem != "" {
		return s.damaged([]string{problem})
	}
	return nil
}

// damaged records problems as the store's damage and returns it. The first
// damage found is kept.
func (s *Store) damaged(problems []string) *liaison.Error {
	s.damage.CompareAndSwap(nil, damageError(s.d.Name, problems))
	return s.damage.Load()
}

// refuse returns the store's damage, if any: every write checks it first.
func (s *Store) refuse() error {
	if d := s.damage.Load(); d != nil {
		return d
	}
	return nil
}

// checkTree compares the log's tree with the last signed checkpoint: the
// one with the largest size of those stored in the database and the one
// kept outside it (Config.Outside, see package sqlite), so that appends lost
// together with the checkpoint row that covered them (a damaged WAL drops a
// suffix of the commits) are still found. The tree must be at least the
// checkpoint's size, and its root at that size must be the checkpoint's. It
// returns what is wrong, or "" when nothing is (or no checkpoint is known
// yet). An error is the database failing to answer; a database that
// answers with corruption is a problem, not an error. Signatures are not
// checked here (the store has no key): `log verify` checks them.
func (s *Store) checkTree(ctx context.Context) (problem string, err error) {
	var cp ledger.Checkpoint
	where := "stored"
	signed, err := s.LatestCheckpoint(ctx)
	if err != nil && liaison.KindOf(err) != liaison.NotFound {
		return s.answerOrProblem(err, "read the last checkpoint")
	}
	if err == nil {
		if cp, err = ParseSigned(signed); err != nil {
			return fmt.Sprintf("the last stored checkpoint cannot be read: %v", err), nil
		}
	}
	if s.outside != nil {
		signed, err := s.outside.Latest()
		if err != nil {
			return fmt.Sprintf("the checkpoint kept outside the database cannot be read: %v", err), nil
		}
		if signed != nil {
			out, err := ParseSigned(signed)
			if err != nil {
				return fmt.Sprintf("the checkpoint kept outside the database cannot be read: %v", err), nil
			}
			if out.Size > cp.Size {
				cp, where = out, "kept outside the database ("+s.outside.Name()+")"
			}
		}
	}
	if cp.Size == 0 {
		return "", nil
	}
	size, err := s.TreeSize(ctx)
	if err != nil {
		return s.answerOrProblem(err, "read the tree size")
	}
	if size < cp.Size {
		return fmt.Sprintf("the log has %d leaves, fewer than the %d its last signed checkpoint (%s) covers: appends were lost or removed", size, cp.Size, where), nil
	}
	root, err := ledger.TreeHash(ctx, s, cp.Size)
	if err != nil {
		return s.answerOrProblem(err, fmt.Sprintf("hash the tree at size %d", cp.Size))
	}
	if root != cp.Hash {
		return fmt.Sprintf("the log's tree at size %d has root %s, not the %s its last signed checkpoint (%s) commits to: the log was changed", cp.Size, root, cp.Hash, where), nil
	}
	return "", nil
}

// ParseSigned reads the checkpoint in a signed note (its text, a blank
// line, and the signatures), without checking the signatures.
func ParseSigned(signed []byte) (ledger.Checkpoint, error) {
	text := signed
	if i := bytes.Index(signed, []byte("\n\n")); i >= 0 {
		text = signed[:i+1]
	}
	return ledger.ParseCheckpoint(text)
}

// Outside keeps the latest signed checkpoint somewhere other than the
// database, where damage to the database does not reach it (package
// sqlite: a file beside the database).
type Outside interface {
	// Name says where, for messages.
	Name() string
	// Latest returns the signed note kept, or nil when none is.
	Latest() ([]byte, error)
	// Keep durably keeps signed, a checkpoint of size, unless one of a
	// larger size is kept already. WriteCheckpoint calls it after the
	// checkpoint is stored.
	Keep(size int64, signed []byte) error
}

// answerOrProblem sorts a failed read: a database out of reach (or ctx
// done) is an error; anything else, such as a corrupt page, is a problem
// with the store.
func (s *Store) answerOrProblem(err error, op string) (string, error) {
	if liaison.KindOf(err) == liaison.Unavailable || s.d.Transient != nil && s.d.Transient(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "", err
	}
	return fmt.Sprintf("cannot %s: %v", op, err), nil
}
