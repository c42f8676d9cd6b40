package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"

	"filippo.io/torchwood"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/tlog"

	"liaison"
)

// AuditState is what an auditor remembers of the logs it checked, by URL:
// the key it trusts and the last checkpoint it accepted. `liaison audit`
// keeps it in a small JSON file.
type AuditState struct {
	Logs map[string]AuditedLog `json:"logs"`
}

// AuditedLog is the state of one log.
type AuditedLog struct {
	// Key is the log's verifier key: given once, or trusted on first use.
	Key  string    `json:"key"`
	Size int64     `json:"size"`
	Hash tlog.Hash `json:"hash"`
	// Checkpoint is the signed note last accepted (cosignatures included).
	Checkpoint string `json:"checkpoint"`
}

// ReadAuditState reads the state file at path; a missing file is an empty
// state.
func ReadAuditState(path string) (*AuditState, error) {
	st := &AuditState{Logs: map[string]AuditedLog{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	} else if err != nil {
		return nil, fmt.Errorf("read audit state: %w", err)
	}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("audit state %s: %w", path, err)
	}
	if st.Logs == nil {
		st.Logs = map[string]AuditedLog{}
	}
	return st, nil
}

// Write saves the state to path, atomically.
func (st *AuditState) Write(path string) error {
	if err := writeFileAtomic(path, st); err != nil {
		return fmt.Errorf("write audit state: %w", err)
	}
	return nil
}

// AuditReceipt is a receipt given to the auditor, and where it came from.
type AuditReceipt struct {
	Name    string
	Receipt Receipt
}

// AuditConfig is what Audit checks.
type AuditConfig struct {
	// URL is the log's public base, where checkpoint, key and tile/ are
	// (a server's URL, to which /log/ is added, will do).
	URL string
	// Key is the log's verifier key; empty, the state's, or else the one
	// the log serves, trusted on first use.
	Key string
	// Witnesses are the cosignature keys the auditor trusts, and
	// MinCosignatures how many of them must have cosigned the checkpoint.
	Witnesses       []*CosignatureVerifier
	MinCosignatures int
	Receipts        []AuditReceipt
	// State is read and, when every check passes, updated.
	State *AuditState
	// Client fetches (nil: torchwood's default, 10 s a request).
	Client *http.Client
	// Out receives a line per check.
	Out io.Writer
}

// LogURL returns the log's base URL for a server's or a log's URL.
func LogURL(u string) string {
	u = strings.TrimSuffix(u, "/")
	if !strings.HasSuffix(u, "/log") {
		u += "/log"
	}
	return u + "/"
}

