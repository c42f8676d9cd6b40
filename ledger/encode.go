package ledger

import (
	"bytes"
	"cmp"
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
	"unicode"
	"unicode/utf8"
)

// The direct encoder: MarshalCanonical's fast path, which writes a Go value
// as canonical JSON in one pass instead of encoding it with encoding/json
// and canonicalizing the text (marshalCanonicalTwoPass). Its output must be
// the two-pass output byte for byte, so it follows encoding/json's rules
// (its encode.go, whose structure this file keeps): the same fields, names,
// omitempty and omitzero, the same methods called on the same values
// (addressable or not), strings made valid UTF-8 the same way. What
// CanonicalJSON would then do is done here directly: object members are
// sorted (struct fields once, when the type's encoder is built), numbers
// written as ECMAScript writes them, strings with the RFC 8785 escapes.
//
// It does not report errors of its own: at the first problem (an
// unsupported type, NaN, a failing or invalid MarshalJSON, map keys that
// collide once made valid UTF-8, nesting deep enough to be a cycle, a
// struct with a `json:",string"` field) it stops with errTwoPass and
// MarshalCanonical encodes the value again the two-pass way, which returns
// the error callers have always seen, or the value's encoding.

// errTwoPass stops the direct encoder; see above.
var errTwoPass = errors.New("ledger: encode the value with encoding/json")

// maxDepth is how many pointers, maps and slices deep the direct encoder
// goes before it leaves the value to encoding/json, which looks for cycles
// past the same depth.
const maxDepth = 1000

// encodeState is the direct encoder's state for one value.
type encodeState struct {
	buf   []byte
	depth int
	// entries holds the members of the maps being written, innermost last;
	// each map truncates it back when it ends.
	entries []mapEntry
}

// mapEntry is a map member: its name, made valid UTF-8, and its value.
type mapEntry struct {
	key string
	val reflect.Value
}

var encodeStates = sync.Pool{New: func() any { return new(encodeState) }}

func (e *encodeState) release() {
	if cap(e.buf) > 1<<20 || cap(e.entries) > 4096 {
		return
	}
	clear(e.entries[:cap(e.entries)]) // drop the references to the value
	*e = encodeState{buf: e.buf[:0], entries: e.entries[:0]}
	encodeStates.Put(e)
}

// marshalDirect returns the canonical JSON of v, or errTwoPass.
func marshalDirect(v any) ([]byte, error) {
	e := encodeStates.Get().(*encodeState)
	defer e.release()
	if err := e.value(reflect.ValueOf(v)); err != nil {
		return nil, err
	}
	return bytes.Clone(e.buf), nil
}

func (e *encodeState) value(v reflect.Value) error {
	if !v.IsValid() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	return typeEncoder(v.Type())(e, v)
}

// encoderFunc appends the canonical JSON of v, a value of the type it was
// built for, to e.buf.
type encoderFunc func(e *encodeState, v reflect.Value) error

// encoders caches an encoderFunc for each reflect.Type met. It is package
// state, as encoding/json's own cache is: the functions are immutable once
// stored, and they depend only on the type.
var encoders sync.Map // reflect.Type → encoderFunc

func typeEncoder(t reflect.Type) encoderFunc {
	if f, ok := encoders.Load(t); ok {
		return f.(encoderFunc)
	}
	// A recursive type meets itself while its encoder is being built: store
	// a function that waits for the real one first.
	build := sync.OnceValue(func() encoderFunc { return newTypeEncoder(t, true) })
	f, loaded := encoders.LoadOrStore(t, encoderFunc(func(e *encodeState, v reflect.Value) error {
		return build()(e, v)
	}))
	if loaded {
		return f.(encoderFunc)
	}
	enc := build()
	encoders.Store(t, enc)
	return enc
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	timeType          = reflect.TypeFor[time.Time]()
	numberType        = reflect.TypeFor[json.Number]()
)

