package ledger_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
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
		"duplicate member":   `{"a":1,"a":2}`,
		"nested duplicate":   `[{"x":{"b":1,"b":1}}]`,
		"invalid utf-8":      "\"\xff\"",
		"trailing value":     `{} {}`,
		"trailing garbage":   `1 x`,
		"number too large":   `1e400`,
		"negative too large": `[0,{"a":-1e400}]`,
		"lone surrogate":     `"\ud800"`,
		"lone low surrogate": `{"\udc00":1}`,
		"empty":              ``,
		"unterminated":       `{"a":`,
		"bare word":          `nul`,
		"single quotes":      `{'a':1}`,
		"trailing comma":     `[1,]`,
		"missing separator":  `{"a" 1}`,
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

// TestMarshalCanonicalGolden pins the canonical bytes of records as the desk
// logs them (canonicalValues). A record's hash in the log is the hash of
// these bytes, so they must never change; testdata/golden was written by
// the hand-written encoder this package used before jsontext. Run with
// -update to rewrite it, only for a new value.
func TestMarshalCanonicalGolden(t *testing.T) {
	for _, tt := range canonicalValues(t) {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ledger.MarshalCanonical(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join("testdata", "golden", tt.name+".json")
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("MarshalCanonical(%s) differs from %s:\n got %.300s\nwant %.300s", tt.name, file, got, want)
			}
		})
	}
}

var update = flag.Bool("update", false, "rewrite testdata/golden")

func TestMarshalCanonicalExamples(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{map[string]any{"\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "😀": 5, "\u0080": 6, "ö": 7},
			`{"\r":2,"1":4,"` + "\u0080" + `":6,"ö":7,"€":1,"😀":5,"` + "\ufb33" + `":3}`},
		{[]any{333333333.33333329, 1e30, 4.50, 2e-3, 1e-27, 9007199254740993, uint64(math.MaxUint64), math.Copysign(0, -1)},
			`[333333333.3333333,1e+30,4.5,0.002,1e-27,9007199254740992,18446744073709552000,0]`},
		{"\u20ac$\u000f\nA'B\"\\\\\"/<\u2028\xff", "\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/<\u2028\ufffd\""},
		{struct {
			Z string `json:"z"`
			A *int   `json:"a"`
		}{Z: "z"}, `{"a":null,"z":"z"}`},
		{json.RawMessage(` {"b":1, "a": [1e2, "\u00e9\/"]} `), `{"a":[100,"é/"],"b":1}`},
	}
	for _, tt := range tests {
		got, err := ledger.MarshalCanonical(tt.v)
		if err != nil || string(got) != tt.want {
			t.Errorf("MarshalCanonical(%#v) = %s, %v; want %s", tt.v, got, err, tt.want)
		}
	}
	for name, v := range map[string]any{
		"NaN":                 math.NaN(),
		"func":                func() {},
		"number out of range": json.Number("1e400"),
		"raw duplicate":       json.RawMessage(`{"a":1,"a":2}`),
		"raw lone surrogate":  json.RawMessage(`"\ud800"`),
		"failing MarshalJSON": failingJSON{},
	} {
		if got, err := ledger.MarshalCanonical(v); err == nil {
			t.Errorf("MarshalCanonical(%s) = %s, want an error", name, got)
		}
	}
}

type failingJSON struct{}

func (failingJSON) MarshalJSON() ([]byte, error) { return nil, errors.New("no") }

// FuzzMarshalCanonical encodes what encoding/json decodes from the input:
// the output must be valid, canonical (CanonicalJSON leaves it as it is),
// decode to the same value, and equal the input canonicalized directly
// when that succeeds.
func FuzzMarshalCanonical(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x"],"b":{"c":null}}`, `[]`, `"\u00e9\u2028<>&"`, `1e21`, `-0`,
		`9007199254740993`, `{"\ud83d\ude00":1,"\ufb33":2}`, `{"b":1,"a":2,"b":3}`, "\"\xff\xfe\"", `"\ud800"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		got, err := ledger.MarshalCanonical(v)
		if err != nil {
			t.Fatalf("MarshalCanonical(%#v) = %v", v, err)
		}
		if again, err := ledger.CanonicalJSON(got); err != nil || !bytes.Equal(again, got) {
			t.Fatalf("MarshalCanonical(%#v) = %q, not canonical: %q, %v", v, got, again, err)
		}
		var back any
		if err := json.Unmarshal(got, &back); err != nil || !reflect.DeepEqual(back, v) {
			t.Fatalf("MarshalCanonical(%#v) = %q, which decodes to %#v, %v", v, got, back, err)
		}
		if direct, err := ledger.CanonicalJSON(data); err == nil && !bytes.Equal(direct, got) {
			t.Fatalf("CanonicalJSON(%q) = %q, MarshalCanonical of its value %q", data, direct, got)
		}
	})
}
