package ledger

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
)

// The public side of the log follows C2SP tlog-tiles (c2sp.org/tlog-tiles):
// the tree is served as tiles of height 8, and the leaves (commitments) as
// entry bundles, so that any standard client, monitor or witness can fetch
// and check it.
const (
	// TileHeight is the height of every tile, fixed by tlog-tiles.
	TileHeight = 8
	// TileWidth is the number of hashes in a full tile, and of entries in a
	// full entry bundle.
	TileWidth = 1 << TileHeight
)

// TilePath returns the tlog-tiles path of t: "tile/<L>/<N>[.p/<W>]" for a
// hash tile, "tile/entries/<N>[.p/<W>]" for an entry bundle (t.L == -1),
// with N written in 3-digit groups, all but the last x-prefixed
// ("x001/x234/067"). t.H must be TileHeight.
func TilePath(t tlog.Tile) string {
	// Go's checksum database writes the same path with the height after
	// "tile/" and "data" for entries; tlog-tiles fixes the height.
	p := strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", TileHeight))
	if rest, ok := strings.CutPrefix(p, "data/"); ok {
		return "tile/entries/" + rest
	}
	return "tile/" + p
}

// ParseTilePath parses a tlog-tiles path as TilePath writes it. Anything else
// (a leading zero, a level above 63, a width of 0 or 256) is an error of
// kind liaison.Invalid.
func ParseTilePath(path string) (tlog.Tile, error) {
	rest, ok := strings.CutPrefix(path, "tile/")
	if !ok {
		return tlog.Tile{}, liaison.Errorf(liaison.Invalid, "", "tile path %q does not start with tile/", path)
	}
	if r, ok := strings.CutPrefix(rest, "entries/"); ok {
		rest = "data/" + r
	}
	t, err := tlog.ParseTilePath(fmt.Sprintf("tile/%d/%s", TileHeight, rest))
	if err != nil || t.L > 63 || TilePath(t) != path {
		return tlog.Tile{}, liaison.Errorf(liaison.Invalid, "", "malformed tile path %q (want tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>])", path)
	}
	return t, nil
}

// ReadTile returns the contents of tile t of the tree of the given size: the
// hashes of a hash tile, or the entry bundle of an entry tile (t.L == -1). A
// tile that the tree does not yet fill is an error of kind
// liaison.NotFound.
func ReadTile(ctx context.Context, r Reader, size int64, t tlog.Tile) ([]byte, error) {
	if t.H != TileHeight || t.L < -1 || t.L > 63 || t.N < 0 || t.W < 1 || t.W > TileWidth {
		return nil, liaison.Errorf(liaison.Invalid, "", "invalid tile %+v", t)
	}
	// The tree holds width(L) = size / 256^L hashes at tile level L (entries
	// count as level 0); the tile needs N*256 + W of them. A shift of 64 or
	// more yields 0, so large levels and indexes cannot overflow.
	level := max(t.L, 0)
	avail := size >> (TileHeight * level)
	if t.N > avail>>TileHeight || t.N<<TileHeight+int64(t.W) > avail {
		return nil, notFound("tile %s is beyond the tree of size %d", TilePath(t), size)
	}
	if t.L == -1 {
		leaves, err := r.ReadLeaves(ctx, t.N<<TileHeight, t.W)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", TilePath(t), err)
		}
		return EntryBundle(leaves), nil
	}
	data, err := tlog.ReadTileData(t, bind(ctx, r))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", TilePath(t), err)
	}
	return data, nil
}

// EntryBundle encodes leaves as a tlog-tiles entry bundle: each entry (the
// 32-byte commitment) prefixed with its length as a big-endian uint16.
func EntryBundle(leaves []Leaf) []byte {
	b := make([]byte, 0, len(leaves)*(2+len(Commitment{})))
	for _, l := range leaves {
		b = binary.BigEndian.AppendUint16(b, uint16(len(l.Commitment)))
		b = append(b, l.Commitment[:]...)
	}
	return b
}

// ParseEntryBundle decodes an entry bundle of this log: every entry must be
// a 32-byte commitment.
func ParseEntryBundle(data []byte) ([]Commitment, error) {
	var out []Commitment
	for len(data) > 0 {
		if len(data) < 2 {
			return nil, liaison.Errorf(liaison.Invalid, "", "entry bundle: truncated length")
		}
		n := int(binary.BigEndian.Uint16(data))
		data = data[2:]
		if n != len(Commitment{}) || len(data) < n {
			return nil, liaison.Errorf(liaison.Invalid, "", "entry bundle: entry %d is %d bytes, want a 32-byte commitment", len(out), n)
		}
		var c Commitment
		copy(c[:], data)
		out = append(out, c)
		data = data[n:]
	}
	return out, nil
}

// CheckpointReader reads the latest signed checkpoint.
type CheckpointReader interface {
	// LatestCheckpoint returns the signed note of the stored checkpoint
	// with the largest tree size; with none stored, an error of kind
	// liaison.NotFound.
	LatestCheckpoint(ctx context.Context) ([]byte, error)
}

// Handler serves the log publicly and read-only, as tlog-tiles:
//
//	GET checkpoint                    the latest signed checkpoint
//	GET tile/<L>/<N>[.p/<W>]          hash tiles
//	GET tile/entries/<N>[.p/<W>]      entry bundles (the leaf commitments)
//	GET key                           the note verifier key
//
// Paths are relative to where it is mounted; the server mounts it at /log/:
//
//	mux.Handle("GET /log/", http.StripPrefix("/log", h))
type Handler struct {
	store  Reader
	cps    CheckpointReader
	key    string
	logger *slog.Logger
	mux    *http.ServeMux
}

// NewHandler returns a Handler serving the tree in store, the checkpoints in
// cps and v's key. Failures other than a bad or missing path are logged to
// logger (nil discards them).
func NewHandler(store Reader, cps CheckpointReader, v *Verifier, logger *slog.Logger) *Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{store: store, cps: cps, key: v.Key() + "\n", logger: logger, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /checkpoint", h.serveCheckpoint)
	h.mux.HandleFunc("GET /key", h.serveKey)
	h.mux.HandleFunc("GET /tile/{path...}", h.serveTile)
	return h
}

// ServeHTTP serves one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) serveCheckpoint(w http.ResponseWriter, r *http.Request) {
	cp, err := h.cps.LatestCheckpoint(r.Context())
	if err != nil {
		h.fail(w, r, fmt.Errorf("latest checkpoint: %w", err))
		return
	}
	// Mutable: tlog-tiles asks that it not be cached beyond a few seconds.
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write(cp)
}

func (h *Handler) serveKey(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(h.key))
}

func (h *Handler) serveTile(w http.ResponseWriter, r *http.Request) {
	t, err := ParseTilePath("tile/" + r.PathValue("path"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	size, err := h.store.TreeSize(r.Context())
	if err != nil {
		h.fail(w, r, fmt.Errorf("tree size: %w", err))
		return
	}
	data, err := ReadTile(r.Context(), h.store, size, t)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// Immutable: a tile's path fixes its contents, partial ones included.
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(data)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	msg := "internal error"
	var e *liaison.Error
	switch kind := liaison.KindOf(err); {
	case kind == liaison.Invalid:
		status, msg = http.StatusBadRequest, err.Error()
	case kind == liaison.NotFound && errors.As(err, &e):
		status, msg = http.StatusNotFound, e.Message
	default:
		h.logger.ErrorContext(r.Context(), "log: serve", "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, msg, status)
}
