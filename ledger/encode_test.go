package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"liaison"
)

// checkMatchesTwoPass fails t unless MarshalCanonical(v) returns what the
// two-pass path returns (the same bytes, or the same error), and unless the
// direct encoder on its own either gives those bytes or declines. It
// reports whether the direct encoder encoded v.
func checkMatchesTwoPass(t *testing.T, v any) bool {
	t.Helper()
	want, wantErr := marshalCanonicalTwoPass(v)
	got, err := MarshalCanonical(v)
	switch {
	case (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error():
		t.Fatalf("MarshalCanonical(%#v) = %q, %v; two-pass %q, %v", v, got, err, want, wantErr)
	case !bytes.Equal(got, want):
		t.Fatalf("MarshalCanonical(%#v)\n got %q\nwant %q (two-pass)", v, got, want)
	}
	direct, directErr := marshalDirect(v)
	switch {
	case directErr != nil && !errors.Is(directErr, errTwoPass):
		t.Fatalf("direct encoder on %#v: %v, want errTwoPass", v, directErr)
	case directErr == nil && wantErr != nil:
		t.Fatalf("direct encoder on %#v = %q; two-pass fails: %v", v, direct, wantErr)
	case directErr == nil && !bytes.Equal(direct, want):
		t.Fatalf("direct encoder on %#v\n got %q\nwant %q (two-pass)", v, direct, want)
	}
	return directErr == nil
}

// checkDirect is checkMatchesTwoPass for a value the direct encoder must
// encode itself whenever encoding/json can encode it.
func checkDirect(t *testing.T, v any) {
	t.Helper()
	if !checkMatchesTwoPass(t, v) {
		if _, err := marshalCanonicalTwoPass(v); err == nil {
			t.Fatalf("direct encoder declined %#v, which the two-pass path encodes", v)
		}
	}
}

// filler fills values of any type with random contents, biased toward what
// encoders get wrong: escapes, invalid UTF-8, characters beyond U+FFFF,
// empty and zero values, numbers at the edges of a double.
type filler struct {
	r *rand.Rand
}

// specialRunes are the characters strings are made of, besides letters.
var specialRunes = []string{
	"\x00", "\x01", "\x08", "\t", "\n", "\x0b", "\x0c", "\r", "\x1f", " ", "\"", "\\", "/", "<", ">", "&", "'",
	"\x7f", "\u0080", "é", "\u00ff", "\u2028", "\u2029", "€", "\ud7ff", "\ue000", "\ufb33", "\ufeff", "\ufffd",
	"\uffff", "\U00010000", "😀", "\U0010ffff",
	"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xed\xbf\xbf", "\xe2\x82", "\xf4\x90\x80\x80", "\x80",
}

func (f *filler) str() string {
	n := f.r.IntN(12)
	switch f.r.IntN(8) {
	case 0:
		return ""
	case 1:
		n = 8 + f.r.IntN(120) // long enough for eight bytes at a time
	}
	var b strings.Builder
	for range n {
		switch f.r.IntN(10) {
		case 0, 1:
			b.WriteString(specialRunes[f.r.IntN(len(specialRunes))])
		case 2:
			b.WriteRune(rune(f.r.IntN(0x110000))) // surrogates become U+FFFD
		default:
			b.WriteByte(byte('a' + f.r.IntN(26)))
		}
	}
	return b.String()
}

func (f *filler) int() int64 {
	switch f.r.IntN(6) {
	case 0:
		return []int64{0, 1, -1, math.MaxInt64, math.MinInt64, 1 << 53, 1<<53 + 1, -(1<<53 + 1), 999_999_999_999_999,
			1_000_000_000_000_000, -999_999_999_999_999, -1_000_000_000_000_000, 9_007_199_254_740_993}[f.r.IntN(13)]
	case 1:
		return int64(f.r.Uint64())
	default:
		return f.r.Int64N(1<<uint(f.r.IntN(63))) - f.r.Int64N(1000)
	}
}

func (f *filler) float() float64 {
	switch f.r.IntN(8) {
	case 0:
		return []float64{0, math.Copysign(0, -1), 1e21, 1e-7, 1e-6, 0.000001, 999999999999999934463, 1e20, 5e-324,
			-5e-324, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 1 << 53, 1<<53 + 2, 0.1, 1.5,
			333333333.33333329, 4.5, 2e-3, 1e30, 123456789012345680000}[f.r.IntN(22)]
	case 1:
		if f.r.IntN(20) == 0 {
			return []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[f.r.IntN(3)] // an error, both ways
		}
		return float64(f.int())
	case 2:
		return float64(f.r.IntN(100000)) / 100
	default:
		x := math.Float64frombits(f.r.Uint64())
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return f.r.NormFloat64()
		}
		return x
	}
}

