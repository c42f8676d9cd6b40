package jsonstr

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

var seeds = []string{"", "plain ascii text, long enough to skip", "quote \" backslash \\ slash /",
	"\x00\x01\b\f\n\r\t\x1f\x7f", "<a href='x'>&amp;</a>", "é ü 中文 \U0001F600",
	"line\u2028para\u2029end", "bad \xff byte \xc3( and \xed\xa0\x80 surrogate", "12345678\"12345678"}

// stdQuote is encoding/json's quoting without HTML escaping.
func stdQuote(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// FuzzAppend: Std is encoding/json's quoting byte for byte; Canonical
// differs from it only in writing U+2028, U+2029 and U+FFFD (for invalid
// bytes) as themselves, so the two agree on valid UTF-8 without
// U+2028/U+2029; Canonical's output is JSON, and reads back as the
// string when it is valid UTF-8.
func FuzzAppend(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := stdQuote(t, s)
		if got := Append(nil, s, Std); !bytes.Equal(got, want) {
			t.Fatalf("Append(%q, Std) = %s, want %s", s, got, want)
		}
		canon := Append([]byte("x"), s, Canonical)[1:]
		var back string
		if err := json.Unmarshal(canon, &back); err != nil {
			t.Fatalf("Append(%q, Canonical) = %s: not JSON: %v", s, canon, err)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("Append(%q, Canonical) = %s reads back as %q", s, canon, back)
		}
		if utf8.ValidString(s) && !strings.ContainsAny(s, "\u2028\u2029") && !bytes.Equal(canon, want) {
			t.Fatalf("Append(%q, Canonical) = %s, want encoding/json's %s", s, canon, want)
		}
		if strings.ContainsAny(string(canon), "\u2028\u2029") != strings.ContainsAny(s, "\u2028\u2029") {
			t.Fatalf("Append(%q, Canonical) = %s: U+2028/U+2029 escaped", s, canon)
		}
	})
}
