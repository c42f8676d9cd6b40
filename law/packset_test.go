package law_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"liaison"
	"liaison/law"
	"liaison/packs"
)

func TestHashFiles(t *testing.T) {
	a := liaison.PackFile{Path: "us/a.yaml", Text: "id: a\n"}
	b := liaison.PackFile{Path: "us/b.yaml", Text: "id: b\n"}
	h := law.HashFiles([]liaison.PackFile{a, b})
	if len(h) != 64 {
		t.Fatalf("HashFiles = %q, want 64 hex digits", h)
	}
	if got := law.HashFiles([]liaison.PackFile{b, a}); got != h {
		t.Errorf("HashFiles(b, a) = %s, want %s as for (a, b): the order given must not matter", got, h)
	}
	for name, files := range map[string][]liaison.PackFile{
		"one byte changed": {a, {Path: b.Path, Text: "id: c\n"}},
		"a file renamed":   {a, {Path: "us/c.yaml", Text: b.Text}},
		"a file left out":  {a},
		// Lengths keep path and text apart.
		"path and text shifted": {a, {Path: b.Path + "i", Text: b.Text[1:]}},
	} {
		if got := law.HashFiles(files); got == h {
			t.Errorf("%s: HashFiles = %s, the same as the original set's", name, got)
		}
	}
}

// TestLoadFilesAgain loads the bundled packs, then the files the set keeps
// (as a stored pack set holds them), and checks both decide alike.
func TestLoadFilesAgain(t *testing.T) {
	set, err := law.Load(packs.FS())
	if err != nil {
		t.Fatal(err)
	}
	files := set.Files()
	if !slices.IsSortedFunc(files, func(a, b liaison.PackFile) int { return strings.Compare(a.Path, b.Path) }) {
		t.Error("Files are not sorted by path")
	}
	if len(files) != len(set.Packs()) {
		t.Errorf("Files() has %d files, want one per pack (%d)", len(files), len(set.Packs()))
	}
	again, err := law.LoadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	if again.Hash() != set.Hash() || set.Hash() != law.HashFiles(files) {
		t.Errorf("Hash after LoadFiles = %s, want %s", again.Hash(), set.Hash())
	}
	raw, err := os.ReadFile("../examples/request.json")
	if err != nil {
		t.Fatal(err)
	}
	req, err := liaison.DecodeRequest(raw)
	if err != nil {
		t.Fatal(err)
	}
	d1, err := set.Decide(req, law.Options{Explain: true})
	if err != nil {
		t.Fatal(err)
	}
	d2, err := again.Decide(req, law.Options{Explain: true})
	if err != nil {
		t.Fatal(err)
	}
	if d1.Outcome != d2.Outcome || d1.Explanation != d2.Explanation || len(d1.Considered) != len(d2.Considered) {
		t.Errorf("decided again from the set's files: %s %q, want %s %q", d2.Outcome, d2.Explanation, d1.Outcome, d1.Explanation)
	}
}

func TestLoadFilesNotUTF8(t *testing.T) {
	_, err := law.LoadFiles([]liaison.PackFile{{Path: "us/x.yaml", Text: "id: \xff\n"}})
	if err == nil || !strings.Contains(err.Error(), "us/x.yaml: not valid UTF-8") {
		t.Errorf("LoadFiles(not UTF-8) = %v, want an error naming the file", err)
	}
}