var testZones = []*time.Location{time.UTC, time.Local, time.FixedZone("PST", -8*3600), time.FixedZone("IST", 5*3600+1800),
	time.FixedZone("odd", 14*3600+59*60+59), time.FixedZone("zero", 0)}

func (f *filler) time() time.Time {
	switch f.r.IntN(6) {
	case 0:
		return time.Time{}
	case 1:
		// Years 10000 and later, or before year 0: encoding/json's error.
		if f.r.IntN(10) == 0 {
			return time.Date(10000+f.r.IntN(5), 1, 1, 0, 0, 0, 0, time.UTC)
		}
		return time.Date(f.r.IntN(10000), time.Month(1+f.r.IntN(12)), 1+f.r.IntN(28), 0, 0, 0, 0, time.UTC)
	}
	sec := f.r.Int64N(4e9) - 1e9
	nsec := int64(0)
	if f.r.IntN(2) == 0 {
		nsec = f.r.Int64N(1e9)
	}
	return time.Unix(sec, nsec).In(testZones[f.r.IntN(len(testZones))])
}

// fill sets v, which must be settable, to a random value of its type.
func (f *filler) fill(v reflect.Value, depth int) {
	t := v.Type()
	if t == timeType {
		v.Set(reflect.ValueOf(f.time()))
		return
	}
	switch t.Kind() {
	case reflect.String:
		v.SetString(f.str())
	case reflect.Bool:
		v.SetBool(f.r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(f.int()) // truncated to the type's size
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(uint64(f.int()))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(f.float())
	case reflect.Struct:
		for i := range t.NumField() {
			if t.Field(i).IsExported() && f.r.IntN(6) != 0 {
				f.fill(v.Field(i), depth+1)
			}
		}
	case reflect.Pointer:
		if f.r.IntN(3) == 0 {
			v.SetZero()
			return
		}
		v.Set(reflect.New(t.Elem()))
		f.fill(v.Elem(), depth+1)
	case reflect.Slice:
		switch f.r.IntN(6) {
		case 0:
			v.SetZero()
			return
		case 1:
			v.Set(reflect.MakeSlice(t, 0, 0))
			return
		}
		n := 1 + f.r.IntN(4)
		if depth > 4 {
			n = 1
		}
		v.Set(reflect.MakeSlice(t, n, n))
		for i := range n {
			f.fill(v.Index(i), depth+1)
		}
	case reflect.Array:
		for i := range v.Len() {
			f.fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		if f.r.IntN(5) == 0 {
			v.SetZero()
			return
		}
		v.Set(reflect.MakeMap(t))
		for range f.r.IntN(5) {
			k, e := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
			f.fill(k, depth+1)
			f.fill(e, depth+1)
			v.SetMapIndex(k, e)
		}
	case reflect.Interface:
		if x := f.any(depth); x != nil && reflect.TypeOf(x).Implements(t) {
			v.Set(reflect.ValueOf(x))
		}
	default:
		panic("filler: unexpected kind " + t.Kind().String())
	}
}

// any returns a random value for an interface: scalars of many types,
// slices, maps, JSON fragments and records.
func (f *filler) any(depth int) any {
	n := 20
	if depth > 4 {
		n = 11
	}
	switch f.r.IntN(n) {
	case 0:
		return nil
	case 1:
		return f.r.IntN(2) == 0
	case 2:
		return f.float()
	case 3:
		return f.str()
	case 4:
		return f.int()
	case 5:
		return uint64(f.int())
	case 6:
		return float32(f.float())
	case 7:
		return int8(f.int())
	case 8:
		return json.Number([]string{"0", "-0", "1.50", "1e21", "12345678901234567890", "1E-7", "", "-0.0e+00",
			"1e400", " 1", "01", "1.", "+1", "0x10", "NaN"}[f.r.IntN(15)])
	case 9:
		g := randomJSON{r: f.r}
		g.value(0)
		if f.r.IntN(10) == 0 {
			return json.RawMessage(g.b.String()[:f.r.IntN(g.b.Len()+1)]) // often invalid
		}
		return json.RawMessage(g.b.String())
	case 10:
		if f.r.IntN(4) == 0 {
			return []byte(nil)
		}
		return []byte(f.str())
	case 11, 12:
		var s []any
		if f.r.IntN(4) != 0 {
			s = make([]any, f.r.IntN(4))
		}
		for i := range s {
			s[i] = f.any(depth + 1)
		}
		return s
	case 13, 14:
		if f.r.IntN(4) == 0 {
			return map[string]any(nil)
		}
		m := map[string]any{}
		for range f.r.IntN(5) {
			m[f.key()] = f.any(depth + 1)
		}
		return m
	case 15:
		m := map[int]string{}
		for range f.r.IntN(4) {
			m[int(f.int())] = f.str()
		}
		return m
	case 16:
		return f.time()
	default:
		// A record, or a pointer to one.
		typ := recordTypes[f.r.IntN(len(recordTypes))]
		v := reflect.New(typ)
		f.fill(v.Elem(), depth+1)
		if f.r.IntN(2) == 0 {
			return v.Interface()
		}
		return v.Elem().Interface()
	}
}

// key returns a map key: short, so that keys repeat and collide once made
// valid UTF-8.
func (f *filler) key() string {
	switch f.r.IntN(4) {
	case 0:
		return []string{"", "a", "b", "A", "\u20ac", "\ufb33", "😀", "\ufffd", "\xff", "\xfe", "a\xff", "a\x80", "<",
			"\u2028", "\x00", "\"", "é", "e\u0301"}[f.r.IntN(18)]
	default:
		s := f.str()
		return s[:min(len(s), 3)]
	}
}

// recordTypes are the types the desk and the server write to the log.
var recordTypes = []reflect.Type{
	reflect.TypeFor[liaison.AgencyRecord](),
	reflect.TypeFor[liaison.PersonRecord](),
	reflect.TypeFor[liaison.CustodyEventRecord](),
	reflect.TypeFor[liaison.RequestRecord](),
	reflect.TypeFor[liaison.DecisionRecord](),
	reflect.TypeFor[liaison.ActionRecord](),
	reflect.TypeFor[liaison.DutyRecord](),
	reflect.TypeFor[liaison.DutyChangeRecord](),
	reflect.TypeFor[liaison.OverrideRecord](),
	reflect.TypeFor[liaison.DeliveryRecord](),
	reflect.TypeFor[liaison.ReadRecord](),
	reflect.TypeFor[liaison.TokenRecord](),
	reflect.TypeFor[liaison.StoredRecord](),
	reflect.TypeFor[liaison.Request](),
	reflect.TypeFor[liaison.Decision](),
	reflect.TypeFor[liaison.Considered](),
	reflect.TypeFor[liaison.Offense](),
	reflect.TypeFor[liaison.Error](),
	reflect.TypeFor[tokenRevocation](),
}

// tokenRevocation is server.TokenRevocation, which the server logs (by
// pointer).
type tokenRevocation struct {
	ID    string        `json:"id"`
	Token string        `json:"token"`
	Actor liaison.Actor `json:"actor"`
	At    time.Time     `json:"at"`
}

// TestMarshalCanonicalRecords compares the direct encoder with the two-pass
// path on every record type filled with random data, as values and as
// pointers, and on random values of interface type.
func TestMarshalCanonicalRecords(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 50
	}
	f := filler{rand.New(rand.NewPCG(3, 4))}
	for _, typ := range recordTypes {
		t.Run(typ.Name(), func(t *testing.T) {
			for range n {
				v := reflect.New(typ)
				f.fill(v.Elem(), 0)
				checkDirect(t, v.Elem().Interface())
				checkDirect(t, v.Interface())
			}
		})
	}
	t.Run("any", func(t *testing.T) {
		for range 20 * n {
			checkDirect(t, f.any(0))
		}
	})
}

// TestMarshalCanonicalDecodedJSON compares the two paths on the values
// encoding/json decodes from random documents: maps, slices, float64s, and
// json.Numbers.
func TestMarshalCanonicalDecodedJSON(t *testing.T) {
	n := 5000
	if testing.Short() {
		n = 500
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range n {
		g := randomJSON{r: r}
		g.value(0)
		var v any
		if json.Unmarshal([]byte(g.b.String()), &v) == nil {
			checkDirect(t, v)
		}
		dec := json.NewDecoder(strings.NewReader(g.b.String()))
		dec.UseNumber()
		if dec.Decode(&v) == nil {
			checkDirect(t, v)
		}
	}
}

// Types for TestMarshalCanonicalEdgeCases, each for one of encoding/json's
// rules.
type (
	// valueMarshaler and ptrMarshaler marshal themselves, with a value and
	// a pointer receiver; encoding/json calls the latter only on an
	// addressable value.
	valueMarshaler struct{ S string }
	ptrMarshaler   struct{ S string }
	// valueText and ptrText are the same for MarshalText.
	valueText   struct{ S string }
	ptrText     struct{ S string }
	failingJSON struct{}
	failingText struct{}
	// textKey is a map key that marshals itself; its names can collide.
	textKey int
	// stringKey is a string key with a MarshalText encoding/json ignores.
	stringKey string
	// byteMarshaler makes a []byteMarshaler an array, not base64.
	byteMarshaler byte
	// zeroer is zero by its IsZero method, on a value or a pointer.
	valueZeroer struct{ N int }
	ptrZeroer   struct{ N int }

	Inner struct {
		A string `json:"a"`
		B int    `json:"b,omitempty"`
		C string
	}
	Other struct {
		A string `json:"a"`
		C string
		D string `json:"d"`
	}
	Tagged struct {
		C string `json:"C"`
	}
	inner struct {
		X string `json:"x"`
	}
	Name string
	Deep struct {
		Inner
	}
	Recursive struct {
		N    int        `json:"n"`
		Next *Recursive `json:"next,omitempty"`
	}
)

func (m valueMarshaler) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf(` { "z" : 1, "s": %q, "a" : [1.0, 1e21, "\u2028<&>"] } `, m.S)), nil
}
func (m *ptrMarshaler) MarshalJSON() ([]byte, error) { return []byte(`{"ptr":` + m.S + `}`), nil }
func (m valueText) MarshalText() ([]byte, error)     { return []byte("text:" + m.S), nil }
func (m *ptrText) MarshalText() ([]byte, error)      { return []byte("ptr:" + m.S), nil }
func (failingJSON) MarshalJSON() ([]byte, error)     { return nil, errors.New("no") }
func (failingText) MarshalText() ([]byte, error)     { return nil, errors.New("no") }
func (k textKey) MarshalText() ([]byte, error)       { return []byte(fmt.Sprint("k", k%3)), nil }
func (k stringKey) MarshalText() ([]byte, error)     { return []byte("ignored"), nil }
func (b byteMarshaler) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprint(`"`, int(b), `"`)), nil
}
func (z valueZeroer) IsZero() bool { return z.N == 7 }
func (z *ptrZeroer) IsZero() bool  { return z.N == 7 }

