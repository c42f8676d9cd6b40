package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"liaison"
)

// TestAdminAgency: `liaison admin agency create` makes an agency as POST
// /v1/agencies does, with its jurisdiction's time zone, and `list` shows
// it; a bad or missing value is refused naming the flag, and writes
// nothing.
func TestAdminAgency(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "liaison.db")
	keys := filepath.Join(dir, "keys")
	if _, _, err := runCmd(t, "", "keys", "create", "--keys", keys, "--origin", "test.example/log"); err != nil {
		t.Fatalf("keys create: %v", err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--name", "Bayview County Jail", "--jurisdiction", "us/ca/bayview-county", "--no-local-law"}, `--type: required field is missing (one of police, sheriff, jail,`},
		{[]string{"--name", "Bayview County Jail", "--jurisdiction", "us/ca/bayview-county", "--type", "jail"}, "give --no-local-law"},
		{[]string{"--name", "", "--jurisdiction", "us/ca/bayview-county", "--type", "jail", "--no-local-law"}, "--name: required field is missing"},
		{[]string{"--name", "X", "--jurisdiction", "us/ca/bayview-county", "--type", "jail", "--no-local-law", "--time-zone", "Mars/Base"}, `--time-zone: unknown time zone "Mars/Base"`},
	} {
		// Without --type, the flag's default, empty, is what is missing.
		args := append([]string{"admin", "agency", "create", "--db", db, "--keys", keys}, c.args...)
		_, _, err := runCmd(t, "", args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("admin agency create %v = %v, want an error with %q", c.args, err, c.want)
		}
	}
	out, _, err := runCmd(t, "", "admin", "agency", "list", "--db", db, "--keys", keys)
	if err != nil || out != "" {
		t.Fatalf("admin agency list after refusals = %q, %v; want nothing written", out, err)
	}

	out, _, err = runCmd(t, "", "admin", "agency", "create", "--db", db, "--keys", keys,
		"--name", "Bayview County Jail", "--jurisdiction", "us/ca/bayview-county", "--type", "jail", "--no-local-law", "--promptly", "4h")
	if err != nil {
		t.Fatalf("admin agency create: %v", err)
	}
	var a liaison.AgencyRecord
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("admin agency create printed %q: %v", out, err)
	}
	if !strings.HasPrefix(a.ID, "agy_") || a.Type != "jail" || a.TimeZone != "America/Los_Angeles" || !a.NoLocalLaw || a.Promptly != "4h" {
		t.Errorf("agency = %+v, want a jail in America/Los_Angeles, no local law, promptly 4h", a)
	}
	out, _, err = runCmd(t, "", "admin", "agency", "list", "--db", db, "--keys", keys)
	want := a.ID + "\tjail\tus/ca/bayview-county\tAmerica/Los_Angeles\tBayview County Jail\n"
	if err != nil || out != want {
		t.Errorf("admin agency list = %q, %v; want %q", out, err, want)
	}
}
