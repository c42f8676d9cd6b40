package packs_test

import (
	"testing"

	"liaison/law"
	"liaison/packs"
)

// TestBundled runs every bundled pack test (each a scenario from
// shared/law/scenarios or a test of an amendment), as `liaison packs test` does.
func TestBundled(t *testing.T) {
	set, tests := load(t)
	if len(tests) == 0 {
		t.Fatal("no bundled pack tests")
	}
	for _, tc := range tests {
		t.Run(tc.ID, func(t *testing.T) {
			r := set.Run(tc)
			if r.Skipped != "" {
				t.Skip(r.Skipped)
			}
			for _, f := range r.Failed {
				t.Errorf("%s %s: %s", r.File, r.ID, f)
			}
		})
	}
}

// TestBundledLint requires the bundled packs to be lint-clean.
func TestBundledLint(t *testing.T) {
	set, tests := load(t)
	for _, f := range set.Lint(tests) {
		t.Errorf("lint: %s", f)
	}
}

func load(t *testing.T) (*law.Set, []*law.Test) {
	t.Helper()
	set, err := law.Load(packs.FS())
	if err != nil {
		t.Fatalf("Load(bundled packs):\n%v", err)
	}
	tests, err := law.LoadTests(packs.FS())
	if err != nil {
		t.Fatalf("LoadTests: %v", err)
	}
	return set, tests
}
