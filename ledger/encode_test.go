package ledger_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"liaison"
	"liaison/ledger"
)

// recordTypes are the bodies of every kind of record, and the other values
// the product hashes.
var recordTypes = []any{
	liaison.AgencyRecord{}, liaison.PersonRecord{}, liaison.BookingRecord{}, liaison.CaseClosedRecord{},
	liaison.CustodyEventRecord{}, liaison.RequestRecord{}, liaison.DecisionRecord{}, liaison.FactsRecord{},
	liaison.PackSetRecord{}, liaison.ActionRecord{}, liaison.DutyRecord{}, liaison.DutyChangeRecord{},
	liaison.OverrideRecord{}, liaison.DeliveryRecord{}, liaison.DeliveryClaimRecord{}, liaison.ActionOutcomeRecord{},
	liaison.ChannelRecord{}, liaison.ReadRecord{}, liaison.TokenRecord{}, liaison.SessionRecord{},
	liaison.SessionSeenRecord{}, liaison.SessionEndedRecord{}, liaison.SignInCodeRecord{}, liaison.SignInCodeUsedRecord{},
	liaison.ContactRecord{}, liaison.ContactFindingRecord{}, liaison.ContactDraftRecord{},
	liaison.Request{}, liaison.Decision{}, ledger.CheckpointBody{}, map[string]any{},
	edgeCases{},
}

// edgeCases holds what the one-pass encoder leaves to the plain path, or
// writes with care.
type edgeCases struct {
	Embedded
	*EmbeddedPtr
	Marshals  liaison.Offense            `json:"marshals"` // written as its JSONValue
	ByValue   valueMarshaler             `json:"by_value"`
	ByPointer ptrMarshaler               `json:"by_pointer"`
	Text      textKey                    `json:"text,omitempty"`
	TextMap   map[textKey]int            `json:"text_map"`
	IntMap    map[int]string             `json:"int_map"`
	Small     float32                    `json:"small"`
	Bytes     []byte                     `json:"bytes"`
	Array     [3]byte                    `json:"array"`
	Raw       json.RawMessage            `json:"raw,omitempty"`
	Number    json.Number                `json:"number,omitempty"`
	Zeroer    zeroer                     `json:"zeroer,omitzero"`
	PtrZeroer ptrZeroer                  `json:"ptr_zeroer,omitzero"`
	AnyZeroer interface{ IsZero() bool } `json:"any_zeroer,omitzero"`
	Time      time.Time                  `json:"time,omitzero"`
	Stringly  int                        `json:"stringly,string"`
	//lint:ignore SA5008 encoding/json names this member "-"; both encoders must agree on that
	Dash       string `json:"-,omitempty"`
	Skipped    string `json:"-"`
	Odd        string `json:"odd name!"`
	Ünïcode    string //
	Z          string `json:"a-"`
	A          string `json:"a"`
	Tree       *tree  `json:"tree"`
	Anything   any    `json:"anything"`
	unexported string
}

type Embedded struct {
	Inner string `json:"inner"`
}

type EmbeddedPtr struct {
	Deep string `json:"deep"`
}

type tree struct {
	Value    float64 `json:"value"`
	Children []*tree `json:"children,omitempty"`
}

type ptrMarshaler struct{ V string }

// valueMarshaler has a method named JSONValue, but not a jsonValuer's: it
// must go the plain way.
type valueMarshaler struct{ V string }

func (v valueMarshaler) MarshalJSON() ([]byte, error) { return json.Marshal("value:" + v.V) }

func (v valueMarshaler) JSONValue() int { return len(v.V) }

func (p *ptrMarshaler) MarshalJSON() ([]byte, error) { return json.Marshal("ptr:" + p.V) }

type textKey string

func (k textKey) MarshalText() ([]byte, error) { return []byte("text:" + string(k)), nil }

type zeroer struct{ N int }

func (z zeroer) IsZero() bool { return z.N%2 == 0 }

