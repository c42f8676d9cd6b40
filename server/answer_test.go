package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"
	"time"

	"liaison"
	"liaison/law"
	"liaison/packs"
)

// plainJSON is what writeJSON wrote before answer.go: encoding/json,
// without HTML escapes, without the final newline.
func plainJSON(t testing.TB, v any) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), err
}

// TestAppendDecision compares appendDecision with encoding/json on
// decisions generated with every field of every type in them filled (by
// reflection: a field added to liaison.Decision, or to a type in it, is
// filled too, and differs unless answer.go writes it), nil, empty or not,
// with strings that need escaping, invalid UTF-8 and odd floats.
func TestAppendDecision(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 1))
	for i := range 20000 {
		var d liaison.Decision
		fill(t, rnd, reflect.ValueOf(&d).Elem(), "Decision")
		want, err := plainJSON(t, &d)
		if err != nil {
			t.Fatalf("decision %d: encoding/json: %v", i, err)
		}
		got, err := appendDecision(nil, &d)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("decision %d: appendDecision = %v\n%s\nwant (encoding/json)\n%s", i, err, got, want)
		}
	}
}

// TestAppendDecisionEngine compares the two on the engine's own decisions:
// the example requests, for every action, on a few dates, explained.
func TestAppendDecisionEngine(t *testing.T) {
	set, err := law.Load(packs.FS())
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("../examples/requests.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var req liaison.Request
		if err := liaison.Decode(sc.Bytes(), &req, time.Now()); err != nil {
			t.Fatal(err)
		}
		for _, action := range liaison.Action("").Enum() {
			for _, year := range []int{2012, 2016, 2019, 2025} {
				r := req
				r.Action, r.AsOf = liaison.Action(action), time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC)
				d, err := set.Decide(&r, law.Options{Explain: true})
				if err != nil {
					continue // an action the request's kind does not take
				}
				d.Normalize()
				want, err := plainJSON(t, d)
				if err != nil {
					t.Fatal(err)
				}
				got, err := appendDecision(nil, d)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("%s %s as of %d: appendDecision = %v\n%s\nwant (encoding/json)\n%s", r.Jurisdiction, action, year, err, got, want)
				}
				n++
			}
		}
	}
	if n < 50 {
		t.Errorf("compared %d decisions of the engine, want at least 50", n)
	}
}

// TestAppendDecisionRefuses: where encoding/json fails, appendDecision
// fails, and encodeAnswer answers as encoding/json does.
func TestAppendDecisionRefuses(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(-1)
	late := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, d := range map[string]*liaison.Decision{
		"NaN hold":        {Limits: liaison.Limits{MaxHoldHours: &nan}},
		"infinite hold":   {Limits: liaison.Limits{MaxHoldHours: &inf}},
		"due in year 1e4": {Duties: []liaison.Duty{{Due: &late}}},
	} {
		if _, err := appendDecision(nil, d); err == nil {
			t.Errorf("%s: appendDecision succeeded, want an error as encoding/json's", name)
		}
		_, want := plainJSON(t, d)
		if err := encodeAnswer(new(bytes.Buffer), d); (err == nil) != (want == nil) {
			t.Errorf("%s: encodeAnswer = %v, want %v", name, err, want)
		}
	}
}

// FuzzAppendString compares appendString with encoding/json's quoting
// (without HTML escapes) on any string.
func FuzzAppendString(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := plainJSON(t, s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}

var trickyStrings = []string{
	"", "permitted", "us/ca/los-angeles-county", `quote " and \ backslash`, "\x00\x01\x1f\x7f",
	"\b\f\n\r\t", "<script>&amp;</script>", "line\u2028para\u2029", "é, 日本語, 🙂",
	"\xff\xfe invalid", "cut \xe2\x80", "\xed\xa0\x80 surrogate", "\uFFFD replacement",
	"8 C.F.R. 287.7(d): 48 hours, excluding weekends and holidays",
}

// fill sets v, of a type found in a decision, to a random value: nil,
// empty or filled slices and pointers, every exported field of a struct.
// A kind it does not know fails the test, so a new kind of field is
// noticed here.
func fill(t *testing.T, r *rand.Rand, v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(randomString(r))
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Float64:
		v.SetFloat(randomFloat(r))
	case reflect.Pointer:
		if r.IntN(3) == 0 {
			return // nil
		}
		p := reflect.New(v.Type().Elem())
		fill(t, r, p.Elem(), path)
		v.Set(p)
	case reflect.Slice:
		switch r.IntN(4) {
		case 0: // nil
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		default:
			n := 1 + r.IntN(3)
			v.Set(reflect.MakeSlice(v.Type(), n, n))
			for i := range n {
				fill(t, r, v.Index(i), path+"[]")
			}
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(randomTime(r)))
			return
		}
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() && r.IntN(5) > 0 { // and sometimes the zero value
				fill(t, r, v.Field(i), path+"."+f.Name)
			}
		}
	default:
		t.Fatalf("%s: a %s, which this generator (and maybe answer.go) does not know", path, v.Type())
	}
}

func randomString(r *rand.Rand) string {
	switch r.IntN(3) {
	case 0:
		return trickyStrings[r.IntN(len(trickyStrings))]
	case 1: // any bytes
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		return string(b)
	default: // any runes
		rs := make([]rune, r.IntN(8))
		for i := range rs {
			rs[i] = rune(r.IntN(0x30000))
		}
		return string(rs)
	}
}

func randomFloat(r *rand.Rand) float64 {
	switch r.IntN(4) {
	case 0:
		return []float64{0, math.Copysign(0, -1), 48, 1.5, 1e-6, 9.99e-7, 1e21, 9.99e20, -3.2e-10, 123456789e20}[r.IntN(10)]
	case 1:
		return float64(r.IntN(1000))
	case 2:
		return r.NormFloat64() * 1e3
	default: // any finite float64
		for {
			if f := math.Float64frombits(r.Uint64()); !math.IsNaN(f) && !math.IsInf(f, 0) {
				return f
			}
		}
	}
}

func randomTime(r *rand.Rand) time.Time {
	zones := []*time.Location{time.UTC, time.FixedZone("PST", -8*3600), time.FixedZone("IST", 5*3600+30*60)}
	lo, hi := time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC).Unix(), time.Date(9999, 12, 30, 0, 0, 0, 0, time.UTC).Unix()
	nsec := []int64{0, 500_000_000, r.Int64N(1e9)}[r.IntN(3)]
	return time.Unix(lo+r.Int64N(hi-lo), nsec).In(zones[r.IntN(len(zones))])
}

// BenchmarkEncodeDecision is writeJSON's encoding of a decision with its
// explanation (the example request's), by encoding/json and by answer.go.
func BenchmarkEncodeDecision(b *testing.B) {
	set, err := law.Load(packs.FS())
	if err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile("../examples/request.json")
	if err != nil {
		b.Fatal(err)
	}
	var req liaison.Request
	if err := liaison.Decode(data, &req, time.Now()); err != nil {
		b.Fatal(err)
	}
	d, err := set.Decide(&req, law.Options{Explain: true})
	if err != nil {
		b.Fatal(err)
	}
	d.Normalize()
	b.Run("encoding-json", func(b *testing.B) {
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(d); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(buf.Len()))
	})
	b.Run("answer", func(b *testing.B) {
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			if err := encodeAnswer(&buf, d); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(buf.Len()))
	})
}
