package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
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
//
// A PASSIVE checkpoint never lets the WAL start over: a writer goes back to
// the WAL's beginning only if, when its transaction begins, every frame is
// in the database file, and under a steady load of commits that never
// happens. So once the WAL holds restartFrames frames, the checkpointer
// asks the writer for a RESTART checkpoint, which the store's writer
// goroutine runs between two appends (sqlstore.Config.AfterCommit): it
// copies the few frames committed since the last PASSIVE one and waits for
// readers to leave the WAL, and the next commit writes from the WAL's
// beginning. Without it the WAL grew by about 130 MB a second under the
// intake benchmark, and appends slowed as it grew; run from the
// checkpointer's own connection, a RESTART waited on the writer's lock,
// which the writer takes again at once after each commit.
const (
	checkpointEvery = 250 * time.Millisecond
	restartFrames   = 16384 // 128 MB of 8 KB pages (pageSize; 64 MB in a database made with 4 KB pages)
	restartBacklog  = 128   // 1 MB
)

// checkpointer runs the WAL checkpoints of one database.
type checkpointer struct {
	db   *sql.DB
	file *os.File // the database file, for syncs of its own (see tick)
	quit chan struct{}
	done chan struct{}
	once sync.Once
	err  error
	// restartAt is the WAL's size, in frames, past which a RESTART
	// checkpoint is due: restartFrames, unless a test sets it.
	restartAt atomic.Int64
	// synced is the count of frames copied when the database file was
	// last synced (see tick); only the checkpointer's goroutine uses it.
	synced int
	// restart asks the writer for a RESTART checkpoint (see afterCommit).
	restart atomic.Bool
	// restarts counts the RESTART checkpoints the writer ran.
	restarts atomic.Int64
}

// afterCommit runs on the store's writer goroutine between appends: a
// RESTART checkpoint when the checkpointer has asked for one. Should it
// fail (a reader held the WAL past the busy timeout), the next PASSIVE
// checkpoint asks again.
func (c *checkpointer) afterCommit(ctx context.Context, writer *sql.DB) {
	if !c.restart.CompareAndSwap(true, false) {
		return
	}
	if _, err := writer.ExecContext(ctx, "PRAGMA wal_checkpoint(RESTART)"); err == nil {
		c.restarts.Add(1)
	}
}

// startCheckpointer opens the checkpointer's connection to the database at
// uri and starts it.
func startCheckpointer(path, uri, busy, synchronous string) (*checkpointer, error) {
	file, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("checkpointer: %w", err)
	}
	v := url.Values{"_pragma": {busy, "synchronous(" + synchronous + ")"}}
	db, err := sql.Open("sqlite", uri+"?"+v.Encode())
	if err != nil {
		return nil, errors.Join(fmt.Errorf("checkpointer: %w", err), file.Close())
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	c := &checkpointer{db: db, file: file, quit: make(chan struct{}), done: make(chan struct{})}
	c.restartAt.Store(restartFrames)
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
			c.tick()
		}
	}
}

// tick copies the WAL into the database file, and asks the writer for a
// RESTART checkpoint when the WAL has grown past restartFrames. The writer
// runs that between two appends, so it should find little left to copy:
// the PASSIVE checkpoint is run again while commits made during the last
// one leave more than restartBacklog frames behind.
func (c *checkpointer) tick() {
	for range 4 {
		// A failed checkpoint loses nothing: the frames stay in the WAL,
		// readers find them there, and the next tick tries again.
		wal, copied, err := c.checkpoint("PASSIVE")
		if err != nil {
			return
		}
		// SQLite syncs the database file only after a checkpoint that
		// copied the whole WAL, which under steady commits is the writer's
		// RESTART: it would then sync all the pages copied since the last
		// one, while appends wait. Syncing here, off the writer's path,
		// leaves it a few.
		// (copied counts the WAL's frames in the database file, whether
		// this checkpoint or an earlier one put them there.)
		if copied != c.synced {
			if err := c.file.Sync(); err != nil {
				return
			}
			c.synced = copied
		}
		if int64(wal) < c.restartAt.Load() {
			return
		}
		if wal-copied <= restartBacklog {
			c.restart.Store(true)
			return
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
		c.err = errors.Join(err, c.db.Close(), c.file.Close())
	})
	return c.err
}

// WALRestarts returns how many times the WAL has started over since the
// store opened (see checkpointer), for monitoring.
func (s *Store) WALRestarts() int64 { return s.ckpt.restarts.Load() }
