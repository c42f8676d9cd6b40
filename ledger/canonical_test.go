package ledger_test

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"liaison"
	"liaison/ledger"
)

func TestCanonicalJSON(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// RFC 8785, section 3.2.2.
		{"rfc 8785 example",
			`{
			  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
			  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
			  "literals": [null, true, false]
			}`,
			`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`},
		// RFC 8785, section 3.2.3: sorted by UTF-16 code units, so the emoji
		// (a surrogate pair, 0xd83d…) sorts before U+FB33.
		{"rfc 8785 sorting",
			`{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}`,
			`{"\r":"Carriage Return","1":"One","` + "\u0080" + `":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","` + "\ufb33" + `":"Hebrew Letter Dalet With Dagesh"}`},
		{"nested", ` { "b" : [ 1 , { "d":1, "c":2 } ], "a" : {} } `, `{"a":{},"b":[1,{"c":2,"d":1}]}`},
		{"scalars", `"x"`, `"x"`},
		{"no html escaping", `"<a href='x'>&</a>"`, `"<a href='x'>&</a>"`},
		{"u2028 kept", `"\u2028"`, "\"\u2028\""},
		{"control escapes", `"\u0000\u0008\u0009\u000a\u000c\u000d\u001f\u007f"`, `"\u0000\b\t\n\f\r\u001f` + "\x7f" + `"`},
		{"minus zero", `-0.0`, `0`},
		{"big integer rounds", `9007199254740993`, `9007199254740992`},
		{"empty array and object", `[[],{}]`, `[[],{}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ledger.CanonicalJSON([]byte(tt.in))
			if err != nil {
				t.Fatalf("CanonicalJSON(%s) = %v", tt.in, err)
			}
			if string(got) != tt.want {
				t.Errorf("CanonicalJSON(%s)\n got %s\nwant %s", tt.in, got, tt.want)
			}
			again, err := ledger.CanonicalJSON(got)
			if err != nil || string(again) != string(got) {
				t.Errorf("CanonicalJSON is not idempotent: %s then %s, %v", got, again, err)
			}
		})
	}
}

func TestCanonicalJSONRejects(t *testing.T) {
	for name, in := range map[string]string{
		"duplicate member":  `{"a":1,"a":2}`,
		"nested duplicate":  `[{"x":{"b":1,"b":1}}]`,
		"invalid utf-8":     "\"\xff\"",
		"trailing value":    `{} {}`,
		"trailing garbage":  `1 x`,
		"number too large":  `1e400`,
		"empty":             ``,
		"unterminated":      `{"a":`,
		"bare word":         `nul`,
		"single quotes":     `{'a':1}`,
		"trailing comma":    `[1,]`,
		"missing separator": `{"a" 1}`,
	} {
		t.Run(name, func(t *testing.T) {
			if got, err := ledger.CanonicalJSON([]byte(in)); liaison.KindOf(err) != liaison.Invalid {
				t.Errorf("CanonicalJSON(%q) = %s, %v; want an invalid error", in, got, err)
			}
		})
	}
}

// TestCanonicalNumbers checks number formatting against ECMAScript's, as
// node wrote it for RFC 8785's vectors and 4000 random doubles.
func TestCanonicalNumbers(t *testing.T) {
	f, err := os.Open("testdata/es6-numbers.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		bitsHex, want, _ := strings.Cut(line, " ")
		raw, err := hex.DecodeString(bitsHex)
		if err != nil {
			t.Fatalf("bad line %q", line)
		}
		v := math.Float64frombits(binary.BigEndian.Uint64(raw))
		// Go writes the double in its own way; canonicalization must turn
		// that into ECMAScript's.
		in, _ := json.Marshal(v)
		got, err := ledger.CanonicalJSON(in)
		if err != nil || string(got) != want {
			t.Errorf("CanonicalJSON(%s) [bits %s] = %s, %v; want %s", in, bitsHex, got, err, want)
		}
		n++
	}
	if n < 4000 {
		t.Errorf("read %d numbers, want at least 4000", n)
	}
}

// TestCanonicalDifferential compares with a JavaScript canonicalizer (sorted
// keys, JSON.stringify for the rest) on 500 random documents.
func TestCanonicalDifferential(t *testing.T) {
	data, err := os.ReadFile("testdata/jcs.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var pair [2]string
		if err := json.Unmarshal([]byte(line), &pair); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		got, err := ledger.CanonicalJSON([]byte(pair[0]))
		if err != nil || string(got) != pair[1] {
			t.Errorf("line %d: CanonicalJSON(%s)\n got %s, %v\nwant %s", i+1, pair[0], got, err, pair[1])
		}
	}
}

func TestMarshalCanonical(t *testing.T) {
	type event struct {
		Zeta  string         `json:"zeta"`
		Alpha int            `json:"alpha"`
		Extra map[string]any `json:"extra,omitempty"`
	}
	got, err := ledger.MarshalCanonical(event{Zeta: "<z>", Alpha: 3, Extra: map[string]any{"b": 1.5, "a": nil}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"alpha":3,"extra":{"a":null,"b":1.5},"zeta":"<z>"}`; string(got) != want {
		t.Errorf("MarshalCanonical = %s, want %s", got, want)
	}
	if _, err := ledger.MarshalCanonical(func() {}); err == nil {
		t.Error("MarshalCanonical(func) = nil error")
	}
}

func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x"]}`, `[]`, `"\u00e9"`, `1e21`, `{"b":{"a":null}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ledger.CanonicalJSON(data)
		if err != nil {
			return
		}
		if !json.Valid(got) {
			t.Fatalf("CanonicalJSON(%q) = %q, not valid JSON", data, got)
		}
		again, err := ledger.CanonicalJSON(got)
		if err != nil || string(again) != string(got) {
			t.Fatalf("not idempotent: %q → %q → %q, %v", data, got, again, err)
		}
	})
}
