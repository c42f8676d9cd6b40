package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// A Witness cosigns the checkpoints of the logs it knows, as a C2SP
// tlog-witness (c2sp.org/tlog-witness): POST /add-checkpoint with
//
//	old <size the submitter believes the witness last cosigned>
//	<consistency proof hashes, base64, one a line>
//
//	<signed checkpoint>
//
// It answers the cosignature line(s) (200), or refuses: 400 for a request it
// cannot read, 403 for a checkpoint its log's key did not sign, 404 for a
// log it does not know, 409 (text/x.tlog.size: the size it knows) when old
// is not the size it last cosigned, 422 for a consistency proof that does
// not hold. It keeps, per log, the size, root and note it last cosigned in
// a state file, written before the cosignature is given, so it never
// cosigns a checkpoint that does not extend one it cosigned before, across
// restarts too.
//
// A split view is a validly signed checkpoint of the size last cosigned
// with another root: the log has shown two different trees. It is refused
// (409, or 422 when old is that size, as any bad proof), logged, and both
// signed notes are kept as evidence in a file of their own.
type Witness struct {
	signer   *CosignatureSigner
	logs     map[string]*Verifier
	path     string // the state file
	evidence string // the directory of split-view evidence
	logger   *slog.Logger
	now      func() time.Time
	mux      *http.ServeMux

	mu    sync.Mutex
	state witnessState
}

// witnessState is the state file: what was last cosigned, per origin.
type witnessState struct {
	Logs map[string]witnessLog `json:"logs"`
}

type witnessLog struct {
	Size int64     `json:"size"`
	Hash tlog.Hash `json:"hash"`
	// Note is the signed checkpoint last cosigned.
	Note string `json:"note"`
}

// WitnessConfig configures a Witness.
type WitnessConfig struct {
	// Signer cosigns; its name is the witness's name.
	Signer *CosignatureSigner
	// Logs are the verifier keys of the logs the witness accepts; a log is
	// named by its key's name, its origin.
	Logs []*Verifier
	// State is the path of the state file (made if missing); Evidence the
	// directory where split views are kept (made when one is found).
	State, Evidence string
	// Logger receives a line per cosignature and per refusal; nil
	// discards them.
	Logger *slog.Logger
	// Now is the clock of the log lines and evidence names (the cosignature's
	// time is the Signer's).
	Now func() time.Time
}

// NewWitness opens the witness's state and returns it.
func NewWitness(cfg WitnessConfig) (*Witness, error) {
	if cfg.Signer == nil || cfg.State == "" || cfg.Evidence == "" || cfg.Now == nil {
		return nil, errors.New("new witness: Signer, State, Evidence and Now are required")
	}
	w := &Witness{signer: cfg.Signer, logs: map[string]*Verifier{}, path: cfg.State, evidence: cfg.Evidence,
		logger: cfg.Logger, now: cfg.Now, mux: http.NewServeMux()}
	if w.logger == nil {
		w.logger = slog.New(slog.DiscardHandler)
	}
	for _, v := range cfg.Logs {
		if _, dup := w.logs[v.Origin()]; dup {
			return nil, fmt.Errorf("new witness: two keys for the log %q (one key per log)", v.Origin())
		}
		w.logs[v.Origin()] = v
	}
	data, err := os.ReadFile(cfg.State)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		w.state.Logs = map[string]witnessLog{}
	case err != nil:
		return nil, fmt.Errorf("new witness: read state: %w", err)
	default:
		if err := json.Unmarshal(data, &w.state); err != nil {
			return nil, fmt.Errorf("new witness: state %s: %w", cfg.State, err)
		}
		if w.state.Logs == nil {
			w.state.Logs = map[string]witnessLog{}
		}
	}
	w.mux.HandleFunc("POST /add-checkpoint", w.serveAdd)
	return w, nil
}

// ServeHTTP serves the witness's one route.
func (w *Witness) ServeHTTP(rw http.ResponseWriter, r *http.Request) { w.mux.ServeHTTP(rw, r) }

// Known returns the size and root last cosigned for origin (0 when none).
func (w *Witness) Known(origin string) (int64, tlog.Hash) {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := w.state.Logs[origin]
	return l.Size, l.Hash
}

// WitnessError is a refusal of an add-checkpoint request, with its HTTP
// status. Known is the size the witness knows, for 409.
type WitnessError struct {
	Status  int
	Known   int64
	Message string
}

func (e *WitnessError) Error() string { return e.Message }

func refuse(status int, format string, args ...any) *WitnessError {
	return &WitnessError{Status: status, Message: fmt.Sprintf(format, args...)}
}

// maxAddCheckpoint bounds a request's body: a checkpoint with a few
// signatures and a proof of at most 63 hashes.
const maxAddCheckpoint = 16 << 10

