package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/open-policy-agent/opa/v1/ast"

	"liaison"
	"liaison/bench"
)

// A fixture is the run's binaries, its requests, encoded for each server,
// and the servers and databases it started.
type fixture struct {
	c          config
	dir        string
	stderr     io.Writer
	liaisonBin string
	opaBin     string
	floorBin   string // bench/nethttpfloor, for the floor targets

	reqs   []*liaison.Request
	decide [][]byte // POST /v1/decisions bodies
	opa    [][]byte // OPA's {"input": ...} bodies
	// intake holds the intake bodies after the idempotency key: `",`
	// then the members request, actions, subject and context, then `}`.
	intake [][]byte

	procs       []*proc
	cleanup     []func() error
	decideURL   string // liaison's POST /v1/decisions, once started
	decideToken string // a clerk's token for it
}

// A target is one thing measured: its servers and what its clients send.
type target struct {
	key   string
	procs []*proc
	wl    workload
}

// switches are the context switches of the target's servers so far.
func (t target) switches() switches {
	var s switches
	for _, p := range t.procs {
		ps := p.switches()
		s.voluntary += ps.voluntary
		s.involuntary += ps.involuntary
	}
	return s
}

// cpu is the CPU time the target's servers have used so far.
func (t target) cpu() time.Duration {
	var d time.Duration
	for _, p := range t.procs {
		d += p.cpu()
	}
	return d
}

func newFixture(ctx context.Context, c config, dir string, stderr io.Writer) (*fixture, error) {
	fx := &fixture{c: c, dir: dir, stderr: stderr, liaisonBin: c.liaisonBin, opaBin: c.opaBin}
	if fx.liaisonBin == "" {
		root, err := goList(ctx, c.benchDir, "-m", "-f", "{{.Dir}}", "liaison")
		if err != nil {
			return nil, err
		}
		fx.liaisonBin = filepath.Join(dir, "liaison")
		fmt.Fprintf(stderr, "httpload: building liaison from %s\n", root)
		if err := build(ctx, root, fx.liaisonBin, "./cmd/liaison"); err != nil {
			return nil, err
		}
	}
	if fx.opaBin == "" && slices.Contains(c.targets, targetOPA) {
		fx.opaBin = filepath.Join(dir, "opa")
		fmt.Fprintln(stderr, "httpload: building opa from the OPA module (./opaserver)")
		if err := build(ctx, c.benchDir, fx.opaBin, "./opaserver"); err != nil {
			return nil, err
		}
	}
	if slices.Contains(c.targets, targetEmpty) || slices.Contains(c.targets, targetFixed) {
		fx.floorBin = filepath.Join(dir, "nethttpfloor")
		if err := build(ctx, c.benchDir, fx.floorBin, "./nethttpfloor"); err != nil {
			return nil, err
		}
	}
	fx.reqs = bench.Requests(c.seed, c.requests)
	for _, req := range fx.reqs {
		d, err := json.Marshal(decideBody(req))
		if err != nil {
			return nil, err
		}
		fx.decide = append(fx.decide, d)
		in, err := ast.JSON(bench.OPAInput(req))
		if err != nil {
			return nil, err
		}
		o, err := json.Marshal(map[string]any{"input": in})
		if err != nil {
			return nil, err
		}
		fx.opa = append(fx.opa, o)
		tail, err := intakeTail(req)
		if err != nil {
			return nil, err
		}
		fx.intake = append(fx.intake, tail)
	}
	return fx, nil
}

// decideBody returns req as POST /v1/decisions takes it: with its agency
// saying that levels without a pack have no law of their own, since the
// generator also draws places the packs do not cover (us/tx,
// us/ca/alameda-county), which the API refuses otherwise. No rule of the
// bench packs reads the agency, and OPA's input has none.
func decideBody(req *liaison.Request) *liaison.Request {
	r := *req
	var a liaison.Agency
	if r.Agency != nil {
		a = *r.Agency
	}
	a.NoLocalLaw = true
	r.Agency = &a
	return &r
}

// intakeTail returns the members of an intake body that come from req,
// after the agency and the idempotency key: the federal request (an empty
// one when req has none), the action asked for, the subject and the
// context. The agency, not req, says where it is decided.
func intakeTail(req *liaison.Request) ([]byte, error) {
	in := struct {
		Request liaison.FederalRequest `json:"request"`
		Actions []liaison.Action       `json:"actions"`
		Subject *liaison.Subject       `json:"subject,omitempty"`
		Context *liaison.Context       `json:"context,omitempty"`
	}{Actions: []liaison.Action{req.Action}, Subject: req.Subject, Context: req.Context}
	if req.Request != nil {
		in.Request = *req.Request
	}
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	return append([]byte(`",`), b[1:]...), nil
}