// TestMarshalCanonicalEdgeCases compares the two paths on values chosen
// for encoding/json's rules, and checks which the direct encoder leaves to
// the two-pass path.
func TestMarshalCanonicalEdgeCases(t *testing.T) {
	nan := math.NaN()
	cycle := &Recursive{N: 1}
	cycle.Next = cycle
	deep := &Recursive{}
	for i := range 1100 {
		deep = &Recursive{N: i, Next: deep}
	}
	zeroTime := time.Time{}
	var nilMarshaler *ptrMarshaler
	tests := []struct {
		name   string
		v      any
		direct bool // the direct encoder encodes it (else an error, or left to encoding/json)
	}{
		{"nil", nil, true},
		{"numbers", []any{0, math.Copysign(0, -1), 1e21, 1e-7, 1e-6, 5e-324, math.MaxFloat64, float32(0.1),
			float32(1e21), float32(math.MaxFloat32), float32(1e-7), float32(16777216), int64(math.MinInt64),
			int64(math.MaxInt64), uint64(math.MaxUint64), 1<<53 + 1, 999_999_999_999_999, 1e15, -1_000_000_000_000_000,
			uint8(255), int8(-128), uintptr(7)}, true},
		{"NaN", nan, false},
		{"infinity", []float64{math.Inf(-1)}, false},
		{"float32 infinity", float32(math.Inf(1)), false},
		{"complex", complex(1, 2), false},
		{"chan", make(chan int), false},
		{"func", func() {}, false},
		{"func field", struct{ F func() }{}, false},
		{"func field omitzero", struct {
			F func() `json:",omitzero"`
			N int
		}{}, true},
		{"numbers", []json.Number{"0", "-0", "", "1.50", "1e21", "12345678901234567890", "-1E-7"}, true},
		{"number out of range", json.Number("1e400"), false},
		{"number with space", json.Number(" 1"), false},
		{"not a number", json.Number("0x1"), false},
		{"raw", json.RawMessage(" {\"b\":1, \"a\": [1e2, \"\\u00e9\\/\"]} "), true},
		{"nil raw", struct{ R json.RawMessage }{}, true},
		{"raw duplicate", json.RawMessage(`{"a":1,"a":2}`), false},
		{"raw invalid", json.RawMessage(`{"a":}`), false},
		{"raw empty", json.RawMessage{}, false},
		{"raw two values", json.RawMessage(`1 2`), false},
		{"raw invalid utf-8", json.RawMessage("\"\xff\""), false},
		{"bytes", [][]byte{nil, {}, []byte("hello, world"), {0xff, 0}}, true},
		{"byte array", [3]byte{1, 2, 3}, true},
		{"byte marshalers", []byteMarshaler{1, 2}, true},
		{"strings", []string{"", "<a href=\"x\">&amp;</a>", "\u2028\u2029", "\x00\x1f\x7f", "\xff\xfe", "\xed\xa0\x80",
			"a\xe2\x82", "😀\ufb33", "\\/\b\f\n\r\t", strings.Repeat("abcdefg\"", 9), strings.Repeat("é", 20)}, true},
		{"maps", map[string]any{"b": 1, "a": map[string]any{}, "\ufb33": nil, "😀": []any{}, "": "empty",
			"\xff": "invalid", "é": map[string]int(nil)}, true},
		{"colliding keys", map[string]int{"a\xff": 1, "a\xfe": 2}, false},
		{"key U+FFFD and invalid", map[string]int{"\ufffd": 1, "\xff": 2}, false},
		{"int keys", map[int]string{-1: "a", 10: "b", 2: "c"}, true},
		{"uint8 keys", map[uint8]bool{1: true, 200: false}, true},
		{"text keys", map[textKey]int{0: 1, 1: 2}, true},
		{"colliding text keys", map[textKey]int{0: 1, 3: 2}, false},
		{"string keys ignore MarshalText", map[stringKey]int{"x": 1}, true},
		{"text keys pointer", map[*ptrText]int{{S: "a"}: 1, nil: 2}, true},
		{"float keys", map[float64]int{1: 1}, false},
		{"nil map of float keys", map[float64]int(nil), false},
		{"struct keys", map[struct{}]int{}, false},
		{"value marshaler", valueMarshaler{"x"}, true},
		{"pointer marshaler", &ptrMarshaler{"1"}, true},
		{"pointer marshaler by value", ptrMarshaler{"1"}, true},
		{"pointer marshaler in slice", []ptrMarshaler{{"2"}}, true},
		{"pointer marshaler in array", [1]ptrMarshaler{{"2"}}, true},
		{"pointer marshaler in array by pointer", &[1]ptrMarshaler{{"2"}}, true},
		{"pointer marshaler in map", map[string]ptrMarshaler{"a": {"3"}}, true},
		{"pointer marshaler in struct", struct{ M ptrMarshaler }{ptrMarshaler{"4"}}, true},
		{"pointer marshaler in struct by pointer", &struct{ M ptrMarshaler }{ptrMarshaler{"5"}}, true},
		{"nil pointer marshaler", nilMarshaler, true},
		{"marshaler interface", struct{ M json.Marshaler }{valueMarshaler{"i"}}, true},
		{"nil marshaler interface", struct{ M json.Marshaler }{}, true},
		{"failing marshaler", failingJSON{}, false},
		{"marshaler returning bad json", []ptrMarshaler{{"x"}}, false},
		{"value text", valueText{"<"}, true},
		{"pointer text", []ptrText{{"\xff"}}, true},
		{"pointer text by value", map[string]ptrText{"a": {"b"}}, true},
		{"failing text", failingText{}, false},
		{"text in interface", []any{valueText{"a"}, &ptrText{"b"}, (*ptrText)(nil)}, true},
		{"times", []any{time.Date(2025, 3, 1, 9, 30, 0, 123400000, time.FixedZone("", -8*3600)), &zeroTime,
			(*time.Time)(nil), time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)}, true},
		{"time out of range", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{"time before year 0", []time.Time{time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}, false},
		{"embedded time", struct {
			time.Time
			N int
		}{time.Unix(0, 0).UTC(), 1}, true},
		{"omitempty", struct {
			S  string         `json:"s,omitempty"`
			I  int            `json:"i,omitempty"`
			U  uint           `json:"u,omitempty"`
			F  float64        `json:"f,omitempty"`
			B  bool           `json:"b,omitempty"`
			P  *int           `json:"p,omitempty"`
			A  any            `json:"a,omitempty"`
			M  map[string]int `json:"m,omitempty"`
			L  []int          `json:"l,omitempty"`
			R  [0]int         `json:"r,omitempty"`
			St struct{}       `json:"st,omitempty"`
			T  time.Time      `json:"t,omitempty"`
		}{M: map[string]int{}, L: []int{}}, true},
		{"omitzero", struct {
			T  time.Time                  `json:"t,omitzero"`
			PT *time.Time                 `json:"pt,omitzero"`
			ZT *time.Time                 `json:"zt,omitzero"`
			V  valueZeroer                `json:"v,omitzero"`
			W  valueZeroer                `json:"w,omitzero"`
			P  ptrZeroer                  `json:"p,omitzero"`
			PP *ptrZeroer                 `json:"pp,omitzero"`
			I  interface{ IsZero() bool } `json:"i,omitzero"`
			IN interface{ IsZero() bool } `json:"in,omitzero"`
			S  struct{ A int }            `json:"s,omitzero"`
			L  []int                      `json:"l,omitzero"`
			F  float64                    `json:"f,omitzero"`
		}{PT: &zeroTime, V: valueZeroer{7}, W: valueZeroer{0}, P: ptrZeroer{7}, PP: &ptrZeroer{7},
			I: valueZeroer{7}, IN: (*ptrZeroer)(nil), L: []int{}, F: math.Copysign(0, -1)}, true},
		{"omitzero by pointer", &struct {
			P ptrZeroer `json:"p,omitzero"`
			Q ptrZeroer `json:"q,omitzero"`
		}{P: ptrZeroer{7}, Q: ptrZeroer{1}}, true},
		{"tags", struct {
			A int `json:"z"`
			B int `json:"-"`
			//lint:ignore SA5008 the name "-"
			C int `json:"-,"`
			D int `json:"<&>"`
			E int `json:"ü"`
			F int `json:"😀"` // not a letter, so not a name: F
			G int `json:"דּ"`
			// A letter beyond U+FFFF, which sorts before U+FB33 and U+FF5A.
			G2 int `json:"𐐀"`
			G3 int `json:"ｚ"`
			//lint:ignore SA5008 not a name: H
			H int `json:"bad\"name"`
			I int `json:",omitempty"`
			J int `json:"with space"`
			//lint:ignore SA5008 encoding/json ignores unknown options
			K int `json:"a,foo,omitempty"`
			//lint:ignore SA5008 encoding/json ignores unknown options
			Lx int `json:"Lx,omitempty,string_not"`
			l  int
		}{A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, G2: 71, G3: 72, H: 8, J: 9, K: 0, Lx: 1, l: 11}, true},
		{"string option", struct {
			N int `json:"n,string"`
		}{5}, false},
		{"string option on a struct", struct {
			//lint:ignore SA5008 encoding/json ignores the option on a struct
			S struct{ A int } `json:"s,string"`
		}{}, true},
		{"embedded", struct {
			Inner
			*Other
			Tagged
			Name
			inner
			E error
			fmt.Stringer
		}{Inner: Inner{"a", 2, "c"}, Other: &Other{"oa", "oc", "od"}, Tagged: Tagged{"tc"}, Name: "n", inner: inner{"x"}}, true},
		{"embedded nil pointer", struct {
			*Other
			N int
		}{}, true},
		{"embedded twice deep", struct {
			Deep
			Inner `json:"inner"`
		}{Deep{Inner{"deep", 1, "c"}}, Inner{"named", 2, "d"}}, true},
		{"embedded conflict", struct {
			Inner
			Deep
			*Other // a pointer, or vet reports the conflict this tests
		}{Inner{"a", 1, "c"}, Deep{Inner{"b", 2, "d"}}, &Other{"e", "f", "g"}}, true},
		{"recursive", &Recursive{1, &Recursive{2, nil}}, true},
		{"cycle", cycle, false},
		{"deep", deep, false},
		{"deep slices", nested(1100), false},
		{"interfaces", []any{nil, []any{nil, map[string]any{"a": []int(nil)}}, any(any(1))}, true},
		{"pointers", func() any { x := 3; p := &x; return &p }(), true},
		{"empty struct", struct{}{}, true},
		{"unexported fields only", struct{ a, b int }{1, 2}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkMatchesTwoPass(t, tt.v); got != tt.direct {
				t.Errorf("direct encoder encoded %#v: %v, want %v", tt.v, got, tt.direct)
			}
		})
	}
}