func (w *Witness) serveAdd(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxAddCheckpoint))
	if err != nil {
		http.Error(rw, "request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	sigs, err := w.Add(body)
	var we *WitnessError
	switch {
	case err == nil:
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = rw.Write(sigs)
	case errors.As(err, &we) && we.Status == http.StatusConflict:
		rw.Header().Set("Content-Type", "text/x.tlog.size")
		rw.WriteHeader(http.StatusConflict)
		fmt.Fprintf(rw, "%d\n", we.Known)
	case errors.As(err, &we):
		http.Error(rw, we.Message, we.Status)
	default:
		w.logger.Error("witness: add-checkpoint", "err", err)
		http.Error(rw, "internal error", http.StatusInternalServerError)
	}
}

// Add handles one add-checkpoint request body and returns the cosignature
// line(s); a refusal is a *WitnessError.
func (w *Witness) Add(body []byte) ([]byte, error) {
	head, signed, ok := bytes.Cut(body, []byte("\n\n"))
	if !ok {
		return nil, refuse(http.StatusBadRequest, "no blank line between the old size and proof, and the checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	sizeText, ok := strings.CutPrefix(lines[0], "old ")
	old, err := strconv.ParseInt(sizeText, 10, 64)
	if !ok || err != nil || old < 0 || strconv.FormatInt(old, 10) != sizeText {
		return nil, refuse(http.StatusBadRequest, "first line %q is not \"old <size>\"", lines[0])
	}
	proof := make(tlog.TreeProof, 0, len(lines)-1)
	for _, l := range lines[1:] {
		h, err := tlog.ParseHash(l)
		if err != nil {
			return nil, refuse(http.StatusBadRequest, "proof line %q is not a base64 hash", l)
		}
		proof = append(proof, h)
	}
	origin, _, _ := strings.Cut(string(signed), "\n")
	v, ok := w.logs[origin]
	if !ok {
		w.logger.Warn("witness: refused a checkpoint of an unknown log", "origin", origin)
		return nil, refuse(http.StatusNotFound, "unknown log %q", origin)
	}
	cp, err := v.Open(signed)
	if err != nil {
		w.logger.Warn("witness: refused a checkpoint not signed by its log", "origin", origin, "err", err)
		return nil, refuse(http.StatusForbidden, "checkpoint is not signed by the key of %s", origin)
	}
	n, err := note.Open(signed, note.VerifierList(v.verifier))
	if err != nil {
		return nil, fmt.Errorf("witness: reopen checkpoint: %w", err)
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	known := w.state.Logs[origin]
	if known.Note != "" && cp.Size == known.Size && cp.Hash != known.Hash {
		if err := w.splitView(origin, known, cp, signed); err != nil {
			return nil, err
		}
		if old != known.Size {
			return nil, &WitnessError{Status: http.StatusConflict, Known: known.Size, Message: "split view"}
		}
		return nil, refuse(http.StatusUnprocessableEntity, "split view: a checkpoint of size %d with another root was cosigned before", cp.Size)
	}
	if old != known.Size {
		w.logger.Info("witness: old size is not the one known", "origin", origin, "old", old, "known", known.Size)
		return nil, &WitnessError{Status: http.StatusConflict, Known: known.Size, Message: fmt.Sprintf("known size is %d, not %d", known.Size, old)}
	}
	if old > cp.Size {
		return nil, refuse(http.StatusBadRequest, "old size %d is beyond the checkpoint's %d", old, cp.Size)
	}
	if old == 0 && len(proof) > 0 {
		return nil, refuse(http.StatusBadRequest, "a proof from size 0 must be empty")
	}
	if old > 0 {
		if err := tlog.CheckTree(proof, cp.Size, cp.Hash, old, known.Hash); err != nil {
			w.logger.Warn("witness: refused a bad consistency proof", "origin", origin, "old", old, "size", cp.Size, "err", err)
			return nil, refuse(http.StatusUnprocessableEntity, "consistency proof from %d to %d does not hold", old, cp.Size)
		}
	}
	// Durable before the cosignature leaves.
	next := w.state
	next.Logs = make(map[string]witnessLog, len(w.state.Logs)+1)
	for k, l := range w.state.Logs {
		next.Logs[k] = l
	}
	next.Logs[origin] = witnessLog{Size: cp.Size, Hash: cp.Hash, Note: string(signed)}
	if err := writeFileAtomic(w.path, next); err != nil {
		return nil, fmt.Errorf("witness: save state: %w", err)
	}
	w.state = next
	cosigned, err := note.Sign(&note.Note{Text: n.Text}, w.signer)
	if err != nil {
		return nil, fmt.Errorf("witness: cosign: %w", err)
	}
	w.logger.Info("witness: cosigned", "origin", origin, "size", cp.Size, "root", cp.Hash.String())
	return signatureLines(cosigned), nil
}

// splitView keeps the evidence of two checkpoints of the same size with
// different roots, and logs it.
func (w *Witness) splitView(origin string, known witnessLog, cp Checkpoint, signed []byte) error {
	if err := os.MkdirAll(w.evidence, 0o700); err != nil {
		return fmt.Errorf("witness: keep split-view evidence: %w", err)
	}
	// Named by the offered note's hash: the same fork offered again is
	// one file.
	sum := sha256.Sum256(signed)
	name := fmt.Sprintf("%s-%d-%x.txt", safeName(origin), cp.Size, sum[:8])
	path := filepath.Join(w.evidence, name)
	text := fmt.Sprintf("split view of %s at size %d, found %s\n\ncosigned before:\n%s\noffered now:\n%s", origin, cp.Size, w.now().UTC().Format(time.RFC3339), known.Note, signed)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return fmt.Errorf("witness: keep split-view evidence: %w", err)
	}
	w.logger.Error("witness: SPLIT VIEW: the log signed two different trees of the same size; refused, evidence kept",
		"origin", origin, "size", cp.Size, "cosigned_root", known.Hash.String(), "offered_root", cp.Hash.String(), "evidence", path)
	return nil
}

// safeName makes an origin a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			return r
		}
		return '_'
	}, s)
}

// signatureLines returns the signature lines of a signed note.
func signatureLines(signed []byte) []byte {
	i := bytes.LastIndex(signed, []byte("\n\n"))
	return signed[i+2:]
}

// writeFileAtomic writes v as JSON to path through a temporary file,
// synced and renamed, so a crash leaves the old state or the new.
func writeFileAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		return err
	}
	return nil
}
