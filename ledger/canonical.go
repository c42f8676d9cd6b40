package ledger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"liaison"
)

// MarshalCanonical returns the canonical form (see CanonicalJSON) of v as
// encoding/json encodes it. It is the usual way to make a Record's Body.
//
// It writes the canonical form directly, in one pass over v, rather than
// re-reading json.Marshal's text (see encode.go); for any value the bytes
// are the same, and a value that cannot be encoded gives the same error.
func MarshalCanonical(v any) ([]byte, error) {
	out, err := marshalDirect(v)
	if err != nil {
		// Encode it again, the old way, for the error it has always
		// given. A MarshalJSON method may run twice.
		return marshalCanonicalTwoPass(v)
	}
	return out, nil
}

// marshalCanonicalTwoPass is MarshalCanonical the slow way: v encoded with
// encoding/json, then canonicalized. It is the reference for the direct
// encoder, and where that encoder leaves a value.
func marshalCanonicalTwoPass(v any) ([]byte, error) {
	buf := encodeBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 {
			buf.Reset()
			encodeBuffers.Put(buf)
		}
	}()
	// An Encoder writing into a pooled buffer, rather than json.Marshal,
	// saves a copy of the text; without HTML escaping, strings holding < > &
	// stay on CanonicalJSON's fast path. Either way the canonical form is
	// the same: escapes are decoded before strings are written.
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	return CanonicalJSON(buf.Bytes())
}

var encodeBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// CanonicalJSON returns the JSON Canonicalization Scheme (RFC 8785) form of
// the JSON text in data, so that the same value always hashes the same:
//
//   - no whitespace between tokens;
//   - object members sorted by their names' UTF-16 code units;
//   - strings with only the escapes JSON requires (\" \\ \b \f \n \r \t,
//     and \u00xx, in lower case, for the other control characters);
//   - numbers as IEEE 754 doubles written the way ECMAScript writes them
//     (1e+21, 0.000001, 1e-7, -0 as 0), so integers beyond 2⁵³ lose
//     precision: keep ids and large counts in strings.
//
// It rejects text that is not valid UTF-8, duplicate member names, numbers
// a double cannot hold, and anything after the value. Escaped lone
// surrogates (\ud800) decode to U+FFFD, as encoding/json decodes them.
//
// It reads the text once, writing as it goes: strings without escapes and
// integers of up to 15 digits are copied as they are, and an object's
// members are moved only when they are not already in order.
func CanonicalJSON(data []byte) ([]byte, error) {
	return appendCanonical(make([]byte, 0, len(data)+len(data)/16+16), data)
}

// appendCanonical appends the canonical form of the JSON text in data to
// dst, as CanonicalJSON returns it.
func appendCanonical(dst, data []byte) ([]byte, error) {
	if !utf8.Valid(data) {
		return nil, liaison.Errorf(liaison.Invalid, "", "canonical json: text is not valid UTF-8")
	}
	p := canonStates.Get().(*canonState)
	defer p.release()
	p.data = data
	p.out = dst
	p.skipSpace()
	if err := p.value(); err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(data) {
		return nil, liaison.Errorf(liaison.Invalid, "", "canonical json: data after the top-level value")
	}
	return p.out, nil
}

// canonState is CanonicalJSON's parser: it reads data from pos and appends
// the canonical form to out.
type canonState struct {
	data []byte
	pos  int
	out  []byte

	// members holds the members of the objects being read, innermost
	// last; each object truncates it back when it ends.
	members []canonMember
	// path names the value being read, for errors ($.a[2].b).
	path []pathStep
	// scratch holds an object's members while they are written in order.
	scratch []byte
}

// canonMember is an object member written to out[start:end] (name, colon
// and value), with its decoded name.
type canonMember struct {
	name       []byte
	start, end int
}

// pathStep is one step of a path: a member name, or an array index when
// name is nil.
type pathStep struct {
	name  []byte
	index int
}

var canonStates = sync.Pool{New: func() any { return new(canonState) }}

func (p *canonState) release() {
	if cap(p.members) > 4096 || cap(p.path) > 4096 || cap(p.scratch) > 1<<20 {
		return
	}
	clear(p.members[:cap(p.members)]) // drop the references to data
	clear(p.path[:cap(p.path)])
	*p = canonState{members: p.members[:0], path: p.path[:0], scratch: p.scratch[:0]}
	canonStates.Put(p)
}