// newTypeEncoder builds the encoder for t, choosing as encoding/json's
// newTypeEncoder does. With allowAddr, a value whose pointer has the
// marshaling method is marshaled through it when it is addressable.
func newTypeEncoder(t reflect.Type, allowAddr bool) encoderFunc {
	// time.Time's MarshalJSON has a value receiver, so it is called whether
	// or not the value is addressable: write what it writes, without the
	// allocations.
	if t == timeType {
		return timeEncoder
	}
	if t.Kind() != reflect.Pointer && allowAddr && reflect.PointerTo(t).Implements(marshalerType) {
		return newCondAddrEncoder(addrMarshalerEncoder, newTypeEncoder(t, false))
	}
	if t.Implements(marshalerType) {
		return marshalerEncoder
	}
	if t.Kind() != reflect.Pointer && allowAddr && reflect.PointerTo(t).Implements(textMarshalerType) {
		return newCondAddrEncoder(addrTextMarshalerEncoder, newTypeEncoder(t, false))
	}
	if t.Implements(textMarshalerType) {
		return textMarshalerEncoder
	}

	switch t.Kind() {
	case reflect.Bool:
		return boolEncoder
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intEncoder
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uintEncoder
	case reflect.Float32:
		return float32Encoder
	case reflect.Float64:
		return float64Encoder
	case reflect.String:
		if t == numberType {
			return numberEncoder
		}
		return stringEncoder
	case reflect.Interface:
		return interfaceEncoder
	case reflect.Struct:
		return newStructEncoder(t)
	case reflect.Map:
		return newMapEncoder(t)
	case reflect.Slice:
		return newSliceEncoder(t)
	case reflect.Array:
		return newArrayEncoder(t)
	case reflect.Pointer:
		return newPtrEncoder(t)
	default:
		return unsupportedTypeEncoder
	}
}

func unsupportedTypeEncoder(*encodeState, reflect.Value) error { return errTwoPass }

func newCondAddrEncoder(canAddrEnc, elseEnc encoderFunc) encoderFunc {
	return func(e *encodeState, v reflect.Value) error {
		if v.CanAddr() {
			return canAddrEnc(e, v)
		}
		return elseEnc(e, v)
	}
}

func timeEncoder(e *encodeState, v reflect.Value) error {
	t, _ := reflect.TypeAssert[time.Time](v)
	b := append(e.buf, '"')
	b, err := t.AppendText(b) // time.Time.MarshalJSON's text, quoted
	if err != nil {
		return errTwoPass
	}
	e.buf = append(b, '"')
	return nil
}

