package proposals

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestAll(t *testing.T) {
	all := All()
	if len(all) == 0 || all[0].Name != "boston-without-2019" {
		t.Fatalf("All() = %+v, want boston-without-2019 first", all)
	}
	if _, err := fs.Stat(all[0].FS, "us/ma/boston/trust-act.yaml"); err != nil {
		t.Errorf("the Boston proposal lacks its pack: %v", err)
	}
}

func TestDir(t *testing.T) {
	dir := t.TempDir()
	if _, err := Dir(dir); err == nil {
		t.Error("Dir of an empty folder: no error")
	}
	if err := os.MkdirAll(filepath.Join(dir, "a", "us"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a", "us", "p.yaml"), []byte("id: p\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ps, err := Dir(dir)
	if err != nil || len(ps) != 1 || ps[0].Name != "a" {
		t.Fatalf("Dir = %+v, %v; want the one folder a", ps, err)
	}
	if _, err := fs.Stat(ps[0].FS, "us/p.yaml"); err != nil {
		t.Errorf("proposal a's files: %v", err)
	}
}
