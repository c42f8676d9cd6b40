package ledger_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"liaison"
	"liaison/ledger"
)

func TestTilePath(t *testing.T) {
	tests := []struct {
		tile tlog.Tile
		path string
	}{
		// c2sp.org/tlog-tiles: "index 1234067 will be encoded as x001/x234/067".
		{tlog.Tile{H: 8, L: 0, N: 1234067, W: 256}, "tile/0/x001/x234/067"},
		{tlog.Tile{H: 8, L: 0, N: 0, W: 256}, "tile/0/000"},
		{tlog.Tile{H: 8, L: 1, N: 1, W: 17}, "tile/1/001.p/17"},
		{tlog.Tile{H: 8, L: 2, N: 0, W: 1}, "tile/2/000.p/1"},
		{tlog.Tile{H: 8, L: 63, N: 999, W: 255}, "tile/63/999.p/255"},
		{tlog.Tile{H: 8, L: 0, N: 1000, W: 256}, "tile/0/x001/000"},
		{tlog.Tile{H: 8, L: -1, N: 1234067, W: 256}, "tile/entries/x001/x234/067"},
		{tlog.Tile{H: 8, L: -1, N: 273, W: 112}, "tile/entries/273.p/112"},
	}
	for _, tt := range tests {
		if got := ledger.TilePath(tt.tile); got != tt.path {
			t.Errorf("TilePath(%+v) = %q, want %q", tt.tile, got, tt.path)
		}
		got, err := ledger.ParseTilePath(tt.path)
		if err != nil || got != tt.tile {
			t.Errorf("ParseTilePath(%q) = %+v, %v; want %+v", tt.path, got, err, tt.tile)
		}
	}
	for _, bad := range []string{
		"", "tile", "tile/", "tile/0", "tile/0/", "tile/8/0/000", "tile/00/000", "tile/64/000",
		"tile/-1/000", "tile/0/0", "tile/0/0000", "tile/0/x000/001", "tile/0/001/x002",
		"tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/017", "tile/0/000.p/", "tile/0/000.p",
		"tile/data/000", "tile/entries/", "tile/entries/000.p/300", "tiles/0/000", "/tile/0/000",
		"tile/0/abc", "tile/x/000", "tile/0/-01", "tile/0/x999/x999/x999/x999/x999/x999/999",
	} {
		if got, err := ledger.ParseTilePath(bad); liaison.KindOf(err) != liaison.Invalid {
			t.Errorf("ParseTilePath(%q) = %+v, %v; want invalid", bad, got, err)
		}
	}
}

// TestReadTileBounds checks which tiles a tree of 70,000 leaves serves,
// against the example in c2sp.org/tlog-tiles: "273 full level 0 tiles, one
// partial level 0 tile of width 112, one full level 1 tile, one partial level
// 1 tile of width 17, and one partial level 2 tile of width 1".
func TestReadTileBounds(t *testing.T) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	const size = 70000
	fill(t, store, seeded(7), size)

	tiles := tlog.NewTiles(ledger.TileHeight, 0, size)
	var full, partial []string
	for _, tile := range tiles {
		if tile.W == ledger.TileWidth {
			full = append(full, ledger.TilePath(tile))
		} else {
			partial = append(partial, ledger.TilePath(tile))
		}
		if tile.L == 0 {
			entries := tile
			entries.L = -1
			tiles = append(tiles, entries)
		}
	}
	if len(full) != 274 || strings.Join(partial, " ") != "tile/0/273.p/112 tile/1/001.p/17 tile/2/000.p/1" {
		t.Fatalf("the spec's example tiles: %d full, partial %v", len(full), partial)
	}
	for _, tile := range tiles {
		data, err := ledger.ReadTile(ctx, store, size, tile)
		if err != nil {
			t.Fatalf("ReadTile(%s) = %v", ledger.TilePath(tile), err)
		}
		want := tile.W * tlog.HashSize
		if tile.L == -1 {
			want = tile.W * (2 + 32)
		}
		if len(data) != want {
			t.Errorf("ReadTile(%s) = %d bytes, want %d", ledger.TilePath(tile), len(data), want)
		}
	}
	// Smaller widths of a served tile are served too (an older checkpoint's).
	for _, p := range []string{"tile/0/273.p/1", "tile/0/000.p/5", "tile/1/001.p/16", "tile/entries/273.p/111", "tile/1/000.p/3"} {
		tile, _ := ledger.ParseTilePath(p)
		if _, err := ledger.ReadTile(ctx, store, size, tile); err != nil {
			t.Errorf("ReadTile(%s) = %v", p, err)
		}
	}
	for _, p := range []string{
		"tile/0/273", "tile/0/273.p/113", "tile/0/274.p/1", "tile/1/001", "tile/1/001.p/18",
		"tile/2/000.p/2", "tile/2/000", "tile/3/000.p/1", "tile/63/000.p/1", "tile/entries/273.p/113",
		"tile/entries/274.p/1", "tile/0/x009/x223/x372/x036/x854/x775/807", "tile/entries/x009/x223/x372/x036/x854/x775/807",
	} {
		tile, err := ledger.ParseTilePath(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ledger.ReadTile(ctx, store, size, tile); liaison.KindOf(err) != liaison.NotFound {
			t.Errorf("ReadTile(%s) = %v, want not found", p, err)
		}
	}
	if _, err := ledger.ReadTile(ctx, store, size, tlog.Tile{H: 4, W: 1}); liaison.KindOf(err) != liaison.Invalid {
		t.Errorf("ReadTile(height 4) = %v, want invalid", err)
	}
}

