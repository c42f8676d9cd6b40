package ledger_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"liaison/ledger"
)

var witnessTime = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

func testWitnessSigner(t *testing.T, seed uint64, name string) *ledger.CosignatureSigner {
	t.Helper()
	skey, _, err := ledger.GenerateWitnessKey(seeded(seed), name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ledger.NewCosignatureSigner(skey, func() time.Time { return witnessTime })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCosignatureInterop: cosignatures made here verify with torchwood's
// tlog-cosignature verifier and the other way round, and both write the
// same verifier key for the same key.
func TestCosignatureInterop(t *testing.T) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := io.ReadFull(seeded(7), seed); err != nil {
		t.Fatal(err)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	theirs, err := torchwood.NewCosignatureSigner("witness.example.org", priv)
	if err != nil {
		t.Fatal(err)
	}
	ours, err := ledger.NewCosignatureVerifier(theirs.Verifier().String())
	if err != nil {
		t.Fatalf("torchwood's verifier key does not parse: %v", err)
	}
	if ours.String() != theirs.Verifier().String() || ours.KeyHash() != theirs.KeyHash() {
		t.Errorf("verifier key = %s, torchwood's %s", ours, theirs.Verifier())
	}
	cp := ledger.Checkpoint{Origin: testOrigin, Size: 3, Hash: tlog.Hash{1}}
	logSigned, err := testSigner(t, 1).Sign(ledger.Checkpoint{Origin: testOrigin, Size: 4, Hash: tlog.Hash{2}})
	if err != nil {
		t.Fatal(err)
	}
	byThem, err := note.Sign(&note.Note{Text: string(cp.Text())}, theirs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(byThem, note.VerifierList(ours)); err != nil {
		t.Errorf("torchwood's cosignature does not verify here: %v", err)
	}

	w := testWitnessSigner(t, 8, "witness.example.org")
	byUs, err := note.Sign(&note.Note{Text: string(cp.Text())}, w)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(byUs, note.VerifierList(w.Verifier()))
	if err != nil {
		t.Fatal(err)
	}
	if ts, err := torchwood.CosignatureTimestamp(n.Sigs[0]); err != nil || ts != witnessTime.Unix() {
		t.Errorf("torchwood reads the cosignature's time as %d, %v; want %d", ts, err, witnessTime.Unix())
	}
	// A cosignature of another checkpoint, or by another key, does not.
	other := append(bytes.Clone(logSigned[:bytes.LastIndex(logSigned, []byte("\n\n"))+2]), byUs[bytes.LastIndex(byUs, []byte("\n\n"))+2:]...)
	if names := ledger.Cosignatures(other, []*ledger.CosignatureVerifier{w.Verifier()}); len(names) != 0 {
		t.Errorf("a cosignature moved onto another checkpoint verifies (%v)", names)
	}
	if names := ledger.Cosignatures(byUs, []*ledger.CosignatureVerifier{ours}); len(names) != 0 {
		t.Errorf("a cosignature verifies with another witness's key (%v)", names)
	}
	if names := ledger.Cosignatures(byUs, []*ledger.CosignatureVerifier{w.Verifier()}); len(names) != 1 {
		t.Errorf("Cosignatures = %v, want the witness", names)
	}
}

// foreignLog is a log liaison did not write: leaves of any bytes, hashed
// and proved by golang.org/x/mod/sumdb/tlog alone, its checkpoints signed
// with note directly, under another origin and key.
type foreignLog struct {
	origin string
	signer note.Signer
	vkey   string
	hashes []tlog.Hash
	size   int64
}

func newForeignLog(t *testing.T, origin string, seed uint64) *foreignLog {
	skey, vkey, err := note.GenerateKey(seeded(seed), origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return &foreignLog{origin: origin, signer: s, vkey: vkey}
}

func (l *foreignLog) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = l.hashes[x]
	}
	return out, nil
}

func (l *foreignLog) add(t *testing.T, entries ...string) {
	for _, e := range entries {
		hs, err := tlog.StoredHashes(l.size, []byte(e), l)
		if err != nil {
			t.Fatal(err)
		}
		l.hashes = append(l.hashes, hs...)
		l.size++
	}
}

func (l *foreignLog) checkpoint(t *testing.T) (int64, tlog.Hash, []byte) {
	root, err := tlog.TreeHash(l.size, l)
	if err != nil {
		t.Fatal(err)
	}
	text := torchwood.Checkpoint{Origin: l.origin, Tree: tlog.Tree{N: l.size, Hash: root}}.String()
	signed, err := note.Sign(&note.Note{Text: text}, l.signer)
	if err != nil {
		t.Fatal(err)
	}
	return l.size, root, signed
}

func (l *foreignLog) proof(t *testing.T, old int64) tlog.TreeProof {
	p, err := tlog.ProveTree(l.size, old, l)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func addBody(old int64, proof tlog.TreeProof, signed []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", old)
	for _, h := range proof {
		fmt.Fprintf(&b, "%s\n", h)
	}
	b.WriteString("\n")
	b.Write(signed)
	return b.Bytes()
}

func post(t *testing.T, url string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "text/plain", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func newTestWitness(t *testing.T, dir string, ws *ledger.CosignatureSigner, logs ...string) (*ledger.Witness, *httptest.Server) {
	t.Helper()
	var vs []*ledger.Verifier
	for _, k := range logs {
		v, err := ledger.NewVerifier(k)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	w, err := ledger.NewWitness(ledger.WitnessConfig{Signer: ws, Logs: vs, State: filepath.Join(dir, "state.json"),
		Evidence: filepath.Join(dir, "evidence"), Now: func() time.Time { return witnessTime }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	return w, srv
}

// TestWitnessForeignLog runs liaison's witness against checkpoints of a
// log liaison did not write: it cosigns what extends what it cosigned,
// answers each refusal with its C2SP status, and refuses and keeps the
// evidence of a split view.
func TestWitnessForeignLog(t *testing.T) {
	dir := t.TempDir()
	ws := testWitnessSigner(t, 9, "oversight.example.org/witness")
	log := newForeignLog(t, "other.example.com/tlog", 21)
	w, srv := newTestWitness(t, dir, ws, log.vkey)
	add := srv.URL + "/add-checkpoint"

	log.add(t, "a", "b", "c", "d", "e")
	_, _, cp5 := log.checkpoint(t)
	code, body := post(t, add, addBody(0, nil, cp5))
	if code != http.StatusOK {
		t.Fatalf("first checkpoint = %d %s", code, body)
	}
	if _, err := note.Open(append(bytes.Clone(cp5), body...), note.VerifierList(ws.Verifier())); err != nil {
		t.Errorf("the answer %q is not the witness's cosignature: %v", body, err)
	}

	log.add(t, "f", "g", "h", "i", "j", "k")
	_, _, cp11 := log.checkpoint(t)
	if code, body := post(t, add, addBody(0, nil, cp11)); code != http.StatusConflict || body != "5\n" {
		t.Errorf("old 0 when 5 is known = %d %q, want 409 \"5\\n\"", code, body)
	}
	bad := log.proof(t, 5)
	bad[0][0] ^= 1
	if code, body := post(t, add, addBody(5, bad, cp11)); code != http.StatusUnprocessableEntity {
		t.Errorf("bad proof = %d %s, want 422", code, body)
	}
	if code, body := post(t, add, addBody(5, log.proof(t, 5), cp11)); code != http.StatusOK {
		t.Fatalf("good proof = %d %s", code, body)
	}

	// Another log, and a checkpoint of this one signed by another key.
	stranger := newForeignLog(t, "stranger.example.com/tlog", 22)
	stranger.add(t, "x")
	_, _, scp := stranger.checkpoint(t)
	if code, body := post(t, add, addBody(0, nil, scp)); code != http.StatusNotFound {
		t.Errorf("unknown log = %d %s, want 404", code, body)
	}
	impostor := newForeignLog(t, log.origin, 23)
	impostor.add(t, "a")
	_, _, icp := impostor.checkpoint(t)
	if code, body := post(t, add, addBody(11, nil, icp)); code != http.StatusForbidden {
		t.Errorf("checkpoint under another key = %d %s, want 403", code, body)
	}
	if code, body := post(t, add, []byte("old 1\n")); code != http.StatusBadRequest {
		t.Errorf("malformed = %d %s, want 400", code, body)
	}

	// A split view: the log signs a different tree of 11 leaves.
	fork := &foreignLog{origin: log.origin, signer: log.signer, vkey: log.vkey}
	fork.add(t, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "K")
	_, forkRoot, fcp := fork.checkpoint(t)
	if code, body := post(t, add, addBody(11, nil, fcp)); code != http.StatusUnprocessableEntity || !strings.Contains(body, "split view") {
		t.Errorf("split view at the known size = %d %s, want 422 naming a split view", code, body)
	}
	if code, _ := post(t, add, addBody(5, fork.proof(t, 5), fcp)); code != http.StatusConflict {
		t.Errorf("split view with old 5 = %d, want 409", code)
	}
	evidence, err := filepath.Glob(filepath.Join(dir, "evidence", "*"))
	if err != nil || len(evidence) != 1 {
		t.Fatalf("evidence files = %v, %v; want one for the forked checkpoint", evidence, err)
	}
	got, err := os.ReadFile(evidence[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got, cp11) || !bytes.Contains(got, fcp) {
		t.Errorf("evidence does not hold both checkpoints:\n%s", got)
	}
	if size, root := w.Known(log.origin); size != 11 || root == forkRoot {
		t.Errorf("after the split view the witness knows %d %v, want 11 and the first root", size, root)
	}

	// A rollback to a smaller tree.
	if code, body := post(t, add, addBody(11, nil, cp5)); code != http.StatusBadRequest {
		t.Errorf("rollback to 5 = %d %s, want 400", code, body)
	}
	// The state survives a restart.
	w2, srv2 := newTestWitness(t, dir, ws, log.vkey)
	if size, _ := w2.Known(log.origin); size != 11 {
		t.Errorf("after a restart the witness knows size %d, want 11", size)
	}
	if code, body := post(t, srv2.URL+"/add-checkpoint", addBody(0, nil, cp11)); code != http.StatusConflict || body != "11\n" {
		t.Errorf("after a restart, old 0 = %d %q, want 409 \"11\\n\"", code, body)
	}
	// The checkpoint it last cosigned, again (a log's node after a restart).
	if code, body := post(t, srv2.URL+"/add-checkpoint", addBody(11, nil, cp11)); code != http.StatusOK {
		t.Errorf("the same checkpoint again = %d %s, want 200", code, body)
	}
}

// TestCosigner: the server side submits each checkpoint with the right
// proof (learning the witness's size from a 409 after a restart), and
// serves the checkpoint with the cosignatures.
func TestCosigner(t *testing.T) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	signer := testSigner(t, 1)
	pub := &ledger.Publisher{Store: store, Signer: signer}
	ws1, ws2 := testWitnessSigner(t, 10, "one.example.org/w"), testWitnessSigner(t, 11, "two.example.org/w")
	_, srv1 := newTestWitness(t, t.TempDir(), ws1, signer.Verifier().Key())
	_, srv2 := newTestWitness(t, t.TempDir(), ws2, signer.Verifier().Key())
	cos := func() *ledger.Cosigner {
		return &ledger.Cosigner{Log: store, Verifier: signer.Verifier(), Witnesses: []ledger.WitnessEndpoint{
			{URL: srv1.URL, Verifier: ws1.Verifier()}, {URL: srv2.URL, Verifier: ws2.Verifier()}}}
	}
	c := cos()
	witnesses := []*ledger.CosignatureVerifier{ws1.Verifier(), ws2.Verifier()}
	for i, size := range []int{300, 1000} {
		fill(t, store, seeded(uint64(50+i)), size)
		if _, err := pub.Publish(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Cosign(ctx); err != nil {
			t.Fatalf("cosign at %d: %v", size, err)
		}
		served, err := c.LatestCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if names := ledger.Cosignatures(served, witnesses); len(names) != 2 {
			t.Errorf("at %d the served checkpoint has cosignatures of %v, want both", size, names)
		}
		if _, err := signer.Verifier().Open(served); err != nil {
			t.Errorf("the cosigned checkpoint no longer verifies with the log's key: %v", err)
		}
	}
	// A new checkpoint is published once both have cosigned it: not before,
	// nor while one of them is down.
	sizeOf := func(c *ledger.Cosigner) int64 {
		t.Helper()
		served, err := c.LatestCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := signer.Verifier().Open(served)
		if err != nil {
			t.Fatal(err)
		}
		return cp.Size
	}
	fill(t, store, seeded(59), 1200)
	if _, err := pub.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	if got := sizeOf(c); got > 1001 {
		t.Errorf("before cosigning, the published checkpoint has %d leaves, want the last cosigned", got)
	}
	srv2.Close()
	if _, err := c.Cosign(ctx); err == nil || !strings.Contains(err.Error(), "fewer than the quorum of 2") {
		t.Errorf("cosign with a witness down = %v, want it to say the quorum is not met", err)
	}
	if got := sizeOf(c); got > 1001 {
		t.Errorf("with a witness down, the published checkpoint has %d leaves, want the last cosigned by both", got)
	}
	c.Quorum = 1
	if _, err := c.Cosign(ctx); err == nil {
		t.Error("cosign with a witness down reports no error")
	}
	if got := sizeOf(c); got < 1200 {
		t.Errorf("with a quorum of 1, the published checkpoint has %d leaves, want the new one", got)
	}
	_, srv2 = newTestWitness(t, t.TempDir(), ws2, signer.Verifier().Key())

	// A new node (or a restart) knows no sizes: the 409 tells it.
	fill(t, store, seeded(60), 1500)
	if _, err := pub.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	c = cos()
	plain, _ := c.LatestCheckpoint(ctx)
	if names := ledger.Cosignatures(plain, witnesses); len(names) != 0 {
		t.Errorf("before cosigning the served checkpoint has cosignatures %v", names)
	}
	if _, err := c.Cosign(ctx); err != nil {
		t.Fatalf("cosign after a restart: %v", err)
	}
	served, _ := c.LatestCheckpoint(ctx)
	if names := ledger.Cosignatures(served, witnesses); len(names) != 2 {
		t.Errorf("after a restart the served checkpoint has cosignatures of %v, want both", names)
	}
}