// start starts the servers of every target and returns the targets, in
// the order of allTargets. The decide target has a `liaison serve` of its
// own (on an SQLite database of its own, which the load does not write to), apart
// from the sqlite target's: the durable levels leave that node with work
// of their own (each intake opens duties, and the duty check every 30 s
// reads the open ones: seconds of CPU after 13,000 intakes), which was
// counted as the stateless level's when it fell during one.
func (fx *fixture) start(ctx context.Context) ([]target, error) {
	var out []target
	for _, key := range allTargets {
		if !slices.Contains(fx.c.targets, key) {
			continue
		}
		switch key {
		case targetOPA:
			p, base, err := fx.startOPA(ctx)
			if err != nil {
				return nil, err
			}
			out = append(out, target{key: key, procs: []*proc{p}, wl: workload{
				urls: []string{base + "/v1/data/liaison/bench/decision"},
				body: fx.cycle(fx.opa),
				want: http.StatusOK,
			}})
		case targetDecide, targetSQLite:
			db := filepath.Join(fx.dir, key, "liaison.db")
			if err := os.MkdirAll(filepath.Dir(db), 0o700); err != nil {
				return nil, err
			}
			nodes, clerk, agency, err := fx.startLiaison(ctx, "sqlite:"+db, key, 1)
			if err != nil {
				return nil, err
			}
			if key == targetSQLite {
				out = append(out, target{key: key, procs: procsOf(nodes), wl: fx.intakeLoad(nodes, clerk, agency)})
				continue
			}
			fx.decideURL, fx.decideToken = nodes[0].base+"/v1/decisions", clerk
			out = append(out, target{key: key, procs: procsOf(nodes), wl: workload{
				urls: []string{fx.decideURL}, token: clerk, body: fx.cycle(fx.decide), want: http.StatusOK,
			}})
		case targetPG1, targetPG3:
			n := 1
			if key == targetPG3 {
				n = fx.c.nodes
			}
			dsn, err := fx.pgSchema(ctx)
			if err != nil {
				return nil, err
			}
			nodes, clerk, agency, err := fx.startLiaison(ctx, dsn, key, n)
			if err != nil {
				return nil, err
			}
			out = append(out, target{key: key, procs: procsOf(nodes), wl: fx.intakeLoad(nodes, clerk, agency)})
		case targetEmpty, targetFixed:
			p, err := fx.startFloor(ctx, key)
			if err != nil {
				return nil, err
			}
			// The decide target's requests, token and all, so that the
			// floor reads what liaison reads.
			out = append(out, target{key: key, procs: []*proc{p}, wl: workload{
				urls: []string{"http://" + p.addr + "/v1/decisions"}, token: fx.decideToken, body: fx.cycle(fx.decide), want: http.StatusOK,
			}})
		}
	}
	return out, nil
}

// startFloor starts bench/nethttpfloor with the handler mode. The fixed
// answer is as long as liaison's answers to the first 100 requests on
// average, when the decide target runs (it starts first), else 4 KB.
func (fx *fixture) startFloor(ctx context.Context, mode string) (*proc, error) {
	size := 4096
	if fx.decideURL != "" {
		total, n := 0, min(100, len(fx.decide))
		for i := range n {
			var raw json.RawMessage
			if err := postJSON(ctx, fx.decideURL, fx.decideToken, fx.decide[i], &raw); err != nil {
				return nil, fmt.Errorf("size of liaison's answers: %w", err)
			}
			total += len(raw) + 1 // and its newline
		}
		size = total / n
	}
	p, err := startProc(ctx, "nethttpfloor ("+mode+")", filepath.Join(fx.dir, "floor-"+mode+".log"), fx.c.environment,
		"nethttpfloor listening on", listening, fx.floorBin, "-mode", mode, "-answer-bytes", strconv.Itoa(size))
	if err != nil {
		return nil, err
	}
	fx.procs = append(fx.procs, p)
	return p, nil
}

// cycle returns a workload body that sends bodies in turn, each client
// starting at a different place.
func (fx *fixture) cycle(bodies [][]byte) func([]byte, int, int) []byte {
	return func(buf []byte, w, i int) []byte {
		return append(buf, bodies[(w*7919+i)%len(bodies)]...)
	}
}

