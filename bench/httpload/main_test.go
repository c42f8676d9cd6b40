package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The binaries are built once for every test here.
var (
	buildOnce            sync.Once
	liaisonBin, opaBin   string
	buildErr             error
	benchDir, binariesIn string
)

// binaries builds liaison and opa into a folder removed after the tests.
func binaries(t *testing.T) (liaison, opa string) {
	t.Helper()
	buildOnce.Do(func() {
		ctx := context.Background()
		if benchDir, buildErr = goList(ctx, ".", "-m", "-f", "{{.Dir}}"); buildErr != nil {
			return
		}
		root, err := goList(ctx, benchDir, "-m", "-f", "{{.Dir}}", "liaison")
		if err != nil {
			buildErr = err
			return
		}
		if binariesIn, buildErr = os.MkdirTemp("", "httpload-test-"); buildErr != nil {
			return
		}
		liaisonBin, opaBin = filepath.Join(binariesIn, "liaison"), filepath.Join(binariesIn, "opa")
		if buildErr = build(ctx, root, liaisonBin, "./cmd/liaison"); buildErr != nil {
			return
		}
		buildErr = build(ctx, benchDir, opaBin, "./opaserver")
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return liaisonBin, opaBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binariesIn != "" {
		os.RemoveAll(binariesIn)
	}
	os.Exit(code)
}

// tiny is a run of a few requests per level: enough to go through every
// part of the tool, not a measurement.
func tiny(t *testing.T, targets string, extra ...string) (config, *bytes.Buffer) {
	t.Helper()
	lb, ob := binaries(t)
	args := append([]string{"-targets", targets, "-c", "1,3", "-d", "10s", "-warmup", "0s", "-n", "30",
		"-check", "200", "-liaison", lb, "-opa", ob, "-dir", t.TempDir()}, extra...)
	var stderr bytes.Buffer
	c, err := parse(args, os.Getenv, &stderr)
	if err != nil {
		t.Fatalf("parse(%q): %v", args, err)
	}
	return c, &stderr
}

// TestHTTPLoad runs the whole tool for a few requests against OPA's server
// and liaison's stateless and durable routes (and PostgreSQL with one and
// three nodes when a DSN is set), and checks that every target answered
// every request it counted, within the count, and that the report has
// each target's rows and the ratios.
func TestHTTPLoad(t *testing.T) {
	targets := "opa,decide,sqlite,empty,fixed"
	if os.Getenv("LIAISON_TEST_POSTGRES_DSN") != "" || os.Getenv("LIAISON_BENCH_POSTGRES_DSN") != "" {
		targets += ",pg1,pg3"
	} else if os.Getenv("LIAISON_REQUIRE_ALL") == "1" {
		t.Fatal("LIAISON_REQUIRE_ALL=1 but LIAISON_TEST_POSTGRES_DSN is not set: the PostgreSQL targets cannot run")
	} else {
		t.Log("LIAISON_TEST_POSTGRES_DSN not set: measuring without the PostgreSQL targets (LIAISON_REQUIRE_ALL=1 makes this a failure)")
	}
	c, stderr := tiny(t, targets)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	reps, err := measure(ctx, c, stderr)
	if err != nil {
		t.Fatalf("measure: %v\n%s", err, stderr)
	}
	if len(reps) != 1 {
		t.Fatalf("measure made %d reports, want one round's", len(reps))
	}
	rep := reps[0]
	if !strings.Contains(stderr.String(), "liaison and OPA gave the same outcome and decisive rules for 200 requests") {
		t.Errorf("no agreement check in the output:\n%s", stderr)
	}
	for _, target := range c.targets {
		for _, n := range c.levels {
			r, ok := rep.find(target, n)
			if !ok {
				t.Errorf("no row for %s at %d clients", target, n)
				continue
			}
			if r.errors > 0 || r.requests == 0 || r.requests > c.bound.count {
				t.Errorf("%s at %d clients: %d requests, %d errors (first: %s); want 1 to %d requests and no errors",
					target, n, r.requests, r.errors, r.firstErr, c.bound.count)
			}
			if len(r.latencies) != r.requests || r.pct(0.5) <= 0 || r.pct(0.99) < r.pct(0.5) {
				t.Errorf("%s at %d clients: %d latencies for %d requests, p50 %v, p99 %v", target, n, len(r.latencies), r.requests, r.pct(0.5), r.pct(0.99))
			}
			if r.serverCPU <= 0 && r.requests >= 30 && target != targetOPA {
				t.Logf("%s at %d clients: no server CPU time read from /proc", target, n)
			}
			// Each client's connection blocks in the kernel at least
			// once while its server answers.
			if r.clientSwitches.voluntary <= 0 {
				t.Errorf("%s at %d clients: no context switches of the load generator's threads read from /proc", target, n)
			}
		}
	}
	var out bytes.Buffer
	rep.write(&out)
	for _, want := range []string{"| liaison serve, POST /v1/decisions (stateless) | 3 |", "| OPA server", "stateless: liaison ÷ OPA", "durable SQLite ÷ OPA",
		"| net/http, an empty handler (the floor) | 3 |", "| net/http, reads the body, answers fixed bytes (the floor) | 1 |",
		"server switches per request", "OPA's best level: ", "Durable SQLite's best level: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(targets, "pg3") && !strings.Contains(out.String(), "PostgreSQL 3 nodes ÷ 1 node") {
		t.Errorf("report lacks the PostgreSQL scaling ratio:\n%s", out.String())
	}
	t.Logf("\n%s", out.String())
}

// TestDisagreementStops checks that the comparison before the load fails
// the run when OPA's policy answers differently: here a policy whose
// default outcome is "forbidden" instead of "permitted".
func TestDisagreementStops(t *testing.T) {
	src, err := os.ReadFile("../testdata/policy.rego")
	if err != nil {
		t.Fatal(err)
	}
	wrong := strings.Replace(string(src), `} else := "permitted"`, `} else := "forbidden"`, 1)
	if wrong == string(src) {
		t.Fatal("testdata/policy.rego has no default outcome to change")
	}
	policy := filepath.Join(t.TempDir(), "wrong.rego")
	if err := os.WriteFile(policy, []byte(wrong), 0o600); err != nil {
		t.Fatal(err)
	}
	c, stderr := tiny(t, "opa,decide", "-policy", policy)
	_, err = measure(context.Background(), c, stderr)
	if err == nil || !strings.Contains(err.Error(), "liaison answered permitted") {
		t.Fatalf("measure with a wrong policy: %v, want liaison answered permitted, OPA something else", err)
	}
}