// Audit checks a log from outside, with nothing but its public key: the
// checkpoint's signature and cosignatures, the whole tree rebuilt from the
// entry bundles and the root computed from the hash tiles, both against
// the checkpoint; that the checkpoint extends the one accepted last time;
// and each receipt's inclusion proof, its checkpoint's being a prefix of
// this one, and its leaf being the log's. It prints what it checked, a line
// each, and returns the first failure, of kind liaison.Invalid (a log that
// does not hold) or of the failure to fetch. The state is updated only when
// everything holds.
func Audit(ctx context.Context, cfg AuditConfig) error {
	base := LogURL(cfg.URL)
	say := func(format string, args ...any) { fmt.Fprintf(cfg.Out, format+"\n", args...) }
	fail := func(format string, args ...any) error {
		return liaison.Errorf(liaison.Invalid, "", format, args...)
	}
	var opts []torchwood.TileFetcherOption
	if cfg.Client != nil {
		opts = append(opts, torchwood.WithHTTPClient(cfg.Client))
	}
	fetcher, err := torchwood.NewTileFetcher(base, opts...)
	if err != nil {
		return fmt.Errorf("audit %s: %w", base, err)
	}
	prev, seen := cfg.State.Logs[base]

	// The key.
	vkey, how := cfg.Key, "given"
	switch {
	case vkey != "" && seen && strings.TrimSpace(vkey) != prev.Key:
		return fail("key: the key given, %s, is not the one this log was audited with before, %s (if the log really changed keys, remove its entry from the state file)", strings.TrimSpace(vkey), prev.Key)
	case vkey == "" && seen:
		vkey, how = prev.Key, "pinned in the state file"
	case vkey == "":
		served, err := fetcher.ReadEndpoint(ctx, "key")
		if err != nil {
			return fmt.Errorf("audit: fetch the log's key: %w", err)
		}
		vkey, how = string(served), "served by the log at /log/key, trusted on first use: check it with the log's operator"
	}
	v, err := NewVerifier(vkey)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	say("key: %s (%s)", v.Key(), how)

	// The checkpoint.
	signed, err := fetcher.ReadEndpoint(ctx, "checkpoint")
	if err != nil {
		return fmt.Errorf("audit: fetch the checkpoint: %w", err)
	}
	cp, err := v.Open(signed)
	if err != nil {
		return fail("checkpoint: %v", err)
	}
	say("ok checkpoint: %d leaves, root %s, signed by %s", cp.Size, cp.Hash, v.KeyID())

	// Cosignatures.
	if len(cfg.Witnesses) > 0 || cfg.MinCosignatures > 0 {
		names := Cosignatures(signed, cfg.Witnesses)
		if len(names) < cfg.MinCosignatures {
			return fail("cosignatures: %d of the %d witnesses given cosigned the checkpoint (%s), %d required", len(names), len(cfg.Witnesses), strings.Join(names, ", "), cfg.MinCosignatures)
		}
		say("ok cosignatures: %d of %d witnesses (%s), %d required", len(names), len(cfg.Witnesses), strings.Join(names, ", "), cfg.MinCosignatures)
	}

	// Before reading the tree: a checkpoint older than, or forking, the
	// one seen last time fails at once.
	if seen {
		switch {
		case cp.Size < prev.Size:
			return fail("rolled back: the log's checkpoint has %d leaves, but one of %d leaves (root %s) was seen before:\n%s", cp.Size, prev.Size, prev.Hash, prev.Checkpoint)
		case cp.Size == prev.Size && cp.Hash != prev.Hash:
			return fail("forked: the log's checkpoint of %d leaves has root %s, but one of the same size with root %s was seen before; both are signed:\n%s\n%s", cp.Size, cp.Hash, prev.Hash, prev.Checkpoint, signed)
		}
	}

	// The tree, rebuilt from the entry bundles, and the root from the hash
	// tiles.
	want := map[int64]Commitment{}
	for _, r := range cfg.Receipts {
		want[r.Receipt.Index] = r.Receipt.Commitment
	}
	roots := map[int64]tlog.Hash{}
	if seen {
		roots[prev.Size] = tlog.Hash{}
	}
	bundles, err := rebuild(ctx, fetcher, cp, want, roots)
	if err != nil {
		return err
	}
	say("ok tree: %d leaves read from %d entry bundles; the root rebuilt from them is the checkpoint's", cp.Size, bundles)
	hr := torchwood.TileHashReaderWithContext(ctx, tlog.Tree{N: cp.Size, Hash: cp.Hash}, fetcher)
	if root, err := tlog.TreeHash(cp.Size, hr); err != nil || root != cp.Hash {
		return fail("hash tiles: the root from the hash tiles is not the checkpoint's: %v", err)
	}
	say("ok hash tiles: they hash to the checkpoint's root")

	// Consistency with the checkpoint seen before.
	if !seen {
		say("ok first audit of this log: nothing seen before to compare with")
	} else if prev.Size > 0 {
		if roots[prev.Size] != prev.Hash {
			return fail("forked: the first %d leaves of the tree now hash to %s, but the checkpoint seen before had root %s: the log was rewritten:\n%s", prev.Size, roots[prev.Size], prev.Hash, prev.Checkpoint)
		}
		p, err := tlog.ProveTree(cp.Size, prev.Size, hr)
		if err == nil {
			err = tlog.CheckTree(p, cp.Size, cp.Hash, prev.Size, prev.Hash)
		}
		if err != nil {
			return fail("consistency: the tiles give no valid proof from %d to %d leaves: %v", prev.Size, cp.Size, err)
		}
		say("ok consistent with the checkpoint seen before (%d leaves, root %s): the tree only grew", prev.Size, prev.Hash)
	}

	// Receipts.
	for _, r := range cfg.Receipts {
		rc := r.Receipt
		rcp, err := v.Open([]byte(rc.Checkpoint))
		if err != nil {
			return fail("receipt %s: its checkpoint: %v", r.Name, err)
		}
		if err := CheckInclusion(rc.Proof, rcp, rc.Index, rc.Commitment); err != nil {
			return fail("receipt %s: the inclusion proof of %s/%s does not hold: %v", r.Name, rc.Kind, rc.ID, err)
		}
		if rcp.Size > cp.Size {
			return fail("receipt %s: its checkpoint has %d leaves, more than the %d of the checkpoint the log publishes: the log was rolled back, or (with witnesses) has not published it yet: try again later", r.Name, rcp.Size, cp.Size)
		}
		if root, err := tlog.TreeHash(rcp.Size, hr); err != nil || root != rcp.Hash {
			return fail("receipt %s: its checkpoint (%d leaves, root %s) is not a prefix of the tree audited: the log forked (%v)", r.Name, rcp.Size, rcp.Hash, err)
		}
		say("ok receipt %s: %s/%s is leaf %d, in the checkpoint of %d leaves, a prefix of the tree audited", r.Name, rc.Kind, rc.ID, rc.Index, rcp.Size)
	}

	cfg.State.Logs[base] = AuditedLog{Key: v.Key(), Size: cp.Size, Hash: cp.Hash, Checkpoint: string(signed)}
	return nil
}

