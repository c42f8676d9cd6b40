package ledger

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"liaison/internal/jsonstr"
)

// A one-pass canonical encoder: MarshalCanonical writes a Go value's RFC
// 8785 form directly, struct members in the sorted order of their JSON
// names (planned once per type), instead of encoding/json's text re-read
// and reordered by jsontext (marshalSlow, the plain path).
//
// Why keep it: on durable intake canonical JSON was about 9% of the server's
// CPU (BenchmarkIntakeRoute in bench/httpload), and
// BenchmarkMarshalCanonical (ledger) measures this path against the plain one.
//
// Why it is safe: the bytes are hashed into the log, so they must be the
// plain path's exactly. It handles only what it can write the same way
// (structs, their embedded structs promoted, tags with at most omitempty
// and omitzero, pointers, interfaces, slices, arrays, maps with string keys,
// strings, bools, integers, float64, time.Time, and a struct whose
// MarshalJSON marshals what its JSONValue method returns, which it writes
// instead: see jsonValuer); a value of any other type,
// a method that marshals (MarshalJSON, MarshalText) or a float32 is written
// by the plain path and its canonical text appended, which is the same
// because the canonical form of a value is made of its members' canonical
// forms. Any error in this path, whatever its cause, makes MarshalCanonical
// run the plain path from the start and return its answer, so errors are
// the plain path's too. TestMarshalCanonicalOracle and
// FuzzMarshalCanonicalOracle compare both paths on generated records of
// every kind; testdata/golden pins the bytes.

// encodeFunc appends the canonical form of v to b.
type encodeFunc func(e *encodeState, b []byte, v reflect.Value) ([]byte, error)

// encodeState is one call's: how deep the value goes so far.
type encodeState struct{ depth int }

// maxDepth bounds nesting: a deeper value (or a cycle) goes the plain way,
// which finds the cycle or writes the value.
const maxDepth = 1000

// errPlain stops the one-pass encoder: MarshalCanonical then runs the plain
// path, whose result, error included, is the answer.
var errPlain = errors.New("canonical json: use the plain path")

// encoders caches each type's encodeFunc. Like encoding/json's own cache of
// field lists, it only ever gains entries, each a function of its type.
var encoders sync.Map // reflect.Type → encodeFunc

// buffers keeps the one-pass encoder's buffers between calls: a record is
// written into one, then copied out at its size.
var buffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooled bounds the buffers kept.
const maxPooled = 1 << 20

// marshalFast is the one-pass encoder.
func marshalFast(v any) ([]byte, error) {
	if v == nil {
		return []byte("null"), nil
	}
	rv := reflect.ValueOf(v)
	buf := buffers.Get().(*[]byte)
	b, err := encoderOf(rv.Type())(&encodeState{}, (*buf)[:0], rv)
	var out []byte
	if err == nil {
		out = slices.Clone(b)
	}
	if cap(b) <= maxPooled {
		*buf = b
		buffers.Put(buf)
	}
	return out, err
}

// encoderOf returns t's encodeFunc, planning it on first use. A recursive
// type meets its own placeholder while planned, which waits for the plan.
func encoderOf(t reflect.Type) encodeFunc {
	if f, ok := encoders.Load(t); ok {
		return f.(encodeFunc)
	}
	var (
		wg   sync.WaitGroup
		real encodeFunc
	)
	wg.Add(1)
	f, loaded := encoders.LoadOrStore(t, encodeFunc(func(e *encodeState, b []byte, v reflect.Value) ([]byte, error) {
		wg.Wait()
		return real(e, b, v)
	}))
	if loaded {
		return f.(encodeFunc)
	}
	real = planEncoder(t)
	wg.Done()
	encoders.Store(t, real)
	return real
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	timeType          = reflect.TypeFor[time.Time]()
	numberType        = reflect.TypeFor[json.Number]() // written as its text
)

// A jsonValuer is a type whose MarshalJSON is json.Marshal(JSONValue()):
// the one-pass encoder writes that value (liaison.Offense: canonical JSON
// of records through its MarshalJSON and the plain path was 2.6% of
// BenchmarkIntakeRoute's samples).
type jsonValuer interface{ JSONValue() any }

