package ledger

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"liaison"
)

// checkSameAsReference fails t unless CanonicalJSON and the reference
// implementation agree on data: the same text, or both an Invalid error.
func checkSameAsReference(t *testing.T, data []byte) {
	t.Helper()
	got, err := CanonicalJSON(data)
	want, wantErr := refCanonicalJSON(data)
	switch {
	case (err == nil) != (wantErr == nil):
		t.Fatalf("CanonicalJSON(%q) = %q, %v; reference %q, %v", data, got, err, want, wantErr)
	case err != nil:
		if liaison.KindOf(err) != liaison.Invalid {
			t.Fatalf("CanonicalJSON(%q) = %v, not an invalid error", data, err)
		}
	case !bytes.Equal(got, want):
		t.Fatalf("CanonicalJSON(%q)\n got %q\nwant %q (reference)", data, got, want)
	}
}

// randomJSON writes a random JSON text, with the odd white space, escapes,
// number forms and member orders that CanonicalJSON must handle.
type randomJSON struct {
	r *rand.Rand
	b strings.Builder
}

func (g *randomJSON) space() {
	if g.r.IntN(6) == 0 {
		g.b.WriteString([]string{" ", "\n", "\t", "\r\n  "}[g.r.IntN(4)])
	}
}

func (g *randomJSON) value(depth int) {
	g.space()
	n := 9
	if depth > 4 {
		n = 6
	}
	switch g.r.IntN(n) {
	case 0:
		g.b.WriteString([]string{"null", "true", "false"}[g.r.IntN(3)])
	case 1, 2:
		g.number()
	case 3, 4, 5:
		g.str()
	case 6, 7:
		g.b.WriteByte('{')
		names := []string{"a", "b", "id", "kind", "é", "\u20ac", "\U0001F600", "\ufb33", "A", "a\u0000", "z", ""}
		for i := range g.r.IntN(7) {
			if i > 0 {
				g.b.WriteByte(',')
			}
			g.space()
			if g.r.IntN(2) == 0 {
				g.quote(names[g.r.IntN(len(names))])
			} else {
				g.str()
			}
			g.space()
			g.b.WriteByte(':')
			g.value(depth + 1)
		}
		g.space()
		g.b.WriteByte('}')
	case 8:
		g.b.WriteByte('[')
		for i := range g.r.IntN(6) {
			if i > 0 {
				g.b.WriteByte(',')
			}
			g.value(depth + 1)
		}
		g.space()
		g.b.WriteByte(']')
	}
	g.space()
}

func (g *randomJSON) number() {
	switch g.r.IntN(8) {
	case 0:
		g.b.WriteString(strconv.FormatInt(g.r.Int64N(1<<uint(g.r.IntN(62)+1))-g.r.Int64N(1000), 10))
	case 1:
		g.b.WriteString([]string{"0", "-0", "0.0", "-0.0", "1e21", "1e-7", "1E+2", "123456789012345", "1234567890123456", "9007199254740993", "100000000000000000000", "1000000000000000000000", "0.000001", "1e400", "-1e-400", "5e-324", "1.7976931348623157e308"}[g.r.IntN(17)])
	case 2:
		g.b.WriteString(strconv.Itoa(g.r.IntN(100000)))
	default:
		f := math.Float64frombits(g.r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			f = g.r.NormFloat64() * math.Pow(10, float64(g.r.IntN(40)-20))
		}
		format := []byte{'e', 'E', 'f', 'g', 'G'}[g.r.IntN(5)]
		prec := -1
		if g.r.IntN(3) == 0 {
			prec = g.r.IntN(20)
		}
		s := strconv.FormatFloat(f, format, prec, 64)
		if format == 'f' && len(s) > 400 {
			s = strconv.FormatFloat(f, 'e', prec, 64)
		}
		g.b.WriteString(s)
	}
}