// TestMarshalCanonicalPanics checks that a MarshalJSON method that panics
// panics through MarshalCanonical, as through encoding/json: a field of
// interface type json.Marshaler holding a nil pointer is marshaled by
// calling the method on the nil pointer.
func TestMarshalCanonicalPanics(t *testing.T) {
	v := struct{ M json.Marshaler }{(*ptrMarshaler)(nil)}
	for name, marshal := range map[string]func(any) ([]byte, error){
		"marshalCanonicalTwoPass": marshalCanonicalTwoPass,
		"marshalDirect":           marshalDirect,
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s(%#v) did not panic", name, v)
				}
			}()
			marshal(v)
		}()
	}
}

// nested returns n slices, each holding the next.
func nested(n int) any {
	var v any = []any{}
	for range n {
		v = []any{v}
	}
	return v
}

func TestMarshalCanonicalExamples(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{map[string]any{"\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "😀": 5, "\u0080": 6, "ö": 7},
			`{"\r":2,"1":4,"` + "\u0080" + `":6,"ö":7,"€":1,"😀":5,"` + "\ufb33" + `":3}`},
		{[]any{333333333.33333329, 1e30, 4.50, 2e-3, 1e-27, 9007199254740993, uint64(math.MaxUint64)},
			`[333333333.3333333,1e+30,4.5,0.002,1e-27,9007199254740992,18446744073709552000]`},
		{"\u20ac$\u000f\nA'B\"\\\\\"/<\u2028\xff", "\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/<\u2028\ufffd\""},
		{struct {
			Z string `json:"z"`
			A *int   `json:"a"`
		}{Z: "z"}, `{"a":null,"z":"z"}`},
	}
	for _, tt := range tests {
		got, err := MarshalCanonical(tt.v)
		if err != nil || string(got) != tt.want {
			t.Errorf("MarshalCanonical(%#v) = %s, %v; want %s", tt.v, got, err, tt.want)
		}
	}
}

