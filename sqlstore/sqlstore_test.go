package sqlstore

import (
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

func TestReadMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	for _, tc := range []struct {
		name  string
		fsys  fstest.MapFS
		want  string // versions and names, or the start of the error
		isErr bool
	}{
		{"in order", fstest.MapFS{"0002_b.sql": file("B"), "0001_a.sql": file("A"), "README": file("")}, "1 a A; 2 b B", false},
		{"none", fstest.MapFS{}, "", false},
		{"gap", fstest.MapFS{"0001_a.sql": file(""), "0003_c.sql": file("")}, "migrations: version 3 follows 1", true},
		{"repeat", fstest.MapFS{"0001_a.sql": file(""), "001_b.sql": file("")}, "migrations: version 1 follows 1", true},
		{"no name", fstest.MapFS{"0001.sql": file("")}, "migration 0001.sql: want a name", true},
		{"not a number", fstest.MapFS{"init_a.sql": file("")}, "migration init_a.sql: want a name", true},
		{"zero", fstest.MapFS{"0000_a.sql": file("")}, "migration 0000_a.sql: want a name", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := readMigrations(tc.fsys)
			if tc.isErr {
				if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
					t.Errorf("readMigrations() = %v, want an error starting %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("readMigrations() = %v", err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, strings.Join([]string{strconv.Itoa(m.version), m.name, m.sql}, " "))
			}
			if g := strings.Join(got, "; "); g != tc.want {
				t.Errorf("readMigrations() = %q, want %q", g, tc.want)
			}
		})
	}
}

func TestBind(t *testing.T) {
	for _, tc := range []struct {
		numbered bool
		q, want  string
	}{
		{false, "SELECT a FROM t WHERE b = ? AND c IN (?, ?)", "SELECT a FROM t WHERE b = ? AND c IN (?, ?)"},
		{true, "SELECT a FROM t WHERE b = ? AND c IN (?, ?)", "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)"},
		{true, "SELECT 1", "SELECT 1"},
		{true, strings.Repeat("?,", 11) + "?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12"},
	} {
		s := &Store{d: Dialect{Numbered: tc.numbered}}
		if got := s.bind(tc.q); got != tc.want {
			t.Errorf("bind(%q) with Numbered %v = %q, want %q", tc.q, tc.numbered, got, tc.want)
		}
	}
}