func (g *randomJSON) str() {
	var s strings.Builder
	for range g.r.IntN(12) {
		switch g.r.IntN(10) {
		case 0:
			s.WriteRune(rune(g.r.IntN(0x20)))
		case 1:
			s.WriteRune(rune(g.r.IntN(0x10ffff)))
		case 2:
			s.WriteString([]string{"\"", "\\", "/", "<", ">", "&", "\u2028", "\u007f", "\ufffd", "\U0001F600", "\ue000"}[g.r.IntN(11)])
		default:
			s.WriteByte(byte('a' + g.r.IntN(26)))
		}
	}
	g.quote(s.String())
}

// quote writes s as a JSON string, escaping some of its characters that
// need no escape and sometimes writing an escaped lone surrogate.
func (g *randomJSON) quote(s string) {
	const hex = "0123456789abcdef"
	g.b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			g.b.WriteByte('\\')
			g.b.WriteRune(r)
		case r < 0x20 || g.r.IntN(5) == 0:
			if r > 0xffff {
				r1, r2 := rune(0xd800+((r-0x10000)>>10)), rune(0xdc00+((r-0x10000)&0x3ff))
				g.b.WriteString(`\u` + strconv.FormatInt(int64(r1), 16) + `\u` + strings.ToUpper(strconv.FormatInt(int64(r2), 16)))
				continue
			}
			if r == '\n' && g.r.IntN(2) == 0 {
				g.b.WriteString(`\n`)
				continue
			}
			g.b.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				g.b.WriteByte(hex[(r>>shift)&0xf])
			}
		default:
			g.b.WriteRune(r)
		}
	}
	if g.r.IntN(20) == 0 {
		g.b.WriteString([]string{`\ud800`, `\udfff`, `\ud83d\u0041`, `\/`}[g.r.IntN(4)])
	}
	g.b.WriteByte('"')
}

// TestCanonicalJSONMatchesReference compares CanonicalJSON with the
// token-by-token implementation it replaced on random documents, on the
// same documents damaged, and on encoding/json's output for them.
func TestCanonicalJSONMatchesReference(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range n {
		g := randomJSON{r: r}
		g.value(0)
		doc := []byte(g.b.String())
		checkSameAsReference(t, doc)

		// Damaged: a byte changed, dropped or cut off.
		bad := bytes.Clone(doc)
		i := r.IntN(len(bad))
		switch r.IntN(3) {
		case 0:
			bad[i] = `{}[]:,"\ -0123456789.eE+tfnu`[r.IntN(28)]
		case 1:
			bad = append(bad[:i], bad[i+1:]...)
		case 2:
			bad = bad[:i]
		}
		checkSameAsReference(t, bad)

		// As json.Marshal writes it (HTML escapes, no space).
		var v any
		if json.Unmarshal(doc, &v) == nil {
			marshalled, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			checkSameAsReference(t, marshalled)
			got, err := MarshalCanonical(v)
			want, _ := refCanonicalJSON(marshalled)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("MarshalCanonical(%s) = %q, %v; want %q", marshalled, got, err, want)
			}
		}
	}
}

// TestCanonicalJSONManyMembers covers objects too large for the linear
// search for duplicate names.
func TestCanonicalJSONManyMembers(t *testing.T) {
	for _, dup := range []bool{false, true} {
		var b strings.Builder
		b.WriteByte('{')
		for i := range 200 {
			if i > 0 {
				b.WriteByte(',')
			}
			k := 199 - i
			if dup && i == 150 {
				k = 17
			}
			b.WriteString(`"k` + strconv.Itoa(k) + `":` + strconv.Itoa(i))
		}
		b.WriteByte('}')
		checkSameAsReference(t, []byte(b.String()))
	}
}

func FuzzCanonicalJSONMatchesReference(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x"]}`, `[]`, `"\u00e9"`, `1e21`, `{"b":{"a":null}}`,
		`{"b":1,"a":2,"b":3}`, `"\ud83d\ude00\ud800\u0041"`, `{"\ufb33":1,"\ud83d\ude00":2}`,
		`-0.0`, `123456789012345678`, `[1E400]`, ` {"a" : [ true , false , null ] } `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSameAsReference(t, data)
	})
}
