package desk_test

import (
	"crypto/sha256"
	"strings"
	"testing"

	"liaison/desk"
)

// TestParseTokenHash checks that a token's hash is the SHA-256 of its
// text, which the store's tokens are looked up by.
func TestParseTokenHash(t *testing.T) {
	tok := desk.TokenPrefix + strings.Repeat("A", 43)
	h, err := desk.ParseToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	if h != sha256.Sum256([]byte(tok)) {
		t.Errorf("ParseToken(%q) = %x, want the SHA-256 of the token", tok, h)
	}
	if n := testing.AllocsPerRun(100, func() { desk.ParseToken(tok) }); n != 0 && !raceEnabled {
		t.Errorf("ParseToken allocates %v times a call, want none (it runs on every request)", n)
	}
}