// logServer serves store at /log/ as the liaison server will.
func logServer(t *testing.T, store *ledger.MemStore, s *ledger.Signer) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /log/", http.StripPrefix("/log", ledger.NewHandler(store, store, s.Verifier(), nil)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// get fetches a URL and fails the test unless the status is want.
func get(t *testing.T, url string, want int) ([]byte, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("GET %s = %d %s, want %d", url, resp.StatusCode, body, want)
	}
	return body, resp.Header
}

// tileClient is a tlog.TileReader over HTTP: the client side of the Go
// checksum database's tiles, with tlog-tiles paths.
type tileClient struct {
	t       *testing.T
	base    string
	fetched map[string]bool
}

func (c *tileClient) Height() int { return ledger.TileHeight }

func (c *tileClient) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, tile := range tiles {
		p := ledger.TilePath(tile)
		resp, err := http.Get(c.base + p)
		if err != nil {
			return nil, err
		}
		out[i], err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", p, resp.Status)
		}
		c.fetched[p] = true
	}
	return out, nil
}

func (c *tileClient) SaveTiles([]tlog.Tile, [][]byte) {}

// TestServedLogVerifies plays an independent client that has only the log's
// URL and, out of band, its public key: it fetches the checkpoint and the
// tiles, verifies the signature, recomputes the root from the tiles, reads
// the entries, and checks consistency between two checkpoints taken before
// and after more writes.
func TestServedLogVerifies(t *testing.T) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	signer := testSigner(t, 1)
	pub := &ledger.Publisher{Store: store, Signer: signer}
	srv := logServer(t, store, signer)
	base := srv.URL + "/log/"

	get(t, base+"checkpoint", http.StatusNotFound) // none yet
	recs := fill(t, store, seeded(8), 1000)
	if _, err := pub.Publish(ctx); err != nil {
		t.Fatal(err)
	}

	vkey, hdr := get(t, base+"key", http.StatusOK)
	if ct := hdr.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("key Content-Type = %q", ct)
	}
	verifier, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		t.Fatalf("the served key is not a note verifier key: %v", err)
	}
	open := func() tlog.Tree {
		t.Helper()
		body, hdr := get(t, base+"checkpoint", http.StatusOK)
		if ct := hdr.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("checkpoint Content-Type = %q", ct)
		}
		n, err := note.Open(body, note.VerifierList(verifier))
		if err != nil {
			t.Fatalf("checkpoint does not verify: %v", err)
		}
		lines := strings.SplitN(n.Text, "\n", 4)
		var size int64
		if _, err := fmt.Sscan(lines[1], &size); err != nil || lines[0] != verifier.Name() {
			t.Fatalf("checkpoint text %q", n.Text)
		}
		h, err := tlog.ParseHash(lines[2])
		if err != nil {
			t.Fatal(err)
		}
		return tlog.Tree{N: size, Hash: h}
	}
	client := &tileClient{t: t, base: base, fetched: map[string]bool{}}

	older := open()
	if older.N != 1000 {
		t.Fatalf("checkpoint size = %d, want 1000", older.N)
	}
	// The root, recomputed from tiles: TileHashReader authenticates every
	// tile it reads against the checkpoint's root.
	oldReader := tlog.TileHashReader(older, client)
	if root, err := tlog.TreeHash(older.N, oldReader); err != nil || root != older.Hash {
		t.Fatalf("root from tiles = %v, %v; want %v", root, err, older.Hash)
	}
	// The entries: each bundle's commitments hash to the authenticated
	// level-0 hashes, and are the records' commitments.
	for start := int64(0); start < older.N; start += ledger.TileWidth {
		w := min(ledger.TileWidth, older.N-start)
		tile := tlog.Tile{H: ledger.TileHeight, L: -1, N: start / ledger.TileWidth, W: int(w)}
		body, hdr := get(t, base+ledger.TilePath(tile), http.StatusOK)
		if ct := hdr.Get("Content-Type"); ct != "application/octet-stream" {
			t.Errorf("entries Content-Type = %q", ct)
		}
		entries, err := ledger.ParseEntryBundle(body)
		if err != nil || int64(len(entries)) != w {
			t.Fatalf("entry bundle %s: %d entries, %v", ledger.TilePath(tile), len(entries), err)
		}
		indexes := make([]int64, w)
		for i := range indexes {
			indexes[i] = tlog.StoredHashIndex(0, start+int64(i))
		}
		hashes, err := oldReader.ReadHashes(indexes)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range entries {
			if tlog.RecordHash(c[:]) != hashes[i] || c != recs[start+int64(i)].Commitment() {
				t.Fatalf("entry %d does not match its leaf hash or record", start+int64(i))
			}
		}
	}
	// An auditor holding one record (and its salt) checks it is logged.
	proof, err := tlog.ProveRecord(older.N, 617, oldReader)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckRecord(proof, older.N, older.Hash, 617, recs[617].Commitment().LeafHash()); err != nil {
		t.Errorf("inclusion of record 617 from tiles: %v", err)
	}

	// More writes, a new checkpoint, and a consistency check between them.
	fill(t, store, seeded(9), 70000)
	if _, err := pub.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	newer := open()
	if newer.N != 70000 {
		t.Fatalf("new checkpoint size = %d, want 70000", newer.N)
	}
	newReader := tlog.TileHashReader(newer, client)
	if root, err := tlog.TreeHash(newer.N, newReader); err != nil || root != newer.Hash {
		t.Fatalf("new root from tiles = %v, %v; want %v", root, err, newer.Hash)
	}
	cproof, err := tlog.ProveTree(newer.N, older.N, newReader)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckTree(cproof, newer.N, newer.Hash, older.N, older.Hash); err != nil {
		t.Errorf("consistency from %d to %d from tiles: %v", older.N, newer.N, err)
	}
	// The partial tiles of both checkpoints were used, and higher levels.
	for _, p := range []string{"tile/0/003.p/232", "tile/0/273.p/112", "tile/1/001.p/17", "tile/2/000.p/1"} {
		if !client.fetched[p] {
			t.Errorf("client never fetched %s; fetched %v", p, client.fetched)
		}
	}
}

