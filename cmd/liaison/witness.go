package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"liaison/ledger"
)

// witnessCmd is `liaison witness`: a C2SP tlog-witness for an oversight
// body (see ledger.Witness). Its directory holds its key (witness.key),
// its state (state.json: the last checkpoint cosigned per log) and the
// evidence of split views (evidence/).
type witnessCmd struct {
	stdout, stderr io.Writer
	now            func() time.Time
	// ready, when set, receives the address once the witness listens (tests).
	ready func(addr string)
}

const witnessUsage = `usage:
  liaison witness key --dir DIR --name NAME     make the witness's key (once) and print its verifier key
  liaison witness serve --dir DIR [--addr HOST:PORT] (--log KEY ... | --logs FILE)
                                                cosign the checkpoints of the logs given (their verifier keys)`

func (c *witnessCmd) run(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "key" && args[0] != "serve") {
		fmt.Fprintln(c.stderr, witnessUsage)
		return exitError(2)
	}
	fl := flag.NewFlagSet("witness "+args[0], flag.ContinueOnError)
	fl.SetOutput(c.stderr)
	dir := fl.String("dir", "liaison-witness", "the witness's `DIR`: witness.key, state.json, evidence/")
	name := fl.String("name", "", "key: the witness's `NAME`, as its cosignatures carry it (e.g. oversight.example.org/witness)")
	addr := fl.String("addr", "127.0.0.1:7380", "serve: listen on `HOST:PORT`")
	var logs stringList
	fl.Var(&logs, "log", "serve: the verifier `KEY` of a log to cosign (as its /log/key serves it); repeatable")
	logsFile := fl.String("logs", "", "serve: a `FILE` of log verifier keys, one a line (# comments)")
	if err := fl.Parse(args[1:]); err != nil {
		return exitError(2)
	}
	keyPath := filepath.Join(*dir, "witness.key")
	if args[0] == "key" {
		return c.key(keyPath, *name)
	}
	skey, err := os.ReadFile(keyPath)
	if err != nil {
		return fmt.Errorf("witness serve: %w (make the key once with `liaison witness key --dir %s --name NAME`)", err, *dir)
	}
	signer, err := ledger.NewCosignatureSigner(string(skey), c.now)
	if err != nil {
		return err
	}
	if *logsFile != "" {
		more, err := readKeyList(*logsFile)
		if err != nil {
			return fmt.Errorf("witness serve: --logs: %w", err)
		}
		logs = append(logs, more...)
	}
	if len(logs) == 0 {
		return errors.New("witness serve: no logs to cosign: give their verifier keys with --log or --logs")
	}
	var verifiers []*ledger.Verifier
	for _, k := range logs {
		v, err := ledger.NewVerifier(k)
		if err != nil {
			return fmt.Errorf("witness serve: %w", err)
		}
		verifiers = append(verifiers, v)
	}
	logger := slog.New(slog.NewJSONHandler(c.stderr, nil))
	w, err := ledger.NewWitness(ledger.WitnessConfig{Signer: signer, Logs: verifiers, Logger: logger, Now: c.now,
		State: filepath.Join(*dir, "state.json"), Evidence: filepath.Join(*dir, "evidence")})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("witness serve: listen: %w", err)
	}
	srv := &http.Server{Handler: w, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout, WriteTimeout: writeTimeout, IdleTimeout: idleTimeout,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(c.stdout, "liaison witness %s listening on http://%s for %d logs\n", signer.Verifier(), ln.Addr(), len(verifiers))
	if c.ready != nil {
		c.ready(ln.Addr().String())
	}
	select {
	case err := <-served:
		return fmt.Errorf("witness serve: %w", err)
	case <-ctx.Done():
	}
	drain, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return srv.Shutdown(drain)
}

// key makes the witness's key, once, and prints its verifier key.
func (c *witnessCmd) key(path, name string) error {
	if b, err := os.ReadFile(path); err == nil {
		s, err := ledger.NewCosignatureSigner(string(b), c.now)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stderr, "%s exists already; its verifier key:\n", path)
		fmt.Fprintln(c.stdout, s.Verifier())
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("witness key: %w", err)
	}
	if name == "" {
		return errors.New("witness key: give the witness's --name (e.g. oversight.example.org/witness)")
	}
	skey, vkey, err := ledger.GenerateWitnessKey(rand.Reader, name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("witness key: %w", err)
	}
	if err := os.WriteFile(path, []byte(skey+"\n"), 0o600); err != nil {
		return fmt.Errorf("witness key: %w", err)
	}
	fmt.Fprintf(c.stderr, "created %s (keep it safe: it cannot be recovered)\n", path)
	fmt.Fprintln(c.stdout, vkey)
	return nil
}

// readKeyList reads keys, one a line; blank lines and # comments are
// skipped.
func readKeyList(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var keys []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			keys = append(keys, l)
		}
	}
	return keys, sc.Err()
}

// witnessFlags configure the witnesses a server submits its checkpoints
// to: --witness "KEY URL" (repeatable) or LIAISON_WITNESSES, one a line.
type witnessFlags struct {
	witnesses stringList
	quorum    int
}

func (f *witnessFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.witnesses, "witness", "a witness to submit each checkpoint to: its cosignature verifier `KEY` and URL, separated by a space; repeatable (or LIAISON_WITNESSES, one a line)")
	fs.IntVar(&f.quorum, "witness-quorum", 0, "publish a checkpoint at /log/checkpoint once `N` of the witnesses have cosigned it (0: all of them)")
}

// cosigner returns the cosigner of the configured witnesses, or nil when
// none is.
func (f *witnessFlags) cosigner(getenv func(string) string, store dataStore, v *ledger.Verifier, logger *slog.Logger) (*ledger.Cosigner, error) {
	specs := append([]string(nil), f.witnesses...)
	for _, l := range strings.Split(getenv("LIAISON_WITNESSES"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			specs = append(specs, l)
		}
	}
	if len(specs) == 0 {
		return nil, nil
	}
	c := &ledger.Cosigner{Log: store, Verifier: v, Logger: logger, Quorum: f.quorum}
	for _, s := range specs {
		w, err := ledger.ParseWitnessEndpoint(s)
		if err != nil {
			return nil, fmt.Errorf("--witness: %w", err)
		}
		c.Witnesses = append(c.Witnesses, w)
	}
	if f.quorum < 0 || f.quorum > len(c.Witnesses) {
		return nil, fmt.Errorf("--witness-quorum %d: there are %d witnesses", f.quorum, len(c.Witnesses))
	}
	return c, nil
}
