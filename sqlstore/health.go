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

// checkTree compares the log's tree with the last signed checkpoint stored:
// the tree must be at least the checkpoint's size, and its root at that size
// must be the checkpoint's. It returns what is wrong, or "" when nothing is
// (or no checkpoint is stored yet). An error is the database failing to
// answer; a database that answers with corruption is a problem, not an
// error. The signature is not checked here (the store has no key): `log
// verify` checks it.
func (s *Store) checkTree(ctx context.Context) (problem string, err error) {
	signed, err := s.LatestCheckpoint(ctx)
	if liaison.KindOf(err) == liaison.NotFound {
		return "", nil
	} else if err != nil {
		return s.answerOrProblem(err, "read the last checkpoint")
	}
	// A signed note is its text, a blank line, and the signatures.
	text := signed
	if i := bytes.Index(signed, []byte("\n\n")); i >= 0 {
		text = signed[:i+1]
	}
	cp, err := ledger.ParseCheckpoint(text)
	if err != nil {
		return fmt.Sprintf("the last stored checkpoint cannot be read: %v", err), nil
	}
	size, err := s.TreeSize(ctx)
	if err != nil {
		return s.answerOrProblem(err, "read the tree size")
	}
	if size < cp.Size {
		return fmt.Sprintf("the log has %d leaves, fewer than the %d its last signed checkpoint covers: leaves were lost or removed", size, cp.Size), nil
	}
	root, err := ledger.TreeHash(ctx, s, cp.Size)
	if err != nil {
		return s.answerOrProblem(err, fmt.Sprintf("hash the tree at size %d", cp.Size))
	}
	if root != cp.Hash {
		return fmt.Sprintf("the log's tree at size %d has root %s, not the %s its last signed checkpoint commits to: the log was changed", cp.Size, root, cp.Hash), nil
	}
	return "", nil
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