// rebuild reads every entry bundle of the tree cp heads, recomputes the
// root from the entries with transparency-dev's compact ranges, and checks
// it against cp. It checks the entries at the indexes of want, and fills
// roots with the root of the first n leaves for each n it holds. It
// returns the number of bundles read.
func rebuild(ctx context.Context, f *torchwood.TileFetcher, cp Checkpoint, want map[int64]Commitment, roots map[int64]tlog.Hash) (int, error) {
	rf := compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	r := rf.NewEmptyRange(0)
	rootOf := func() (tlog.Hash, error) {
		if r.End() == 0 {
			return tlog.TreeHash(0, nil)
		}
		h, err := r.GetRootHash(nil)
		var out tlog.Hash
		copy(out[:], h)
		return out, err
	}
	var tiles []tlog.Tile
	for n := int64(0); n<<TileHeight < cp.Size; n++ {
		tiles = append(tiles, tlog.Tile{H: TileHeight, L: -1, N: n, W: int(min(TileWidth, cp.Size-n<<TileHeight))})
	}
	const batch = 64
	for i := 0; i < len(tiles); i += batch {
		part := tiles[i:min(i+batch, len(tiles))]
		data, err := f.ReadTiles(ctx, part)
		if err != nil {
			return 0, fmt.Errorf("audit: fetch entry bundles: %w", err)
		}
		for j, d := range data {
			entries, err := ParseEntryBundle(d)
			if err != nil || len(entries) != part[j].W {
				return 0, liaison.Errorf(liaison.Invalid, "", "tree: entry bundle %s holds %d entries, want %d (%v)", TilePath(part[j]), len(entries), part[j].W, err)
			}
			for k, e := range entries {
				index := part[j].N<<TileHeight + int64(k)
				if c, ok := want[index]; ok && c != e {
					return 0, liaison.Errorf(liaison.Invalid, "", "receipt: leaf %d of the log is %s, not the receipt's commitment %s", index, e, c)
				}
				if _, ok := roots[index]; ok {
					if roots[index], err = rootOf(); err != nil {
						return 0, err
					}
				}
				if err := r.Append(rfc6962.DefaultHasher.HashLeaf(e[:]), nil); err != nil {
					return 0, fmt.Errorf("audit: rebuild: %w", err)
				}
			}
		}
	}
	root, err := rootOf()
	if err != nil {
		return 0, fmt.Errorf("audit: rebuild: %w", err)
	}
	if _, ok := roots[cp.Size]; ok {
		roots[cp.Size] = root
	}
	if root != cp.Hash {
		return 0, liaison.Errorf(liaison.Invalid, "", "tree: the %d leaves in the entry bundles hash to %s, not to the checkpoint's root %s: the tiles were altered, or the checkpoint signs another tree", cp.Size, root, cp.Hash)
	}
	return len(tiles), nil
}

// ReadReceipt parses a receipt as the API and `liaison log prove` write it.
func ReadReceipt(data []byte) (Receipt, error) {
	var rc Receipt
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&rc); err != nil {
		return Receipt{}, liaison.Errorf(liaison.Invalid, "", "not a receipt: %v", err)
	}
	return rc, nil
}