var valuerType = reflect.TypeFor[jsonValuer]()

// encodeValuer writes a jsonValuer's value.
func encodeValuer(e *encodeState, b []byte, v reflect.Value) ([]byte, error) {
	if !v.CanInterface() {
		return b, errPlain
	}
	val := reflect.ValueOf(v.Interface().(jsonValuer).JSONValue())
	if !val.IsValid() {
		return append(b, "null"...), nil
	}
	return encoderOf(val.Type())(e, b, val)
}

// marshals reports whether encoding/json writes t through a method.
func marshals(t reflect.Type) bool {
	for _, m := range []reflect.Type{marshalerType, textMarshalerType} {
		if t.Implements(m) || (t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(m)) {
			return true
		}
	}
	return false
}

func planEncoder(t reflect.Type) encodeFunc {
	if t == timeType {
		return encodeTime
	}
	if t.Kind() == reflect.Struct && t.Implements(valuerType) && t.Implements(marshalerType) {
		return encodeValuer
	}
	if t == numberType || marshals(t) {
		return encodePlain
	}
	switch t.Kind() {
	case reflect.Bool:
		return encodeBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return encodeInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return encodeUint
	case reflect.Float64:
		return encodeFloat
	case reflect.String:
		return encodeString
	case reflect.Interface:
		return encodeInterface
	case reflect.Pointer:
		return planPointer(t)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !marshals(t.Elem()) {
			return encodeBytes
		}
		return planArray(t)
	case reflect.Array:
		return planArray(t)
	case reflect.Map:
		if t.Key().Kind() != reflect.String || marshals(t.Key()) {
			return encodePlain
		}
		return planMap(t)
	case reflect.Struct:
		return planStruct(t)
	}
	return encodePlain // float32, complex, chan, func…
}

// encodePlain writes v the plain way, for the values this encoder leaves
// to encoding/json.
func encodePlain(_ *encodeState, b []byte, v reflect.Value) ([]byte, error) {
	var x any
	if v.CanAddr() {
		x = v.Addr().Interface() // so that pointer methods apply, as encoding/json does
	} else {
		x = v.Interface()
	}
	out, err := marshalSlow(x)
	if err != nil {
		return b, err
	}
	return append(b, out...), nil
}

func encodeBool(_ *encodeState, b []byte, v reflect.Value) ([]byte, error) {
	return strconv.AppendBool(b, v.Bool()), nil
}

func encodeInt(_ *encodeState, b []byte, v reflect.Value) ([]byte, error) {
	// RFC 8785 numbers are doubles: beyond 2⁵³ an integer rounds.
	return appendNumber(b, float64(v.Int())), nil
}

func encodeUint(_ *encodeState, b []byte, v reflect.Value) ([]byte, error) {
	return appendNumber(b, float64(v.Uint())), nil
}

func encodeFloat(_ *encodeState, b []byte, v reflect.Value) ([]byte, error) {
	f := v.Float()
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, errPlain
	}
	return appendNumber(b, f), nil
}

