package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"liaison"
)

// WitnessEndpoint is a witness a log submits its checkpoints to: its
// tlog-witness URL (the one /add-checkpoint is under) and its cosignature
// verifier key.
type WitnessEndpoint struct {
	URL      string
	Verifier *CosignatureVerifier
}

// ParseWitnessEndpoint parses "VKEY URL", the form of serve's --witness
// flag and LIAISON_WITNESSES' lines.
func ParseWitnessEndpoint(s string) (WitnessEndpoint, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return WitnessEndpoint{}, liaison.Errorf(liaison.Invalid, "", "witness %q: want its verifier key and URL, separated by a space", s)
	}
	v, err := NewCosignatureVerifier(f[0])
	if err != nil {
		return WitnessEndpoint{}, err
	}
	if !strings.HasPrefix(f[1], "http://") && !strings.HasPrefix(f[1], "https://") {
		return WitnessEndpoint{}, liaison.Errorf(liaison.Invalid, "", "witness %s: URL %q is not http(s)", v.Name(), f[1])
	}
	return WitnessEndpoint{URL: strings.TrimSuffix(f[1], "/"), Verifier: v}, nil
}

// Cosigner submits the log's latest checkpoint to its witnesses, each with
// the consistency proof from the size that witness last cosigned, and keeps
// the checkpoint with the cosignatures it got. As a CheckpointReader it
// publishes the latest checkpoint that a quorum of the witnesses cosigned
// (a client that does not know them ignores their lines, as signed notes
// require): mount it as the Handler's checkpoints. A newer checkpoint is
// published once the quorum has cosigned it, so that an auditor who
// requires the cosignatures always finds them; while a witness is down,
// the one published falls behind, and the log says so.
//
// The cosigned note is kept in memory: after a restart the stored latest
// checkpoint is published, plain, until Run (which submits at once) has
// the quorum's cosignatures; a witness cosigns a checkpoint it has cosigned
// before again.
type Cosigner struct {
	// Log holds the tree and its checkpoints.
	Log interface {
		HashReader
		CheckpointReader
	}
	// Verifier is the log's key.
	Verifier  *Verifier
	Witnesses []WitnessEndpoint
	// Quorum is how many of the witnesses must cosign a checkpoint before
	// it is published (0: all of them).
	Quorum int
	// Client makes the requests (nil: a client with a 10 s timeout).
	Client *http.Client
	// Logger receives a line per witness and failure; nil discards them.
	Logger *slog.Logger

	mu sync.Mutex
	// known is each witness's size, as far as this node knows.
	known map[string]int64
	// signed is the latest stored checkpoint as submitted, cosigned the
	// same with the cosignatures got; published the latest with a quorum.
	signed, cosigned, published []byte
}

// LatestCheckpoint returns the latest checkpoint a quorum of the
// witnesses cosigned, with their cosignatures; before there is one, the
// latest stored.
func (c *Cosigner) LatestCheckpoint(ctx context.Context) ([]byte, error) {
	c.mu.Lock()
	published := c.published
	c.mu.Unlock()
	if published != nil {
		return published, nil
	}
	return c.Log.LatestCheckpoint(ctx)
}

func (c *Cosigner) quorum() int {
	if c.Quorum <= 0 || c.Quorum > len(c.Witnesses) {
		return len(c.Witnesses)
	}
	return c.Quorum
}

