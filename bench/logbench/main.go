// Command logbench measures liaison's log on its SQLite store: append
// throughput beside Tessera's POSIX storage (github.com/transparency-dev/
// tessera/storage/posix) writing the same number of 32-byte entries to the
// same disk, and the time to prove inclusion and consistency in trees of
// a million leaves and more.
//
//	go run ./logbench -n 1000000                       # appends: liaison and Tessera
//	go run ./logbench -append=false -proofs 1000000,10000000 -keep
//
// Appends are durable on both sides: liaison's SQLite commits with
// synchronous=FULL (its default) and Tessera's POSIX storage fsyncs every
// file it writes; an entry counts when its Append returns, or its index
// future resolves (Tessera sequences and integrates a batch before it
// resolves the batch's futures). The trees for the proofs are built with
// one caller appending 4,096 records per call, and kept in -dir with -keep
// so that a second run reuses them.
package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"

	"liaison"
	"liaison/ledger"
	"liaison/sqlite"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "logbench:", err)
		os.Exit(1)
	}
}

type config struct {
	n          int
	callers    int
	dir        string
	keep       bool
	sizes      []int64
	proofs     int
	passes     int
	doAppend   bool
	runs       map[string]bool
	cpuprofile string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		c     config
		sizes = fs.String("proofs", "", "tree sizes to time proofs in, comma-separated (empty: none)")
		runs  = fs.String("runs", "batches,batches-4096,callers,callers-4096,tessera,tessera-4096", "append runs, comma-separated: batches and batches-4096 (liaison, one caller, 1,024 or 4,096 records per Append), callers (liaison, -callers callers of one record each), callers-4096 (4,096 such callers), tessera (-callers adders, Tessera's default batches of 256), tessera-4096 (4,096 adders, batches of 4,096)")
	)
	fs.IntVar(&c.n, "n", 200_000, "entries each append run writes")
	fs.IntVar(&c.callers, "callers", 256, "concurrent callers for the concurrent append runs")
	fs.StringVar(&c.dir, "dir", os.TempDir(), "`DIR` for the logs: one disk for both")
	fs.BoolVar(&c.keep, "keep", false, "keep the proof trees in -dir (logbench-tree-N.db) and reuse them")
	fs.IntVar(&c.proofs, "k", 2000, "proofs timed per tree size and pass")
	fs.IntVar(&c.passes, "passes", 2, "passes of -k proofs per tree size: the first finds the tree as the page cache left it, the next find the pages the first read")
	fs.BoolVar(&c.doAppend, "append", true, "compare append throughput with Tessera")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile to `FILE`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c.runs = make(map[string]bool)
	for _, r := range strings.Split(*runs, ",") {
		c.runs[r] = true
	}
	for _, s := range strings.Split(*sizes, ",") {
		if s == "" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 2 {
			return fmt.Errorf("-proofs %s: want sizes of at least 2", *sizes)
		}
		c.sizes = append(c.sizes, n)
	}
	if c.cpuprofile != "" {
		f, err := os.Create(c.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if c.doAppend {
		if err := appends(ctx, c, stdout); err != nil {
			return err
		}
	}
	if len(c.sizes) > 0 {
		if err := proofs(ctx, c, stdout); err != nil {
			return err
		}
	}
	return nil
}

// entry returns the i-th entry: 32 random bytes.
func entry() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return b
}

// record returns the i-th record: its body is a 32-byte entry, as
// Tessera's are. Its kind is none of the desk's, whose bodies are JSON
// that settles their lookup columns (liaison.ColumnsOf): a log entry of
// its own kind has no columns to check.
func record(i int64) *liaison.StoredRecord {
	r := &liaison.StoredRecord{Kind: "entry", ID: fmt.Sprintf("e%011d", i), Body: entry(), At: time.Now()}
	if _, err := rand.Read(r.Salt[:]); err != nil {
		panic(err)
	}
	return r
}