// errorf returns an Invalid error naming the value being read.
func (p *canonState) errorf(format string, args ...any) error {
	var b strings.Builder
	b.WriteByte('$')
	for _, s := range p.path {
		if s.name != nil {
			b.WriteByte('.')
			b.Write(s.name)
		} else {
			fmt.Fprintf(&b, "[%d]", s.index)
		}
	}
	return liaison.Errorf(liaison.Invalid, b.String(), "canonical json: "+format, args...)
}

// syntaxError reports the byte at pos (or the end of the text) as unexpected.
func (p *canonState) syntaxError(context string) error {
	if p.pos >= len(p.data) {
		return p.errorf("unexpected end of JSON input")
	}
	r, _ := utf8.DecodeRune(p.data[p.pos:])
	return p.errorf("invalid character %q at offset %d %s", r, p.pos, context)
}

func (p *canonState) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// value reads the value at pos, which is not white space.
func (p *canonState) value() error {
	if p.pos >= len(p.data) {
		return p.syntaxError("")
	}
	switch c := p.data[p.pos]; c {
	case '{':
		return p.object()
	case '[':
		return p.array()
	case '"':
		_, err := p.str(false)
		return err
	case 't':
		return p.literal("true")
	case 'f':
		return p.literal("false")
	case 'n':
		return p.literal("null")
	default:
		if c == '-' || '0' <= c && c <= '9' {
			return p.number()
		}
		return p.syntaxError("looking for beginning of value")
	}
}

func (p *canonState) literal(word string) error {
	if !bytes.HasPrefix(p.data[p.pos:], []byte(word)) {
		for i := 0; i < len(word) && p.pos < len(p.data) && p.data[p.pos] == word[i]; i++ {
			p.pos++
		}
		return p.syntaxError("in literal " + word)
	}
	p.pos += len(word)
	p.out = append(p.out, word...)
	return nil
}

func (p *canonState) array() error {
	p.pos++ // '['
	p.out = append(p.out, '[')
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.out = append(p.out, ']')
		return nil
	}
	p.path = append(p.path, pathStep{})
	step := len(p.path) - 1
	for i := 0; ; i++ {
		p.path[step] = pathStep{index: i}
		if err := p.value(); err != nil {
			return err
		}
		p.skipSpace()
		if p.pos >= len(p.data) {
			return p.syntaxError("")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			p.out = append(p.out, ',')
			p.skipSpace()
		case ']':
			p.pos++
			p.out = append(p.out, ']')
			p.path = p.path[:step]
			return nil
		default:
			return p.syntaxError("after array element")
		}
	}
}

func (p *canonState) object() error {
	p.pos++ // '{'
	p.out = append(p.out, '{')
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.out = append(p.out, '}')
		return nil
	}
	body := len(p.out)
	base := len(p.members)
	inOrder := true
	var seen map[string]struct{} // the names, once there are many out of order
	for {
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return p.syntaxError("looking for beginning of object key string")
		}
		start := len(p.out)
		name, err := p.str(true)
		if err != nil {
			return err
		}
		if len(p.members) > base {
			// While the names come in order, a name can only repeat the
			// one before it.
			c := compareUTF16(p.members[len(p.members)-1].name, name)
			if c > 0 {
				inOrder = false
			}
			if c == 0 || !inOrder && p.hasMember(base, name, &seen) {
				return p.errorf("duplicate member %q", name)
			}
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return p.syntaxError("after object key")
		}
		p.pos++
		p.out = append(p.out, ':')
		p.skipSpace()
		p.path = append(p.path, pathStep{name: name})
		if err := p.value(); err != nil {
			return err
		}
		p.path = p.path[:len(p.path)-1]
		p.members = append(p.members, canonMember{name, start, len(p.out)})
		p.skipSpace()
		if p.pos >= len(p.data) {
			return p.syntaxError("")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			p.out = append(p.out, ',')
			p.skipSpace()
			continue
		case '}':
			p.pos++
		default:
			return p.syntaxError("after object key:value pair")
		}
		break
	}
	if !inOrder {
		members := p.members[base:]
		slices.SortFunc(members, func(a, b canonMember) int { return compareUTF16(a.name, b.name) })
		p.scratch = append(p.scratch[:0], p.out[body:]...)
		p.out = p.out[:body]
		for i, m := range members {
			if i > 0 {
				p.out = append(p.out, ',')
			}
			p.out = append(p.out, p.scratch[m.start-body:m.end-body]...)
		}
	}
	p.out = append(p.out, '}')
	clear(p.members[base:])
	p.members = p.members[:base]
	return nil
}

