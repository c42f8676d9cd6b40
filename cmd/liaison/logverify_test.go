package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogVerifyWithoutSealKey: `log verify` and `log prove` need the log's
// public key only: they work with log.key alone, or with --key and no key
// directory at all; without any, the error points to the existing keys and
// never advises making new ones.
func TestLogVerifyWithoutSealKey(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	vkey, _, err := runCmd(t, "", "keys", "create", "--keys", keys, "--origin", "example.gov/log")
	if err != nil {
		t.Fatal(err)
	}
	vkey = strings.TrimSpace(vkey)
	db := "sqlite:" + filepath.Join(dir, "l.db")
	if out, errOut, err := runCmd(t, "", "log", "checkpoint", "--db", db, "--keys", keys); err != nil {
		t.Fatalf("log checkpoint: %v %s %s", err, out, errOut)
	}
	if err := os.Remove(filepath.Join(keys, "seal.key")); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runCmd(t, "", "log", "verify", "--db", db, "--keys", keys); err != nil || !strings.Contains(out, "1 checkpoints: 0 problems") {
		t.Errorf("log verify with log.key and no seal.key = %v\n%s", err, out)
	}
	nowhere := filepath.Join(dir, "nowhere")
	if out, _, err := runCmd(t, "", "log", "verify", "--db", db, "--keys", nowhere, "--key", vkey); err != nil || !strings.Contains(out, "0 problems") {
		t.Errorf("log verify --key = %v\n%s", err, out)
	}
	keyFile := filepath.Join(dir, "log.pub")
	if err := os.WriteFile(keyFile, []byte(vkey+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runCmd(t, "", "log", "verify", "--db", db, "--keys", nowhere, "--key", keyFile); err != nil {
		t.Errorf("log verify --key FILE = %v\n%s", err, out)
	}

	// Another log's key: the stored checkpoint does not verify.
	other, _, err := runCmd(t, "", "keys", "create", "--keys", filepath.Join(dir, "other"), "--origin", "example.gov/log")
	if err != nil {
		t.Fatal(err)
	}
	if out, _, err := runCmd(t, "", "log", "verify", "--db", db, "--key", strings.TrimSpace(other)); exitCode(err) != 1 || !strings.Contains(out, "checkpoint") {
		t.Errorf("log verify with another log's key = %v, want exit 1 naming the checkpoint\n%s", err, out)
	}

	_, _, err = runCmd(t, "", "log", "verify", "--db", db, "--keys", nowhere)
	if err == nil {
		t.Fatal("log verify without any log key passed")
	}
	msg := err.Error()
	for _, want := range []string{"--keys", "--key", "do not make new keys"} {
		if !strings.Contains(msg, want) {
			t.Errorf("log verify without a key: %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "liaison serve") || strings.Contains(msg, "to create key files") {
		t.Errorf("log verify without a key advises making keys: %q", msg)
	}
	if _, _, err := runCmd(t, "", "log", "checkpoint", "--db", db, "--key", vkey); err == nil {
		t.Error("log checkpoint with a public key only passed")
	}
}
