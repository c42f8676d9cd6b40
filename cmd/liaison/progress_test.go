package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"liaison/desk"
)

// The bar is drawn once per whole percent, and ends its line.
func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b, label: "scanning", last: -1}
	for done := int64(0); done <= 200; done++ {
		p.show(done, 200)
	}
	p.end()
	out := b.String()
	if got := strings.Count(out, "\r"); got != 101 {
		t.Errorf("show(0..200 of 200) drew %d times, want 101 (once per percent)", got)
	}
	if !strings.HasSuffix(out, "\rscanning [##############################] 100%\n") {
		t.Errorf("progress ends %q, want a full bar at 100%% and a newline", out[max(0, len(out)-60):])
	}
	// Not a terminal: nothing at all.
	var file bytes.Buffer
	q := newProgress(&file, "scanning")
	q.show(1, 2)
	q.end()
	if file.Len() != 0 {
		t.Errorf("progress on a buffer wrote %q, want nothing", file.String())
	}
}

// mailSource tells how far it is after each message of an mbox (bytes of
// the file) and of a folder of .eml files (files of the folder), and ends
// at the total.
func TestMailSourceProgress(t *testing.T) {
	dir := t.TempDir()
	var mbox strings.Builder
	for i := range 3 {
		fmt.Fprintf(&mbox, "From a@example.org Mon Jan  1 00:00:00 2024\nMessage-ID: <%d@example.org>\nFrom: a@example.org\nTo: b@ice.dhs.gov\nSubject: s\n\nbody %d\n\n", i, i)
	}
	path := filepath.Join(dir, "mail.mbox")
	if err := os.WriteFile(path, []byte(mbox.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	emls := filepath.Join(dir, "eml")
	if err := os.Mkdir(emls, 0o700); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := os.WriteFile(filepath.Join(emls, fmt.Sprintf("%d.eml", i)), []byte("Subject: s\n\nbody\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		path            string
		messages, total int64
	}{{path, 3, int64(mbox.Len())}, {emls, 2, 2}} {
		var seen []int64
		var last, total int64
		messages := int64(0)
		err := mailSource(tc.path, func(done, tot int64) { seen = append(seen, done); last, total = done, tot })(func(desk.Mail) error {
			messages++
			return nil
		})
		if err != nil {
			t.Fatalf("mailSource(%s): %v", tc.path, err)
		}
		if messages != tc.messages || last != tc.total || total != tc.total {
			t.Errorf("mailSource(%s): %d messages, progress ended at %d of %d; want %d messages, ending at %d of %d", tc.path, messages, last, total, tc.messages, tc.total, tc.total)
		}
		for i := 1; i < len(seen); i++ {
			if seen[i] < seen[i-1] {
				t.Errorf("mailSource(%s): progress went back, %v", tc.path, seen)
			}
		}
	}
}