// hasMember reports whether the object whose members start at base has a
// member called name. Past a few members it keeps their names in *seen.
func (p *canonState) hasMember(base int, name []byte, seen *map[string]struct{}) bool {
	members := p.members[base:]
	if *seen == nil && len(members) < 32 {
		for _, m := range members {
			if bytes.Equal(m.name, name) {
				return true
			}
		}
		return false
	}
	if *seen == nil {
		*seen = make(map[string]struct{}, 2*len(members))
		for _, m := range members {
			(*seen)[string(m.name)] = struct{}{}
		}
	}
	if _, ok := (*seen)[string(name)]; ok {
		return true
	}
	(*seen)[string(name)] = struct{}{}
	return false
}

// compareUTF16 compares two UTF-8 strings by their UTF-16 code units. That
// is the order of their bytes except where a character beyond U+FFFF (a
// surrogate pair, 0xd800…) meets one from U+E000 to U+FFFF.
func compareUTF16[Bytes []byte | string](a, b Bytes) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n {
		return len(a) - len(b)
	}
	if a[i] < 0xee && b[i] < 0xee {
		return int(a[i]) - int(b[i])
	}
	for i > 0 && !utf8.RuneStart(a[i]) {
		i--
	}
	ra, _ := utf8.DecodeRuneInString(string(a[i:min(len(a), i+utf8.UTFMax)]))
	rb, _ := utf8.DecodeRuneInString(string(b[i:min(len(b), i+utf8.UTFMax)]))
	if (ra > 0xffff) != (rb > 0xffff) {
		if ra > 0xffff {
			ra, _ = utf16.EncodeRune(ra)
		} else {
			rb, _ = utf16.EncodeRune(rb)
		}
	}
	return int(ra) - int(rb)
}