type ptrZeroer struct{ N int }

func (z *ptrZeroer) IsZero() bool { return z.N%3 == 0 }

// filler makes random values of any type, reaching for what is hard to
// write: escapes, invalid UTF-8, names that sort differently in UTF-16,
// large and tiny numbers, -0, times in odd zones and years.
type filler struct{ r *rand.Rand }

var fillStrings = []string{"", "a", "notify_release", "<>&'", "\"\\/", "\u2028\u2029", "\x00\x01\x1f\x7f", "\b\f\n\r\t",
	"\xff", "a\xc3", "\xed\xa0\x80", "é€😀\ufb33", "\u0080", "Ö", "x y", "a-", "a.b", "1", "\ufffd"}

func (f filler) string() string {
	if f.r.IntN(3) > 0 {
		return fillStrings[f.r.IntN(len(fillStrings))]
	}
	b := make([]rune, f.r.IntN(6))
	for i := range b {
		switch f.r.IntN(4) {
		case 0:
			b[i] = rune(f.r.IntN(0x80))
		case 1:
			b[i] = rune(f.r.IntN(0x800))
		case 2:
			b[i] = rune(0xe000 + f.r.IntN(0x2000))
		default:
			b[i] = rune(0x10000 + f.r.IntN(0x100000))
		}
	}
	return string(b)
}

var fillFloats = []float64{0, math.Copysign(0, -1), 1, -1.5, 1e-7, 1e-6, 9.99e-7, 1e21, 9.99e20, 1e300, 5e-324,
	333333333.33333329, 0.1, 1 << 53, 1<<53 + 2, math.MaxFloat64, -math.MaxFloat64, math.NaN(), math.Inf(1)}

func (f filler) float() float64 {
	if f.r.IntN(2) == 0 {
		return fillFloats[f.r.IntN(len(fillFloats))]
	}
	v := math.Float64frombits(f.r.Uint64())
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 2.5
	}
	return v
}

var fillInts = []int64{0, 1, -1, 42, 1 << 53, 1<<53 + 1, -(1<<53 + 1), math.MaxInt64, math.MinInt64, 1e15, 1e21 / 1e3}

var zones = []*time.Location{time.UTC, time.FixedZone("", -7*3600), time.FixedZone("NPT", 5*3600+45*60),
	time.FixedZone("LMT", -(4*3600 + 56*60 + 2)), time.FixedZone("", 24*3600), time.FixedZone("", -23*3600-59*60)}

func (f filler) time() time.Time {
	years := []int{2019, 1970, 0, 9999, 1, 10000, -1, 2026}
	t := time.Date(years[f.r.IntN(len(years))], time.Month(1+f.r.IntN(12)), 1+f.r.IntN(28), f.r.IntN(24), f.r.IntN(60), f.r.IntN(60),
		[]int{0, 123456789, 100000000, 1000}[f.r.IntN(4)], zones[f.r.IntN(len(zones))])
	if f.r.IntN(8) == 0 {
		return time.Time{}
	}
	return t
}

// any returns a value as encoding/json decodes JSON, or one of a few Go types.
func (f filler) any(depth int) any {
	switch n := f.r.IntN(9); {
	case n == 0 || depth > 3:
		return nil
	case n == 1:
		return f.string()
	case n == 2:
		return f.float()
	case n == 3:
		return f.r.IntN(2) == 0
	case n == 4:
		l := make([]any, f.r.IntN(3))
		for i := range l {
			l[i] = f.any(depth + 1)
		}
		return l
	case n == 5:
		m := map[string]any{}
		for range f.r.IntN(4) {
			m[f.string()] = f.any(depth + 1)
		}
		return m
	case n == 6:
		return f.time()
	case n == 7:
		return fillInts[f.r.IntN(len(fillInts))]
	default:
		return liaison.Actor{ID: f.string(), Role: liaison.RoleClerk}
	}
}