// appends runs each append measurement and prints a table.
func appends(ctx context.Context, c config, stdout io.Writer) error {
	fmt.Fprintf(stdout, "| log | how | entries | seconds | entries/s |\n|---|---|---:|---:|---:|\n")
	row := func(log, how string, d time.Duration) {
		fmt.Fprintf(stdout, "| %s | %s | %d | %.1f | %.0f |\n", log, how, c.n, d.Seconds(), float64(c.n)/d.Seconds())
	}
	const ours = "liaison (ledger + SQLite, synchronous=FULL)"
	batches := func(n int) func() (time.Duration, error) {
		return func() (time.Duration, error) { return liaisonBatches(ctx, c, n) }
	}
	callers := func(n int) func() (time.Duration, error) {
		return func() (time.Duration, error) { return liaisonCallers(ctx, c, n) }
	}
	adds := func(batch, adders int) func() (time.Duration, error) {
		return func() (time.Duration, error) { return tesseraAdds(ctx, c, batch, adders) }
	}
	for _, r := range []struct {
		name, log, how string
		run            func() (time.Duration, error)
	}{
		{"batches", ours, "1 caller, 1024 records per Append", batches(1024)},
		{"batches-4096", ours, "1 caller, 4096 records per Append", batches(4096)},
		{"callers", ours, fmt.Sprintf("%d callers, 1 record per Append (group commit)", c.callers), callers(c.callers)},
		{"callers-4096", ours, "4096 callers, 1 record per Append (group commit)", callers(4096)},
		{"tessera", "Tessera POSIX", fmt.Sprintf("%d adders, batches of up to %d", c.callers, tessera.DefaultBatchMaxSize), adds(tessera.DefaultBatchMaxSize, c.callers)},
		{"tessera-4096", "Tessera POSIX", "4096 adders, batches of up to 4096", adds(4096, 4096)},
	} {
		if !c.runs[r.name] {
			continue
		}
		d, err := r.run()
		if err != nil {
			return err
		}
		row(r.log, r.how, d)
	}
	return nil
}

// openTemp opens a SQLite store in a new folder under c.dir and returns it
// with the function that closes and removes it.
func openTemp(ctx context.Context, c config) (*sqlite.Store, func() error, error) {
	dir, err := os.MkdirTemp(c.dir, "logbench-")
	if err != nil {
		return nil, nil, err
	}
	s, err := sqlite.Open(ctx, filepath.Join(dir, "liaison.db"))
	if err != nil {
		return nil, nil, errors.Join(err, os.RemoveAll(dir))
	}
	return s, func() error { return errors.Join(s.Close(), os.RemoveAll(dir)) }, nil
}

