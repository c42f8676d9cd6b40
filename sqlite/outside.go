package sqlite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"liaison/sqlstore"
)

// checkpointFile keeps the latest signed checkpoint in a file beside the
// database (liaison.db-checkpoint), written atomically and synced. A
// damaged WAL loses a suffix of the commits: the appends a checkpoint
// covered and, with them, the checkpoint's own row, which is written
// after them. The file is not in the WAL, so Open still knows how far the
// log had grown and reports the loss instead of carrying on without it.
type checkpointFile struct {
	path string
	mu   sync.Mutex
	size int64 // of the checkpoint kept; -1 until read
}

var _ sqlstore.Outside = (*checkpointFile)(nil)

func newCheckpointFile(dbPath string) *checkpointFile {
	return &checkpointFile{path: dbPath + "-checkpoint", size: -1}
}

func (f *checkpointFile) Name() string { return f.path }

// Latest returns the signed note kept, or nil when there is none.
func (f *checkpointFile) Latest() ([]byte, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// Keep writes signed, a checkpoint of size, unless a larger one is kept.
func (f *checkpointFile) Keep(size int64, signed []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.size < 0 {
		f.size = 0
		if b, err := f.Latest(); err != nil {
			return err
		} else if b != nil {
			cp, err := sqlstore.ParseSigned(b)
			if err != nil {
				return fmt.Errorf("%s: %w", f.path, err)
			}
			f.size = cp.Size
		}
	}
	if size <= f.size {
		return nil
	}
	tmp := f.path + ".tmp"
	w, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = w.Write(signed)
	if err == nil {
		err = w.Sync()
	}
	if err = errors.Join(err, w.Close()); err == nil {
		err = os.Rename(tmp, f.path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(f.path))
	}
	if err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	f.size = size
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
