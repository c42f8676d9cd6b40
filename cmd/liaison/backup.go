package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"liaison/sqlite"
)

// backupCmd is `liaison backup`: a consistent copy of a SQLite database,
// taken while liaison serves it (see sqlite.Store.Backup). PostgreSQL has
// its own tools (pg_dump, base backups).
type backupCmd struct {
	stdout, stderr io.Writer
}

func (c *backupCmd) run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	db := fs.String("db", "sqlite:liaison.db", "the SQLite database: sqlite:`PATH`")
	to := fs.String("to", "", "write the copy to the new file `FILE`")
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}
	if *to == "" {
		return errors.New("backup: give --to FILE, a file that does not exist yet")
	}
	if strings.Contains(*db, "://") {
		return fmt.Errorf("backup: --db %q is not SQLite; back PostgreSQL up with pg_dump or a base backup (docs/operations.md)", *db)
	}
	// The copy is checked as it is read; the start's check would only
	// double the time.
	s, err := sqlite.Open(ctx, strings.TrimPrefix(*db, "sqlite:"), sqlite.WithIntegrityCheck("off", 0))
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Backup(ctx, *to); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "backed up %s to %s; check it with: liaison log verify --db sqlite:%s --keys DIR\n", *db, *to, *to)
	return nil
}