func TestHandlerResponses(t *testing.T) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	signer := testSigner(t, 1)
	fill(t, store, seeded(10), 300)
	if _, err := (&ledger.Publisher{Store: store, Signer: signer}).Publish(ctx); err != nil {
		t.Fatal(err)
	}
	srv := logServer(t, store, signer)
	base := srv.URL + "/log/"

	body, hdr := get(t, base+"tile/0/000", http.StatusOK)
	if len(body) != 8192 || !strings.Contains(hdr.Get("Cache-Control"), "immutable") {
		t.Errorf("full tile: %d bytes, Cache-Control %q", len(body), hdr.Get("Cache-Control"))
	}
	if _, hdr := get(t, base+"checkpoint", http.StatusOK); hdr.Get("Cache-Control") != "no-cache" {
		t.Errorf("checkpoint Cache-Control = %q", hdr.Get("Cache-Control"))
	}
	get(t, base+"tile/0/001.p/44", http.StatusOK)
	get(t, base+"tile/entries/001.p/44", http.StatusOK)
	get(t, base+"tile/0/001.p/45", http.StatusNotFound)
	get(t, base+"tile/0/001", http.StatusNotFound)
	get(t, base+"tile/entries/002.p/1", http.StatusNotFound)
	get(t, base+"tile/0/01", http.StatusBadRequest)
	get(t, base+"tile/8/0/000", http.StatusBadRequest)
	get(t, base+"nothing", http.StatusNotFound)

	resp, err := http.Post(base+"checkpoint", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST checkpoint = %d, want 405", resp.StatusCode)
	}
	resp, err = http.Head(base + "tile/0/000")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("HEAD tile = %d, want 200", resp.StatusCode)
	}
}

// failingStore is a store whose reads fail, as a database that went away.
type failingStore struct{ *ledger.MemStore }

func (failingStore) TreeSize(context.Context) (int64, error) {
	return 0, liaison.Errorf(liaison.Unavailable, "", "database is closed")
}

func TestHandlerHidesInternalErrors(t *testing.T) {
	store := ledger.NewMemStore()
	h := ledger.NewHandler(failingStore{store}, store, testSigner(t, 1).Verifier(), nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/tile/0/000", nil))
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "database") {
		t.Errorf("GET tile on a failing store = %d %q, want 500 without details", rec.Code, rec.Body)
	}
}

func FuzzParseTilePath(f *testing.F) {
	for _, s := range []string{"tile/0/x001/x234/067", "tile/1/001.p/17", "tile/entries/273.p/112", "tile/63/000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		tile, err := ledger.ParseTilePath(path)
		if err != nil {
			return
		}
		if got := ledger.TilePath(tile); got != path {
			t.Fatalf("TilePath(ParseTilePath(%q)) = %q", path, got)
		}
		if tile.H != ledger.TileHeight || tile.L < -1 || tile.L > 63 || tile.N < 0 || tile.W < 1 || tile.W > ledger.TileWidth {
			t.Fatalf("ParseTilePath(%q) = %+v, out of range", path, tile)
		}
	})
}