func marshalerEncoder(e *encodeState, v reflect.Value) error {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	m, ok := reflect.TypeAssert[json.Marshaler](v)
	if !ok {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	return e.marshalJSON(m)
}

func addrMarshalerEncoder(e *encodeState, v reflect.Value) error {
	m, _ := reflect.TypeAssert[json.Marshaler](v.Addr())
	return e.marshalJSON(m)
}

// marshalJSON writes the canonical form of m's JSON.
func (e *encodeState) marshalJSON(m json.Marshaler) error {
	b, err := m.MarshalJSON()
	if err != nil {
		return errTwoPass
	}
	out, err := appendCanonical(e.buf, b)
	if err != nil {
		return errTwoPass
	}
	e.buf = out
	return nil
}

func textMarshalerEncoder(e *encodeState, v reflect.Value) error {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	m, ok := reflect.TypeAssert[encoding.TextMarshaler](v)
	if !ok {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	return e.marshalText(m)
}

func addrTextMarshalerEncoder(e *encodeState, v reflect.Value) error {
	m, _ := reflect.TypeAssert[encoding.TextMarshaler](v.Addr())
	return e.marshalText(m)
}

func (e *encodeState) marshalText(m encoding.TextMarshaler) error {
	b, err := m.MarshalText()
	if err != nil {
		return errTwoPass
	}
	e.buf = appendCanonString(e.buf, b)
	return nil
}

func boolEncoder(e *encodeState, v reflect.Value) error {
	e.buf = strconv.AppendBool(e.buf, v.Bool())
	return nil
}

// exactBelow bounds the integers of up to 15 digits, which CanonicalJSON
// copies as they are written; it reads longer ones as doubles.
const exactBelow = 1e15

func intEncoder(e *encodeState, v reflect.Value) error {
	i := v.Int()
	if -exactBelow < i && i < exactBelow {
		e.buf = strconv.AppendInt(e.buf, i, 10)
	} else {
		// Go's conversion rounds to the nearest double, ties to even, as
		// strconv.ParseFloat of the decimal does.
		e.buf = appendES6(e.buf, float64(i))
	}
	return nil
}

func uintEncoder(e *encodeState, v reflect.Value) error {
	u := v.Uint()
	if u < exactBelow {
		e.buf = strconv.AppendUint(e.buf, u, 10)
	} else {
		e.buf = appendES6(e.buf, float64(u))
	}
	return nil
}

func float64Encoder(e *encodeState, v reflect.Value) error {
	f := v.Float()
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return errTwoPass
	}
	// encoding/json writes the shortest digits that read back as f, so
	// CanonicalJSON reads f back.
	e.buf = appendES6(e.buf, f)
	return nil
}

func float32Encoder(e *encodeState, v reflect.Value) error {
	f := v.Float()
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return errTwoPass
	}
	// encoding/json writes the shortest digits that read back as the
	// float32, and CanonicalJSON reads those digits as a double.
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], f, 'e', -1, 32)
	d, err := strconv.ParseFloat(string(s), 64)
	if err != nil {
		return errTwoPass
	}
	e.buf = appendES6(e.buf, d)
	return nil
}

func numberEncoder(e *encodeState, v reflect.Value) error {
	s := v.String()
	if s == "" {
		s = "0" // as encoding/json writes the zero Number
	}
	// CanonicalJSON would accept white space around the number; encoding/json
	// would not have written it.
	if !isValidNumber(s) {
		return errTwoPass
	}
	out, err := appendCanonical(e.buf, []byte(s))
	if err != nil {
		return errTwoPass
	}
	e.buf = out
	return nil
}