// intakeLoad is durable intake at agency through the nodes in turn, each
// request with an idempotency key of its own, so each is a new record.
func (fx *fixture) intakeLoad(nodes []node, clerk, agency string) workload {
	head := []byte(`{"agency":"` + agency + `","idempotency_key":"` + randomHex(4) + "-")
	var urls []string
	for _, n := range nodes {
		urls = append(urls, n.base+"/v1/requests")
	}
	var seq atomic.Uint64 // over every level, so each key is new
	return workload{urls: urls, token: clerk, want: http.StatusCreated,
		body: func(buf []byte, w, i int) []byte {
			buf = append(buf, head...)
			buf = strconv.AppendUint(buf, seq.Add(1), 10)
			return append(buf, fx.intake[(w*7919+i)%len(fx.intake)]...)
		}}
}

// A node is one `liaison serve`.
type node struct {
	proc *proc
	base string
}

func procsOf(nodes []node) []*proc {
	var ps []*proc
	for _, n := range nodes {
		ps = append(ps, n.proc)
	}
	return ps
}

// startLiaison makes an admin and a clerk token with `liaison token
// create`, starts n `liaison serve` nodes on db with one key folder (the
// first alone, as it makes the keys), and creates an agency at
// us/ca/bayview through the first.
func (fx *fixture) startLiaison(ctx context.Context, db, name string, n int) (nodes []node, clerk, agency string, err error) {
	admin, err := runCmd(ctx, fx.liaisonBin, "token", "create", "--db", db, "--role", "admin", "--name", "httpload admin")
	if err != nil {
		return nil, "", "", err
	}
	if clerk, err = runCmd(ctx, fx.liaisonBin, "token", "create", "--db", db, "--role", "clerk", "--name", "httpload clerk"); err != nil {
		return nil, "", "", err
	}
	keys := filepath.Join(fx.dir, name+"-keys")
	for i := range n {
		p, err := startProc(ctx, fmt.Sprintf("liaison serve (%s, node %d)", name, i+1), filepath.Join(fx.dir, fmt.Sprintf("%s-node%d.log", name, i+1)),
			fx.c.environment, "liaison listening on", listening,
			fx.liaisonBin, "serve", "--db", db, "--addr", "127.0.0.1:0", "--keys", keys, "--packs-only", fx.c.packs)
		if err != nil {
			return nil, "", "", err
		}
		fx.procs = append(fx.procs, p)
		nodes = append(nodes, node{proc: p, base: "http://" + p.addr})
	}
	agency, err = createAgency(ctx, nodes[0].base, admin)
	return nodes, clerk, agency, err
}

// createAgency creates the jail the intake load writes for.
func createAgency(ctx context.Context, base, admin string) (string, error) {
	body := []byte(`{"name":"Bayview County Jail (httpload)","jurisdiction":"us/ca/bayview","type":"jail"}`)
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/v1/agencies", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var a liaison.AgencyRecord
	if err := json.Unmarshal(b, &a); err != nil || resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("create agency: %s: %s", resp.Status, b)
	}
	return a.ID, nil
}

// startOPA starts `opa run --server` with the policy and returns it with
// its base URL. By default it logs errors only: its own default, info,
// writes two lines per request (liaison writes one), so this favours OPA.
func (fx *fixture) startOPA(ctx context.Context) (*proc, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	base := "http://" + addr
	p, err := startProc(ctx, "opa run --server", filepath.Join(fx.dir, "opa.log"), fx.c.environment, "",
		func(ctx context.Context, _ *lineWatch) (string, error) { return addr, poll(ctx, base+"/health") },
		fx.opaBin, "run", "--server", "--addr", addr, "--log-level", fx.c.opaLogLevel, fx.c.policy)
	if err != nil {
		return nil, "", err
	}
	fx.procs = append(fx.procs, p)
	return p, base, nil
}

// pgSchema creates a schema of its own on the PostgreSQL server, dropped
// at the end, and returns a DSN that uses it.
func (fx *fixture) pgSchema(ctx context.Context) (string, error) {
	schema := "liaison_httpload_" + randomHex(6)
	if err := pgExec(ctx, fx.c.pgDSN, "CREATE SCHEMA "+schema); err != nil {
		return "", fmt.Errorf("PostgreSQL: %w", err)
	}
	fx.cleanup = append(fx.cleanup, func() error {
		return pgExec(context.Background(), fx.c.pgDSN, "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(fx.c.pgDSN)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", errors.New("the PostgreSQL DSN must be a postgres:// URL")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// pgExec runs one statement on a connection of its own.
func pgExec(ctx context.Context, dsn, query string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, query)
	return err
}

// close stops the servers (the nodes first, then dropping their schemas).
func (fx *fixture) close() error {
	for _, p := range slices.Backward(fx.procs) {
		p.stop()
	}
	var errs []error
	for _, f := range fx.cleanup {
		errs = append(errs, f())
	}
	return errors.Join(errs...)
}
