package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"sync"
	"time"
)

// WAL checkpoints. SQLite's default is for the connection that commits to
// copy the WAL back into the database file whenever it has grown past 1,000
// pages, inside that commit. Here the writer never does (its
// wal_autocheckpoint is 0): a connection of its own copies what the WAL
// holds every checkpointEvery, in PASSIVE mode, which takes no lock that
// the writer or the readers wait for. The writer's commits then pay only
// for the WAL frames they write, and a page written many times between two
// checkpoints is copied once.
const checkpointEvery = 250 * time.Millisecond

// checkpointer runs the WAL checkpoints of one database.
type checkpointer struct {
	db   *sql.DB
	quit chan struct{}
	done chan struct{}
	once sync.Once
	err  error
}

// startCheckpointer opens the checkpointer's connection to the database at
// uri and starts it.
func startCheckpointer(uri, busy, synchronous string) (*checkpointer, error) {
	v := url.Values{"_pragma": {busy, "synchronous(" + synchronous + ")"}}
	db, err := sql.Open("sqlite", uri+"?"+v.Encode())
	if err != nil {
		return nil, fmt.Errorf("checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	c := &checkpointer{db: db, quit: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-t.C:
			// A failed checkpoint loses nothing: the frames stay in the WAL,
			// readers find them there, and the next tick tries again.
			_, _, _ = c.checkpoint("PASSIVE")
		}
	}
}

// checkpoint runs one checkpoint and reports the WAL's frames and how many
// of them are now in the database file.
func (c *checkpointer) checkpoint(mode string) (wal, copied int, err error) {
	var busy int
	err = c.db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &wal, &copied)
	if err != nil {
		return 0, 0, fmt.Errorf("WAL checkpoint (%s): %w", mode, err)
	}
	return wal, copied, nil
}

// stop ends the checkpoints, copies the whole WAL into the database file
// and empties it (when no reader is still open), and closes the
// connection. Only the first call does it; every call returns its error.
func (c *checkpointer) stop() error {
	if c == nil {
		return nil
	}
	c.once.Do(func() {
		close(c.quit)
		<-c.done
		_, _, err := c.checkpoint("TRUNCATE")
		if cerr := c.db.Close(); err == nil {
			err = cerr
		}
		c.err = err
	})
	return c.err
}