// fill sets v, which is settable, to a random value of its type.
func (f filler) fill(v reflect.Value, depth int) {
	t := v.Type()
	if t == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(f.time()))
		return
	}
	if t == reflect.TypeFor[json.RawMessage]() {
		v.SetBytes([]byte([]string{"", `{"b":1,"a":[1e2]}`, `"\u00e9"`, `{"a":1,"a":2}`}[f.r.IntN(4)]))
		return
	}
	if t == reflect.TypeFor[json.Number]() {
		v.SetString([]string{"", "1", "1e2", "-0.5", "1e400"}[f.r.IntN(5)])
		return
	}
	switch t.Kind() {
	case reflect.Bool:
		v.SetBool(f.r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := fillInts[f.r.IntN(len(fillInts))]
		if f.r.IntN(2) == 0 {
			n = f.r.Int64N(1000) - 500
		}
		if !v.OverflowInt(n) {
			v.SetInt(n)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n := []uint64{0, 7, 255, 1 << 53, 1<<53 + 1, math.MaxUint64}[f.r.IntN(6)]
		if !v.OverflowUint(n) {
			v.SetUint(n)
		}
	case reflect.Float32, reflect.Float64:
		x := f.float()
		if t.Kind() == reflect.Float32 && math.Abs(x) > math.MaxFloat32 {
			x = 3.25
		}
		v.SetFloat(x)
	case reflect.String:
		v.SetString(f.string())
	case reflect.Interface:
		if t.NumMethod() == 0 && f.r.IntN(4) > 0 {
			if x := f.any(depth); x != nil {
				v.Set(reflect.ValueOf(x))
			}
		} else if t.Implements(reflect.TypeFor[interface{ IsZero() bool }]()) && f.r.IntN(2) == 0 {
			v.Set(reflect.ValueOf(zeroer{N: f.r.IntN(4)}))
		}
	case reflect.Pointer:
		if f.r.IntN(3) > 0 && depth < 6 {
			p := reflect.New(t.Elem())
			f.fill(p.Elem(), depth+1)
			v.Set(p)
		}
	case reflect.Slice:
		switch n := f.r.IntN(6); {
		case n == 0 || depth >= 6:
		case n == 1:
			v.Set(reflect.MakeSlice(t, 0, 0))
		default:
			s := reflect.MakeSlice(t, 1+f.r.IntN(3), 3)
			for i := range s.Len() {
				f.fill(s.Index(i), depth+1)
			}
			v.Set(s)
		}
	case reflect.Array:
		for i := range v.Len() {
			f.fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		if n := f.r.IntN(5); n > 0 && depth < 6 {
			m := reflect.MakeMap(t)
			for range n - 1 {
				k, e := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
				f.fill(k, depth+1)
				f.fill(e, depth+1)
				m.SetMapIndex(k, e)
			}
			v.Set(m)
		}
	case reflect.Struct:
		for i := range t.NumField() {
			if t.Field(i).IsExported() && f.r.IntN(8) > 0 {
				f.fill(v.Field(i), depth+1)
			}
		}
	}
}

// compareCanonical checks that MarshalCanonical gives the plain path's
// bytes and error for v, and reports whether the plain path wrote it and
// whether the one-pass encoder did.
func compareCanonical(t *testing.T, v any) (plain, fast bool) {
	t.Helper()
	got, err := ledger.MarshalCanonical(v)
	want, wantErr := ledger.MarshalSlow(v)
	if !bytes.Equal(got, want) || fmt.Sprint(err) != fmt.Sprint(wantErr) {
		t.Fatalf("MarshalCanonical(%#v)\n = %s, %v\nplain path %s, %v", v, got, err, want, wantErr)
	}
	direct, err := ledger.MarshalFast(v)
	if err != nil {
		return wantErr == nil, false
	}
	if !bytes.Equal(direct, want) {
		t.Fatalf("one-pass encoder(%#v)\n = %s\nplain path %s", v, direct, want)
	}
	return true, true
}

// TestMarshalCanonicalOracle compares the one-pass encoder with the plain
// path (encoding/json, then jsontext) on 2,000 random values of every
// record type, and their pointers, and checks that the one-pass encoder
// writes most of those the plain path writes (a value it gives up on, such
// as a time in a zone whose offset has seconds, is written the plain way).
func TestMarshalCanonicalOracle(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 200
	}
	for i, proto := range recordTypes {
		typ := reflect.TypeOf(proto)
		t.Run(typ.String(), func(t *testing.T) {
			f := filler{rand.New(rand.NewPCG(uint64(i), 9))}
			plain, fast := 0, 0
			for range n {
				v := reflect.New(typ).Elem()
				f.fill(v, 0)
				for _, x := range []any{v.Interface(), v.Addr().Interface()} {
					p, q := compareCanonical(t, x)
					plain, fast = plain+b2i(p), fast+b2i(q)
				}
			}
			if typ != reflect.TypeFor[edgeCases]() && 2*fast < plain {
				t.Errorf("the one-pass encoder wrote %d of the %d values the plain path wrote; want most", fast, plain)
			}
			t.Logf("%d of %d values written by the one-pass encoder, %d by the plain path", fast, 2*n, plain)
		})
	}
}

// FuzzMarshalCanonicalOracle is TestMarshalCanonicalOracle driven by the
// fuzzer: a seed and a record type.
func FuzzMarshalCanonicalOracle(f *testing.F) {
	for i := range recordTypes {
		f.Add(uint64(i), uint64(i)*7919)
	}
	f.Fuzz(func(t *testing.T, kind, seed uint64) {
		typ := reflect.TypeOf(recordTypes[kind%uint64(len(recordTypes))])
		v := reflect.New(typ).Elem()
		filler{rand.New(rand.NewPCG(seed, kind))}.fill(v, 0)
		compareCanonical(t, v.Interface())
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestMarshalCanonicalEdgeCases(t *testing.T) {
	deep := any(nil)
	for range 1500 {
		deep = []any{deep}
	}
	type cycle struct {
		Next *cycle `json:"next"`
	}
	loop := &cycle{}
	loop.Next = loop
	for name, v := range map[string]any{
		"nil":              nil,
		"typed nil":        (*liaison.Actor)(nil),
		"deep":             deep,
		"cycle":            loop,
		"NaN in a struct":  tree{Value: math.NaN()},
		"year 10000":       liaison.Actor{ID: "x"},
		"embedded":         edgeCases{unexported: "u", Embedded: Embedded{Inner: "i"}, EmbeddedPtr: &EmbeddedPtr{Deep: "d"}},
		"pointer method":   &struct{ P ptrMarshaler }{ptrMarshaler{"x"}},
		"not addressable":  struct{ P ptrMarshaler }{ptrMarshaler{"x"}},
		"int keys":         map[int]string{2: "b", 10: "a"},
		"float32":          []float32{0.1, 1e-7, 16777217},
		"invalid key":      map[string]int{"\xff": 1, "\xfe": 2},
		"one invalid key":  map[string]int{"\xff": 1},
		"time zone":        time.Date(2019, 3, 4, 5, 6, 7, 8, time.FixedZone("", -(4*3600+56*60+2))),
		"time year 10000":  time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		"sort utf-16":      map[string]int{"\ufb33": 1, "😀": 2, "\ue000": 3, "\ud7ff": 4, "a": 5, "ab": 6, "": 7},
		"bytes":            [][]byte{nil, {}, []byte("\x00\xff")},
		"chan":             make(chan int),
		"number":           json.Number("1e400"),
		"interface slice":  []any{1, "x", nil, []string{}, map[string]any{}},
		"pointer to slice": &[]int{1, 2},
	} {
		t.Run(name, func(t *testing.T) { compareCanonical(t, v) })
	}
}
