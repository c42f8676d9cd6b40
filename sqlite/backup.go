package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the database to the new file dest
// while the store serves, with VACUUM INTO on a connection of its own: the
// copy is the database as of one moment (a read transaction), so it holds
// whole appends only, every record with its leaf, and appends go on
// meanwhile (in WAL mode a reader holds up no writer). The copy is
// compact, has no -wal file, and can be opened as it is. dest must not
// exist. While the copy is made, the WAL is not started over, so it grows
// with the appends made meanwhile.
func (s *Store) Backup(ctx context.Context, dest string) error {
	abs, err := filepath.Abs(dest)
	if err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", dest, err)
	}
	// The copy holds personal data, as the database does: make it
	// readable by its owner only before anything is in it (VACUUM INTO
	// takes an empty file).
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("sqlite: backup to %s: the file exists; choose a new name", abs)
	} else if err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", abs, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", abs, err)
	}
	db, err := sql.Open("sqlite", s.uri+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", abs, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, abs); err != nil {
		return errors.Join(fmt.Errorf("sqlite: backup to %s: %w", abs, err), os.Remove(abs))
	}
	return nil
}