// liaisonBatches appends c.n records from one caller, batch at a time.
func liaisonBatches(ctx context.Context, c config, batch int) (time.Duration, error) {
	s, remove, err := openTemp(ctx, c)
	if err != nil {
		return 0, err
	}
	defer remove()
	start := time.Now()
	if err := fill(ctx, s, 0, int64(c.n), batch); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// fill appends the records from to n, batch at a time.
func fill(ctx context.Context, s *sqlite.Store, from, n int64, batch int) error {
	recs := make([]*liaison.StoredRecord, 0, batch)
	for i := from; i < n; {
		recs = recs[:0]
		for ; i < n && len(recs) < batch; i++ {
			recs = append(recs, record(i))
		}
		if err := s.Append(ctx, recs...); err != nil {
			return err
		}
	}
	return nil
}

// liaisonCallers appends c.n records, one per call, from callers
// goroutines.
func liaisonCallers(ctx context.Context, c config, callers int) (time.Duration, error) {
	s, remove, err := openTemp(ctx, c)
	if err != nil {
		return 0, err
	}
	defer remove()
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	start := time.Now()
	for range callers {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(c.n); i = next.Add(1) - 1 {
				if err := s.Append(ctx, record(i)); err != nil {
					errOnce.Do(func() { first = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start), first
}

// tesseraAdds adds c.n entries to a new Tessera POSIX log from adders
// goroutines, each waiting for its entry's index before adding the next.
func tesseraAdds(ctx context.Context, c config, batch, adders int) (time.Duration, error) {
	dir, err := os.MkdirTemp(c.dir, "logbench-tessera-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	skey, _, err := note.GenerateKey(rand.Reader, "logbench.example/tessera")
	if err != nil {
		return 0, err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	driver, err := posix.New(ctx, posix.Config{Path: dir})
	if err != nil {
		return 0, err
	}
	opts := tessera.NewAppendOptions().WithCheckpointSigner(signer).
		WithBatching(uint(batch), tessera.DefaultBatchMaxAge).
		WithPushback(uint(max(adders, tessera.DefaultPushbackMaxOutstanding)))
	appender, shutdown, _, err := tessera.NewAppender(ctx, driver, opts)
	if err != nil {
		return 0, err
	}
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	start := time.Now()
	for range adders {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(c.n); i = next.Add(1) - 1 {
				if _, err := appender.Add(ctx, tessera.NewEntry(entry()))(); err != nil {
					errOnce.Do(func() { first = err })
					return
				}
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	if err := shutdown(ctx); err != nil && first == nil {
		first = err
	}
	return d, first
}

// proofs builds (or reuses) a tree of each size and times proofs in it.
func proofs(ctx context.Context, c config, stdout io.Writer) error {
	fmt.Fprintf(stdout, "\n| leaves | build (records/s) | file | pass | inclusion p50 | p99 | consistency p50 | p99 | tree hash p50 |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, n := range c.sizes {
		path := filepath.Join(c.dir, fmt.Sprintf("logbench-tree-%d.db", n))
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			return err
		}
		have, err := s.TreeSize(ctx)
		if err != nil {
			return err
		}
		build := "reused"
		if have < n {
			start := time.Now()
			if err := fill(ctx, s, have, n, 4096); err != nil {
				return err
			}
			d := time.Since(start)
			build = fmt.Sprintf("%.0f s (%.0f/s)", d.Seconds(), float64(n-have)/d.Seconds())
		}
		var rs []proofTimes
		for range c.passes {
			r, err := timeProofs(ctx, s, n, c.proofs)
			if err != nil {
				return err
			}
			rs = append(rs, r)
		}
		if err := s.Close(); err != nil {
			return err
		}
		size := fileSize(path)
		if !c.keep {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(path + suffix)
			}
		}
		for i, r := range rs {
			fmt.Fprintf(stdout, "| %d | %s | %.1f GB | %d | %s | %s | %s | %s | %s |\n", n, build, float64(size)/1e9, i+1,
				us(r.incl, 0.5), us(r.incl, 0.99), us(r.cons, 0.5), us(r.cons, 0.99), us(r.root, 0.5))
		}
	}
	return nil
}

func fileSize(path string) int64 {
	var n int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(path + suffix); err == nil {
			n += fi.Size()
		}
	}
	return n
}

type proofTimes struct{ incl, cons, root []time.Duration }

// timeProofs times k inclusion proofs of random leaves and k consistency
// proofs from random sizes, in the tree of size n, and checks the first of
// each against the tree's root.
func timeProofs(ctx context.Context, s *sqlite.Store, n int64, k int) (proofTimes, error) {
	var r proofTimes
	root, err := ledger.TreeHash(ctx, s, n)
	if err != nil {
		return r, err
	}
	cp := ledger.Checkpoint{Origin: "logbench", Size: n, Hash: root}
	for i := range k {
		index := randN(n)
		t0 := time.Now()
		p, err := ledger.ProveInclusion(ctx, s, n, index)
		r.incl = append(r.incl, time.Since(t0))
		if err != nil {
			return r, err
		}
		if i == 0 {
			leaves, err := s.ReadLeaves(ctx, index, 1)
			if err != nil {
				return r, err
			}
			if err := ledger.CheckInclusion(p, cp, index, leaves[0].Commitment); err != nil {
				return r, err
			}
		}

		old := 1 + randN(n-1)
		t0 = time.Now()
		q, err := ledger.ProveConsistency(ctx, s, old, n)
		r.cons = append(r.cons, time.Since(t0))
		if err != nil {
			return r, err
		}
		if i == 0 {
			oldRoot, err := ledger.TreeHash(ctx, s, old)
			if err != nil {
				return r, err
			}
			if err := ledger.CheckConsistency(q, ledger.Checkpoint{Origin: "logbench", Size: old, Hash: oldRoot}, cp); err != nil {
				return r, err
			}
		}

		t0 = time.Now()
		if _, err := ledger.TreeHash(ctx, s, n); err != nil {
			return r, err
		}
		r.root = append(r.root, time.Since(t0))
	}
	return r, nil
}

func randN(n int64) int64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return int64(binary.BigEndian.Uint64(b[:]) % uint64(n))
}

// us returns the q-quantile of ds in microseconds.
func us(ds []time.Duration, q float64) string {
	s := slices.Sorted(slices.Values(ds))
	d := s[min(len(s)-1, int(q*float64(len(s))))]
	return strconv.FormatFloat(float64(d.Nanoseconds())/1000, 'f', 0, 64) + " µs"
}