// str reads the string at pos and writes its canonical form. For a member
// name it returns the decoded name: a slice of data when the string has no
// escapes.
func (p *canonState) str(name bool) ([]byte, error) {
	d := p.data
	start := p.pos + 1
	i := start
	for ; i < len(d); i++ {
		c := d[i]
		if c == '"' {
			// No escapes: the string is already canonical.
			p.out = append(p.out, d[p.pos:i+1]...)
			p.pos = i + 1
			return d[start:i], nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			p.pos = i
			return nil, p.syntaxError("in string literal")
		}
	}
	p.out = append(p.out, d[p.pos:i]...)
	var decoded []byte
	if name {
		decoded = append([]byte(nil), d[start:i]...)
	}
	for {
		if i >= len(d) {
			p.pos = i
			return nil, p.syntaxError("")
		}
		c := d[i]
		switch {
		case c == '"':
			p.out = append(p.out, '"')
			p.pos = i + 1
			return decoded, nil
		case c < 0x20:
			p.pos = i
			return nil, p.syntaxError("in string literal")
		case c != '\\':
			p.out = append(p.out, c)
			if name {
				decoded = append(decoded, c)
			}
			i++
			continue
		}
		if i+1 >= len(d) {
			p.pos = i + 1
			return nil, p.syntaxError("")
		}
		var r rune
		switch d[i+1] {
		case '"', '\\', '/':
			r = rune(d[i+1])
		case 'b':
			r = '\b'
		case 'f':
			r = '\f'
		case 'n':
			r = '\n'
		case 'r':
			r = '\r'
		case 't':
			r = '\t'
		case 'u':
			var ok bool
			if r, ok = hex4(d[i+2:]); !ok {
				p.pos = min(i+2, len(d))
				for p.pos < len(d) && p.pos < i+6 && isHex(d[p.pos]) {
					p.pos++
				}
				return nil, p.syntaxError("in \\u hexadecimal character escape")
			}
			i += 4
			if utf16.IsSurrogate(r) {
				// A pair, or a lone surrogate: U+FFFD, as encoding/json.
				r2 := rune(-1)
				if i+2 < len(d) && d[i+2] == '\\' && i+3 < len(d) && d[i+3] == 'u' {
					r2, _ = hex4(d[i+4:])
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
		default:
			p.pos = i + 1
			return nil, p.syntaxError("in string escape code")
		}
		i += 2
		p.out = appendCanonRune(p.out, r)
		if name {
			decoded = utf8.AppendRune(decoded, r)
		}
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// hex4 decodes the four hexadecimal digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return -1, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// appendCanonRune appends r as it is written in a canonical string, with
// the escapes of RFC 8785, section 3.2.2.2.
func appendCanonRune(out []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	switch r {
	case '"':
		return append(out, '\\', '"')
	case '\\':
		return append(out, '\\', '\\')
	case '\b':
		return append(out, '\\', 'b')
	case '\f':
		return append(out, '\\', 'f')
	case '\n':
		return append(out, '\\', 'n')
	case '\r':
		return append(out, '\\', 'r')
	case '\t':
		return append(out, '\\', 't')
	}
	if r < 0x20 {
		return append(out, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
	}
	return utf8.AppendRune(out, r)
}

// number reads the number at pos and writes it as ECMAScript would.
func (p *canonState) number() error {
	d := p.data
	start := p.pos
	i := start
	if d[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
			n++
		}
		return n
	}
	intStart := i
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case digits() == 0:
		p.pos = i
		return p.syntaxError("in numeric literal")
	}
	intDigits := i - intStart
	integer := true
	if i < len(d) && d[i] == '.' {
		i++
		integer = false
		if digits() == 0 {
			p.pos = i
			return p.syntaxError("after decimal point in numeric literal")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		integer = false
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			p.pos = i
			return p.syntaxError("in exponent of numeric literal")
		}
	}
	p.pos = i
	lit := d[start:i]
	if integer && intDigits <= 15 {
		// Exactly a double, written with all its digits; -0 is 0.
		if d[intStart] == '0' {
			p.out = append(p.out, '0')
		} else {
			p.out = append(p.out, lit...)
		}
		return nil
	}
	// strconv keeps no reference to the string (its errors hold a copy).
	f, err := strconv.ParseFloat(unsafe.String(&lit[0], len(lit)), 64)
	if err != nil {
		return p.errorf("number %s does not fit a double", lit)
	}
	p.out = appendES6(p.out, f)
	return nil
}

// appendES6 appends a finite double as ECMAScript's Number.prototype.toString
// writes it (ECMA-262, Number::toString), which RFC 8785 adopts. Go's
// shortest round-trip digits are the digits that algorithm asks for.
func appendES6(b []byte, f float64) []byte {
	if f == 0 {
		return append(b, '0') // and -0
	}
	if f < 0 {
		b = append(b, '-')
		f = -f
	}
	// d.ddddde±x: the shortest digits that round-trip, and the exponent.
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	var digitBuf [24]byte
	digits := digitBuf[:0]
	j := 0
	for ; s[j] != 'e'; j++ {
		if s[j] != '.' {
			digits = append(digits, s[j])
		}
	}
	e := 0
	for _, c := range s[j+2:] {
		e = e*10 + int(c-'0')
	}
	if s[j+1] == '-' {
		e = -e
	}
	k, n := len(digits), e+1 // value = 0.digits × 10^n
	switch {
	case k <= n && n <= 21:
		b = append(b, digits...)
		for range n - k {
			b = append(b, '0')
		}
	case 0 < n && n <= 21:
		b = append(b, digits[:n]...)
		b = append(b, '.')
		b = append(b, digits[n:]...)
	case -6 < n && n <= 0:
		b = append(b, '0', '.')
		for range -n {
			b = append(b, '0')
		}
		b = append(b, digits...)
	default:
		b = append(b, digits[0])
		if k > 1 {
			b = append(b, '.')
			b = append(b, digits[1:]...)
		}
		b = append(b, 'e')
		if n-1 >= 0 {
			b = append(b, '+')
		}
		b = strconv.AppendInt(b, int64(n-1), 10)
	}
	return b
}