// fuzzStruct has fields of most kinds, with the tags the records use.
type fuzzStruct struct {
	S    string            `json:"s"`
	SE   string            `json:"se,omitempty"`
	I8   int8              `json:"i8,omitempty"`
	I64  int64             `json:"i64"`
	U64  uint64            `json:"u64,omitzero"`
	F32  float32           `json:"f32"`
	F64  *float64          `json:"f64,omitempty"`
	B    *bool             `json:"b"`
	T    time.Time         `json:"t,omitzero"`
	PT   *time.Time        `json:"pt,omitempty"`
	N    json.Number       `json:"n,omitempty"`
	Raw  json.RawMessage   `json:"raw,omitempty"`
	Data []byte            `json:"data"`
	Arr  [2]int            `json:"arr"`
	M    map[string]any    `json:"m"`
	MI   map[int]string    `json:"mi,omitempty"`
	L    []any             `json:"l"`
	A    any               `json:"a"`
	Off  []liaison.Offense `json:"off,omitempty"`
	Next *fuzzStruct       `json:"next,omitempty"`
	liaison.RuleRef
	*liaison.Actor
}

func FuzzMarshalCanonicalMatchesTwoPass(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,2.5,"x"],"b":{"c":null}}`, `[]`, `"\u00e9\u2028<>&"`, `1e21`, `-0`, `9007199254740993`,
		`{"s":"x","i64":-5,"u64":18446744073709551615,"f32":0.1,"t":"2025-03-01T09:30:00.5+05:30","n":1.50,
		  "raw":{"z":1,"a":2},"data":"AAEC","arr":[1,2],"m":{"\ud83d\ude00":1,"\ufb33":2},"mi":{"3":"x"},
		  "l":[1,"a",null],"a":{"b":[]},"off":[{"offense":"x","date":"2012-05-14"}],"next":{"s":"y"},
		  "pack":"p","effect":"permit","id":"u1","role":"clerk"}`,
		`{"decision":{"outcome":"permitted","considered":[{"pack":"p","held":true,"why":"\u0000"}]}}`,
		"\"\xff\xfe\"", `{"b":1,"a":2,"b":3}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Deeper than maxDepth, the direct encoder leaves values to
		// encoding/json; the JSON must be at least twice as long.
		check := checkDirect
		if len(data) > 2*maxDepth {
			check = func(t *testing.T, v any) { checkMatchesTwoPass(t, v) }
		}
		var v any
		if json.Unmarshal(data, &v) == nil {
			check(t, v)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if dec.Decode(&v) == nil {
			check(t, v)
		}
		var s fuzzStruct
		if json.Unmarshal(data, &s) == nil {
			check(t, s)
			check(t, &s)
		}
		var dr liaison.DecisionRecord
		if json.Unmarshal(data, &dr) == nil {
			check(t, &dr)
		}
		var rr liaison.RequestRecord
		if json.Unmarshal(data, &rr) == nil {
			check(t, rr)
		}
		// The bytes as they are: not always UTF-8, not always JSON.
		check(t, string(data))
		check(t, map[string]any{string(data): data, "k": json.RawMessage(data)})
	})
}