// appendNumber writes f as ECMAScript writes a number (RFC 8785, section
// 3.2.2.3): encoding/json's rule, with -0 as 0.
func appendNumber(b []byte, f float64) []byte {
	if f == 0 {
		return append(b, '0')
	}
	format := byte('f')
	if abs := math.Abs(f); abs < 1e-6 || abs >= 1e21 {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-07 → e-7
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

func encodeString(_ *encodeState, b []byte, v reflect.Value) ([]byte, error) {
	return appendString(b, v.String()), nil
}

// appendString writes s as a canonical JSON string: only the escapes JSON
// requires, each byte of invalid UTF-8 as U+FFFD (jsonstr.Canonical).
func appendString(b []byte, s string) []byte { return jsonstr.Append(b, s, jsonstr.Canonical) }

// encodeTime writes a time as time.Time's MarshalJSON does (RFC 3339 with
// nanoseconds), or leaves one that method refuses to the plain path.
func encodeTime(_ *encodeState, b []byte, v reflect.Value) ([]byte, error) {
	t := v.Interface().(time.Time)
	if y := t.Year(); y < 0 || y > 9999 {
		return b, errPlain
	}
	if _, offset := t.Zone(); offset%60 != 0 || offset <= -24*3600 || offset >= 24*3600 {
		return b, errPlain
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

func encodeBytes(_ *encodeState, b []byte, v reflect.Value) ([]byte, error) {
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, v.Bytes())
	return append(b, '"'), nil
}

func encodeInterface(e *encodeState, b []byte, v reflect.Value) ([]byte, error) {
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	if e.depth++; e.depth > maxDepth {
		return b, errPlain
	}
	b, err := encoderOf(v.Elem().Type())(e, b, v.Elem())
	e.depth--
	return b, err
}

func planPointer(t reflect.Type) encodeFunc {
	elem := encoderOf(t.Elem())
	return func(e *encodeState, b []byte, v reflect.Value) ([]byte, error) {
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		if e.depth++; e.depth > maxDepth {
			return b, errPlain
		}
		b, err := elem(e, b, v.Elem())
		e.depth--
		return b, err
	}
}

func planArray(t reflect.Type) encodeFunc {
	elem := encoderOf(t.Elem())
	slice := t.Kind() == reflect.Slice
	return func(e *encodeState, b []byte, v reflect.Value) ([]byte, error) {
		if slice && v.IsNil() {
			return append(b, "null"...), nil
		}
		if e.depth++; e.depth > maxDepth {
			return b, errPlain
		}
		b = append(b, '[')
		for i := range v.Len() {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = elem(e, b, v.Index(i)); err != nil {
				return b, err
			}
		}
		e.depth--
		return append(b, ']'), nil
	}
}

func planMap(t reflect.Type) encodeFunc {
	elem := encoderOf(t.Elem())
	return func(e *encodeState, b []byte, v reflect.Value) ([]byte, error) {
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		if e.depth++; e.depth > maxDepth {
			return b, errPlain
		}
		type member struct {
			key string
			v   reflect.Value
		}
		members := make([]member, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			k := it.Key().String()
			if !utf8.ValidString(k) {
				return b, errPlain // keys that encoding/json would make equal
			}
			members = append(members, member{k, it.Value()})
		}
		slices.SortFunc(members, func(x, y member) int { return compareUTF16(x.key, y.key) })
		b = append(b, '{')
		for i, m := range members {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendString(b, m.key), ':')
			var err error
			if b, err = elem(e, b, m.v); err != nil {
				return b, err
			}
		}
		e.depth--
		return append(b, '}'), nil
	}
}

// compareUTF16 orders strings of valid UTF-8 by their UTF-16 code units,
// as RFC 8785 sorts object members.
func compareUTF16(x, y string) int {
	for x != "" && y != "" {
		rx, nx := utf8.DecodeRuneInString(x)
		ry, ny := utf8.DecodeRuneInString(y)
		if rx != ry {
			// A rune beyond the BMP is a surrogate pair (0xd800–0xdbff
			// first), which sorts after the BMP below 0xe000, before the rest.
			sx, sy := rx >= 0x10000, ry >= 0x10000
			switch {
			case sx && !sy:
				if ry >= 0xe000 {
					return -1
				}
				return 1
			case sy && !sx:
				if rx >= 0xe000 {
					return 1
				}
				return -1
			case rx < ry:
				return -1
			default:
				return 1
			}
		}
		x, y = x[nx:], y[ny:]
	}
	return len(x) - len(y)
}

// field is a struct member the encoder writes.
type field struct {
	index     []int  // the path of struct fields to it, through embedded structs
	key       string // the JSON name
	name      []byte // "name":
	tagged    bool
	omitEmpty bool
	omitZero  bool
	isZero    func(reflect.Value) bool // the type's IsZero method, for omitZero
	encode    encodeFunc
}

type isZeroer interface{ IsZero() bool }

var isZeroerType = reflect.TypeFor[isZeroer]()

// maxEmbedding bounds how deep structs embed structs; deeper goes the plain
// way.
const maxEmbedding = 8

// structFields lists the members of struct t as encoding/json finds them:
// exported fields, and those of embedded structs without a tag, promoted.
// ok is false for what this encoder leaves to the plain path: a tag name
// encoding/json would not take as it is, a ",string" option, an embedded
// field other than an untagged struct or pointer to one.
func structFields(t reflect.Type, index []int, depth int) (fields []field, ok bool) {
	if depth > maxEmbedding {
		return nil, false
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		path := append(slices.Clone(index), i)
		if sf.Anonymous {
			et := sf.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if tag != "" || et.Kind() != reflect.Struct {
				return nil, false
			}
			inner, ok := structFields(et, path, depth+1)
			if !ok {
				return nil, false
			}
			fields = append(fields, inner...)
			continue
		}
		if !sf.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		f := field{index: path, tagged: name != ""}
		if name == "" {
			name = sf.Name
		} else if !plainName(name) {
			return nil, false
		}
		f.key, f.name = name, append(appendString(nil, name), ':')
		for opt := range strings.SplitSeq(opts, ",") {
			switch opt {
			case "omitempty":
				f.omitEmpty = true
			case "omitzero":
				f.omitZero = true
			case "string":
				return nil, false
			}
		}
		if f.omitZero {
			f.isZero = zeroMethod(sf.Type)
		}
		f.encode = encoderOf(sf.Type)
		fields = append(fields, f)
	}
	return fields, true
}

// planStruct plans a struct's members in canonical order. Of the fields
// that share a name, the least deeply embedded wins, then the only tagged
// one among those; else none is written (encoding/json's rules).
func planStruct(t reflect.Type) encodeFunc {
	all, ok := structFields(t, nil, 0)
	if !ok {
		return encodePlain
	}
	byName := make(map[string][]field)
	for _, f := range all {
		byName[f.key] = append(byName[f.key], f)
	}
	var fields []field
	for _, same := range byName {
		top := slices.MinFunc(same, func(x, y field) int { return len(x.index) - len(y.index) })
		var dominant []field
		for _, f := range same {
			if len(f.index) == len(top.index) {
				dominant = append(dominant, f)
			}
		}
		if len(dominant) > 1 {
			dominant = slices.DeleteFunc(dominant, func(f field) bool { return !f.tagged })
		}
		if len(dominant) == 1 {
			fields = append(fields, dominant[0])
		}
	}
	slices.SortFunc(fields, func(x, y field) int { return compareUTF16(x.key, y.key) })
	return func(e *encodeState, b []byte, v reflect.Value) ([]byte, error) {
		if e.depth++; e.depth > maxDepth {
			return b, errPlain
		}
		b = append(b, '{')
		first := true
	members:
		for i := range fields {
			f := &fields[i]
			fv := v
			for _, x := range f.index {
				if fv.Kind() == reflect.Pointer {
					if fv.IsNil() {
						continue members // a nil embedded pointer: none of its fields
					}
					fv = fv.Elem()
				}
				fv = fv.Field(x)
			}
			if f.omitEmpty && isEmpty(fv) || f.omitZero && (f.isZero == nil && fv.IsZero() || f.isZero != nil && f.isZero(fv)) {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, f.name...)
			var err error
			if b, err = f.encode(e, b, fv); err != nil {
				return b, err
			}
		}
		e.depth--
		return append(b, '}'), nil
	}
}

// plainName reports whether a tag's name is made only of characters that
// encoding/json takes as they are and that need no escape.
func plainName(s string) bool {
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.' || c == '/') {
			return false
		}
	}
	return true
}

// isEmpty is encoding/json's test for omitempty.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// zeroMethod returns how encoding/json asks a value of type t whether it is
// zero for omitzero, through its IsZero method, or nil when t has none.
func zeroMethod(t reflect.Type) func(reflect.Value) bool {
	switch {
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return v.IsNil() || (v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil()) || v.Interface().(isZeroer).IsZero()
		}
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return func(v reflect.Value) bool { return v.IsNil() || v.Interface().(isZeroer).IsZero() }
	case t.Implements(isZeroerType):
		return func(v reflect.Value) bool { return v.Interface().(isZeroer).IsZero() }
	case reflect.PointerTo(t).Implements(isZeroerType):
		return func(v reflect.Value) bool {
			if !v.CanAddr() {
				c := reflect.New(v.Type()).Elem()
				c.Set(v)
				v = c
			}
			return v.Addr().Interface().(isZeroer).IsZero()
		}
	}
	return nil
}