// Cosign submits the latest stored checkpoint to every witness that has
// not cosigned it yet and returns it with all the cosignatures got. A
// witness's failure is logged and in the error (joined); the others' are
// kept.
func (c *Cosigner) Cosign(ctx context.Context) ([]byte, error) {
	signed, err := c.Log.LatestCheckpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("cosign: latest checkpoint: %w", err)
	}
	cp, err := c.Verifier.Open(signed)
	if err != nil {
		return nil, fmt.Errorf("cosign: %w", err)
	}
	c.mu.Lock()
	if c.known == nil {
		c.known = map[string]int64{}
	}
	have := c.cosigned
	if !bytes.Equal(signed, c.signed) {
		have = signed
	}
	c.mu.Unlock()

	var errs []error
	out := have
	for _, w := range c.Witnesses {
		if len(Cosignatures(out, []*CosignatureVerifier{w.Verifier})) == 1 {
			continue
		}
		line, err := c.submit(ctx, w, cp, signed)
		if err != nil {
			c.logger().ErrorContext(ctx, "log: witness did not cosign", "witness", w.Verifier.Name(), "size", cp.Size, "err", err)
			errs = append(errs, err)
			continue
		}
		out = append(bytes.Clone(out), line...)
		c.logger().InfoContext(ctx, "log: witness cosigned", "witness", w.Verifier.Name(), "size", cp.Size)
	}
	var ws []*CosignatureVerifier
	for _, w := range c.Witnesses {
		ws = append(ws, w.Verifier)
	}
	n := len(Cosignatures(out, ws))
	c.mu.Lock()
	c.signed, c.cosigned = signed, out
	if n >= c.quorum() {
		c.published = out
	}
	c.mu.Unlock()
	if n < c.quorum() {
		errs = append(errs, fmt.Errorf("the checkpoint of %d leaves has %d cosignatures, fewer than the quorum of %d: the one published stays the last with a quorum", cp.Size, n, c.quorum()))
	}
	return out, errors.Join(errs...)
}

// submit asks one witness to cosign cp, and returns its cosignature line.
// A 409 (the witness knows another size) is answered once with a proof
// from the size it names.
func (c *Cosigner) submit(ctx context.Context, w WitnessEndpoint, cp Checkpoint, signed []byte) ([]byte, error) {
	name := w.Verifier.Name()
	c.mu.Lock()
	old := c.known[name]
	c.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if old > cp.Size {
			return nil, fmt.Errorf("witness %s: it has cosigned a tree of %d leaves, more than this log's %d: the log was rolled back, or it shows others another tree", name, old, cp.Size)
		}
		var proof []tlog.Hash
		if old > 0 {
			p, err := ProveConsistency(ctx, c.Log, old, cp.Size)
			if err != nil {
				return nil, fmt.Errorf("witness %s: %w", name, err)
			}
			proof = p
		}
		var body bytes.Buffer
		fmt.Fprintf(&body, "old %d\n", old)
		for _, h := range proof {
			fmt.Fprintf(&body, "%s\n", h)
		}
		body.WriteString("\n")
		body.Write(signed)
		status, answer, err := c.post(ctx, w.URL+"/add-checkpoint", body.Bytes())
		if err != nil {
			return nil, fmt.Errorf("witness %s: %w", name, err)
		}
		switch {
		case status == http.StatusOK:
			line, err := checkCosignature(w.Verifier, signed, answer)
			if err != nil {
				return nil, fmt.Errorf("witness %s: %w", name, err)
			}
			c.mu.Lock()
			c.known[name] = cp.Size
			c.mu.Unlock()
			return line, nil
		case status == http.StatusConflict && attempt == 0:
			known, err := strconv.ParseInt(strings.TrimSpace(string(answer)), 10, 64)
			if err != nil || known < 0 {
				return nil, fmt.Errorf("witness %s: 409 without a tree size: %q", name, answer)
			}
			old = known
			continue
		}
		return nil, fmt.Errorf("witness %s: %d %s", name, status, strings.TrimSpace(string(answer)))
	}
}

// checkCosignature checks that the witness's answer holds its valid
// cosignature of signed, and returns that line.
func checkCosignature(v *CosignatureVerifier, signed, answer []byte) ([]byte, error) {
	for _, line := range bytes.SplitAfter(answer, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		withLine := append(bytes.Clone(signed), line...)
		if !bytes.HasSuffix(line, []byte("\n")) {
			line = append(line, '\n')
			withLine = append(withLine, '\n')
		}
		if _, err := note.Open(withLine, note.VerifierList(v)); err == nil {
			return line, nil
		}
	}
	return nil, fmt.Errorf("its answer holds no valid cosignature by its key: %q", answer)
}

func (c *Cosigner) post(ctx context.Context, url string, body []byte) (int, []byte, error) {
	client := c.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, answer, nil
}

func (c *Cosigner) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

// Run cosigns the latest checkpoint now and then every interval until ctx
// ends (a checkpoint every witness has cosigned is not submitted again).
func (c *Cosigner) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := c.Cosign(ctx); err != nil && ctx.Err() == nil && liaison.KindOf(err) != liaison.NotFound {
			c.logger().WarnContext(ctx, "log: cosigning", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