// isValidNumber is encoding/json's: whether s is a JSON number.
func isValidNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
		if s == "" {
			return false
		}
	}
	switch {
	default:
		return false
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		s = s[1:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	if len(s) >= 2 && s[0] == '.' && '0' <= s[1] && s[1] <= '9' {
		s = s[2:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
			if s == "" {
				return false
			}
		}
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	return s == ""
}

func stringEncoder(e *encodeState, v reflect.Value) error {
	e.buf = appendCanonString(e.buf, v.String())
	return nil
}

// plainASCII marks the ASCII bytes a canonical string holds as they are.
var plainASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendCanonString appends s as a canonical JSON string. Like
// encoding/json, it replaces each byte that is not part of valid UTF-8
// with U+FFFD.
func appendCanonString[Bytes []byte | string](dst []byte, s Bytes) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Skip eight plain ASCII bytes at a time.
		for i+8 <= len(s) && plainWord(load64(s[i:i+8])) {
			i += 8
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if !plainASCII[c] {
				dst = append(dst, s[start:i-1]...)
				dst = appendCanonRune(dst, rune(c))
				start = i
			}
			continue
		}
		// Decode from a short string, as encoding/json does, so that a
		// []byte need not be copied.
		r, size := utf8.DecodeRuneInString(string(s[i:min(len(s), i+utf8.UTFMax)]))
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			start = i + 1
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// load64 returns the first 8 bytes of s, little-endian.
func load64[Bytes []byte | string](s Bytes) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// plainWord reports whether the 8 bytes of w are all plain ASCII.
func plainWord(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	// Per byte, in the high bits: w for non-ASCII bytes; w-0x20 for bytes
	// below 0x20 (once no byte is non-ASCII, only those borrow); and
	// (x-1)&^x for zero bytes of x, those equal to '"' or '\\'. A borrow can
	// mark a byte wrongly only above one marked rightly, so the test is
	// exact for whether any byte is special.
	quote, backslash := w^(ones*'"'), w^(ones*'\\')
	special := w | (w - ones*0x20) | (quote-ones)&^quote | (backslash-ones)&^backslash
	return special&highs == 0
}

// validUTF8 returns s with each byte that is not part of valid UTF-8
// replaced by U+FFFD, as encoding/json writes it.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

func interfaceEncoder(e *encodeState, v reflect.Value) error {
	if v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	return e.value(v.Elem())
}

// enter counts one more level of pointers, maps and slices, and returns
// errTwoPass past maxDepth.
func (e *encodeState) enter() error {
	if e.depth++; e.depth > maxDepth {
		return errTwoPass
	}
	return nil
}

func newPtrEncoder(t reflect.Type) encoderFunc {
	elemEnc := typeEncoder(t.Elem())
	return func(e *encodeState, v reflect.Value) error {
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		if err := elemEnc(e, v.Elem()); err != nil {
			return err
		}
		e.depth--
		return nil
	}
}

func newSliceEncoder(t reflect.Type) encoderFunc {
	// Byte slices are base64; arrays of bytes are not.
	if t.Elem().Kind() == reflect.Uint8 {
		p := reflect.PointerTo(t.Elem())
		if !p.Implements(marshalerType) && !p.Implements(textMarshalerType) {
			return byteSliceEncoder
		}
	}
	arrayEnc := newArrayEncoder(t)
	return func(e *encodeState, v reflect.Value) error {
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		if err := arrayEnc(e, v); err != nil {
			return err
		}
		e.depth--
		return nil
	}
}

func byteSliceEncoder(e *encodeState, v reflect.Value) error {
	if v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	e.buf = append(e.buf, '"')
	e.buf = base64.StdEncoding.AppendEncode(e.buf, v.Bytes())
	e.buf = append(e.buf, '"')
	return nil
}

func newArrayEncoder(t reflect.Type) encoderFunc {
	elemEnc := typeEncoder(t.Elem())
	return func(e *encodeState, v reflect.Value) error {
		e.buf = append(e.buf, '[')
		for i := range v.Len() {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := elemEnc(e, v.Index(i)); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
		return nil
	}
}

func newMapEncoder(t reflect.Type) encoderFunc {
	switch t.Key().Kind() {
	case reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
	default:
		if !t.Key().Implements(textMarshalerType) {
			return unsupportedTypeEncoder
		}
	}
	elemEnc := typeEncoder(t.Elem())
	return func(e *encodeState, v reflect.Value) error {
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		base := len(e.entries)
		// One key Value for all the keys saves copying each; whether a
		// key is addressable does not change its name. The values are
		// copied, as encoding/json copies them: not addressable, so
		// methods with pointer receivers are not called on them.
		key := reflect.New(t.Key()).Elem()
		for iter := v.MapRange(); iter.Next(); {
			key.SetIterKey(iter)
			k, err := resolveKeyName(key)
			if err != nil {
				return errTwoPass
			}
			e.entries = append(e.entries, mapEntry{validUTF8(k), iter.Value()})
		}
		entries := e.entries[base:]
		slices.SortFunc(entries, func(a, b mapEntry) int { return compareUTF16(a.key, b.key) })
		for i := 1; i < len(entries); i++ {
			if entries[i].key == entries[i-1].key {
				// Distinct keys that read the same: CanonicalJSON rejects
				// the duplicate member.
				return errTwoPass
			}
		}
		e.buf = append(e.buf, '{')
		for i := range len(e.entries) - base {
			// The values' encoders may grow e.entries, so index it afresh.
			m := e.entries[base+i]
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.buf = appendCanonString(e.buf, m.key)
			e.buf = append(e.buf, ':')
			if err := elemEnc(e, m.val); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
		clear(e.entries[base:])
		e.entries = e.entries[:base]
		e.depth--
		return nil
	}
}

// resolveKeyName is encoding/json's: the name of a map member.
func resolveKeyName(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if tm, ok := reflect.TypeAssert[encoding.TextMarshaler](k); ok {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", nil
		}
		buf, err := tm.MarshalText()
		return string(buf), err
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	panic("ledger: unexpected map key type " + k.Type().String())
}

// field is a struct field as encoding/json writes it.
type field struct {
	name  string
	key   string // the member's name as written, with its colon
	tag   bool   // name comes from the field's json tag
	index []int
	typ   reflect.Type

	omitEmpty bool
	omitZero  bool
	isZero    func(reflect.Value) bool
	quoted    bool

	enc encoderFunc
}

func newStructEncoder(t reflect.Type) encoderFunc {
	fields := typeFields(t)
	for i := range fields {
		if fields[i].quoted {
			// The `json:",string"` option is not used in this module; leave
			// it to encoding/json rather than copy its rules.
			return func(*encodeState, reflect.Value) error { return errTwoPass }
		}
	}
	// RFC 8785's member order, settled once for the type.
	slices.SortFunc(fields, func(a, b field) int { return compareUTF16(a.name, b.name) })
	for i := range fields {
		f := &fields[i]
		f.key = string(append(appendCanonString(nil, f.name), ':'))
		f.enc = typeEncoder(typeByIndex(t, f.index))
	}
	return func(e *encodeState, v reflect.Value) error {
		e.buf = append(e.buf, '{')
		n := 0
	fields:
		for i := range fields {
			f := &fields[i]
			var fv reflect.Value
			if len(f.index) == 1 {
				fv = v.Field(f.index[0])
			} else {
				// A promoted field, perhaps through nil pointers.
				fv = v
				for _, i := range f.index {
					if fv.Kind() == reflect.Pointer {
						if fv.IsNil() {
							continue fields
						}
						fv = fv.Elem()
					}
					fv = fv.Field(i)
				}
			}
			if f.omitEmpty && isEmptyValue(fv) ||
				f.omitZero && (f.isZero == nil && fv.IsZero() || f.isZero != nil && f.isZero(fv)) {
				continue
			}
			if n > 0 {
				e.buf = append(e.buf, ',')
			}
			n++
			e.buf = append(e.buf, f.key...)
			if err := f.enc(e, fv); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
		return nil
	}
}

// isEmptyValue is encoding/json's test for omitempty.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64,
		reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

type isZeroer interface {
	IsZero() bool
}

var isZeroerType = reflect.TypeFor[isZeroer]()

// typeFields returns the fields encoding/json writes for the struct type t,
// in the order of their indexes: its typeFields, which applies Go's rules
// for embedded fields, amended by json tags.
func typeFields(t reflect.Type) []field {
	// Anonymous fields to explore at the current level and the next.
	current := []field{}
	next := []field{{typ: t}}

	// Count of queued names for current level and the next.
	var count, nextCount map[reflect.Type]int

	// Types already visited at an earlier level.
	visited := map[reflect.Type]bool{}

	var fields []field
	for len(next) > 0 {
		current, next = next, current[:0]
		count, nextCount = nextCount, map[reflect.Type]int{}

		for _, f := range current {
			if visited[f.typ] {
				continue
			}
			visited[f.typ] = true

			for i := range f.typ.NumField() {
				sf := f.typ.Field(i)
				if sf.Anonymous {
					t := sf.Type
					if t.Kind() == reflect.Pointer {
						t = t.Elem()
					}
					if !sf.IsExported() && t.Kind() != reflect.Struct {
						// Ignore embedded fields of unexported non-struct types.
						continue
					}
					// Do not ignore embedded fields of unexported struct
					// types since they may have exported fields.
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !isValidTag(name) {
					name = ""
				}
				index := make([]int, len(f.index)+1)
				copy(index, f.index)
				index[len(f.index)] = i

				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}

				// Only strings, floats, integers, and booleans can be quoted.
				quoted := false
				if hasOption(opts, "string") {
					switch ft.Kind() {
					case reflect.Bool,
						reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
						reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
						reflect.Float32, reflect.Float64,
						reflect.String:
						quoted = true
					}
				}

				if name != "" || !sf.Anonymous || ft.Kind() != reflect.Struct {
					tagged := name != ""
					if name == "" {
						name = sf.Name
					}
					field := field{
						name:      name,
						tag:       tagged,
						index:     index,
						typ:       ft,
						omitEmpty: hasOption(opts, "omitempty"),
						omitZero:  hasOption(opts, "omitzero"),
						quoted:    quoted,
					}
					if field.omitZero {
						field.isZero = isZeroFunc(sf.Type)
					}
					fields = append(fields, field)
					if count[f.typ] > 1 {
						// If there were multiple instances, add a second, so
						// that the annihilation code will see a duplicate.
						fields = append(fields, fields[len(fields)-1])
					}
					continue
				}

				// Record new anonymous struct to explore in next round.
				nextCount[ft]++
				if nextCount[ft] == 1 {
					next = append(next, field{name: ft.Name(), index: index, typ: ft})
				}
			}
		}
	}

	slices.SortFunc(fields, func(a, b field) int {
		// Sort by name, breaking ties with depth, then with "name came from
		// json tag", then with index sequence.
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := cmp.Compare(len(a.index), len(b.index)); c != 0 {
			return c
		}
		if a.tag != b.tag {
			if a.tag {
				return -1
			}
			return +1
		}
		return slices.Compare(a.index, b.index)
	})

	// Delete all fields that are hidden by the Go rules for embedded fields,
	// except that fields with JSON tags are promoted. For each name, the
	// first field dominates, unless the second is as shallow and as tagged,
	// when neither is written.
	out := fields[:0]
	for advance, i := 0, 0; i < len(fields); i += advance {
		fi := fields[i]
		for advance = 1; i+advance < len(fields); advance++ {
			if fields[i+advance].name != fi.name {
				break
			}
		}
		if advance == 1 {
			out = append(out, fi)
			continue
		}
		if len(fi.index) == len(fields[i+1].index) && fi.tag == fields[i+1].tag {
			continue
		}
		out = append(out, fi)
	}
	fields = out
	slices.SortFunc(fields, func(a, b field) int { return slices.Compare(a.index, b.index) })
	return fields
}

// isZeroFunc returns the test encoding/json uses for omitzero on a field of
// type t: its IsZero method if it has one, else nil for reflect's IsZero.
func isZeroFunc(t reflect.Type) func(reflect.Value) bool {
	switch {
	case t == timeType:
		// As the case for t.Implements below, without boxing the time.
		return func(v reflect.Value) bool {
			tm, _ := reflect.TypeAssert[time.Time](v)
			return tm.IsZero()
		}
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			// Avoid panics calling IsZero on a nil interface or non-nil
			// interface with nil pointer.
			return v.IsNil() ||
				(v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil()) ||
				v.Interface().(isZeroer).IsZero()
		}
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			// Avoid panics calling IsZero on nil pointer.
			return v.IsNil() || v.Interface().(isZeroer).IsZero()
		}
	case t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return v.Interface().(isZeroer).IsZero()
		}
	case reflect.PointerTo(t).Implements(isZeroerType):
		return func(v reflect.Value) bool {
			if !v.CanAddr() {
				// Temporarily box v so we can take the address.
				v2 := reflect.New(v.Type()).Elem()
				v2.Set(v)
				v = v2
			}
			return v.Addr().Interface().(isZeroer).IsZero()
		}
	}
	return nil
}

// hasOption reports whether the comma-separated options of a json tag
// include name.
func hasOption(opts, name string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == name {
			return true
		}
	}
	return false
}

// isValidTag is encoding/json's: whether s may name a member.
func isValidTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
			// Backslash and quote chars are reserved, but otherwise any
			// punctuation chars are allowed in a tag name.
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// typeByIndex returns the type of the field of t at index, following
// pointers to embedded structs.
func typeByIndex(t reflect.Type, index []int) reflect.Type {
	for _, i := range index {
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		t = t.Field(i).Type
	}
	return t
}
