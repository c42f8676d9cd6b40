package liaison_test

import (
	"bytes"
	"crypto/rand"
	"regexp"
	"slices"
	"testing"
	"testing/iotest"
	"time"

	"liaison"
)

func TestNewID(t *testing.T) {
	at := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
	id, err := liaison.NewID(bytes.NewReader(bytes.Repeat([]byte{0xab}, 10)), at, "req")
	if err != nil {
		t.Fatal(err)
	}
	// 0x01a2351fb480 is 2026-12-02T05:00:00Z in milliseconds (1,796,187,600,000).
	if want := "req_01a2351fb480" + "abababababababababab"; id != want {
		t.Errorf("NewID = %q, want %q", id, want)
	}

	// Later ids sort later, whatever their random part.
	var ids []string
	for i := range 50 {
		id, err := liaison.NewID(rand.Reader, at.Add(time.Duration(i)*time.Millisecond), "dec")
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^dec_[0-9a-f]{32}$`).MatchString(id) {
			t.Fatalf("id %q: want dec_ and 32 hex digits", id)
		}
		ids = append(ids, id)
	}
	if !slices.IsSorted(ids) {
		t.Errorf("ids made 1 ms apart are not in order: %q", ids)
	}

	if _, err := liaison.NewID(iotest.ErrReader(iotest.ErrTimeout), at, "req"); err == nil {
		t.Error("NewID with a failing random source: no error")
	}
}
