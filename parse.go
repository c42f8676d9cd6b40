package liaison

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds how deeply objects and arrays nest in one JSON input.
// The vocabulary nests five deep.
const maxDepth = 32

// A decoder reads one JSON input in a single pass, into a Go value by a
// plan (see Decode). It is strict where encoding/json is lenient, so that
// input is valid or refused and never rewritten: a string or member name
// holding invalid UTF-8 or an escaped lone surrogate (which encoding/json
// turns into U+FFFD) or NUL (which PostgreSQL cannot store in text), and
// a member name given twice in one object (where encoding/json keeps the
// last), are errors naming the place. These, malformed JSON and nesting
// too deep stop the parse (fatal); other problems are returned by the
// value they concern, and the parse goes on to find any of the first
// sort further on, which are reported first.
type decoder struct {
	data    []byte
	text    string // data as a string, made when the first string value is read
	pos     int
	depth   int
	now     time.Time
	fatal   *Error
	segs    []pathSeg // the path to the value at pos
	scratch []byte    // unescaped strings
}

// A pathSeg is a member name, or a list index when name is "" and index ≥ 0.
type pathSeg struct {
	name  string
	index int
}

func (d *decoder) push(name string) { d.segs = append(d.segs, pathSeg{name: name, index: -1}) }
func (d *decoder) pushIndex(i int)  { d.segs = append(d.segs, pathSeg{index: i}) }
func (d *decoder) pop()             { d.segs = d.segs[:len(d.segs)-1] }

// path names the value at the input, e.g. "subject.convictions[0].level".
func (d *decoder) path() string {
	var b strings.Builder
	for _, s := range d.segs {
		switch {
		case s.index >= 0:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		case b.Len() == 0:
			b.WriteString(s.name)
		default:
			b.WriteByte('.')
			b.WriteString(s.name)
		}
	}
	return b.String()
}

func (d *decoder) errorf(format string, args ...any) *Error {
	return Errorf(Invalid, d.path(), format, args...)
}

// syntax stops the parse at malformed JSON found at data[i], or at its
// end. The message is encoding/json's, with the line and column.
func (d *decoder) syntax(i int) {
	if d.fatal != nil {
		return
	}
	var err error = io.ErrUnexpectedEOF
	if i < len(d.data) {
		var whole any
		err = json.Unmarshal(d.data, &whole)
		var se *json.SyntaxError
		if !errors.As(err, &se) { // not expected: encoding/json and this parser agree on JSON
			err = fmt.Errorf("invalid character %q at offset %d", d.data[i], i)
		}
	}
	d.fatal = &Error{Kind: Invalid, Message: "malformed JSON", Err: jsonError(d.data, err)}
}

// skipSpace moves past white space and reports whether input remains.
func (d *decoder) skipSpace() bool {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return true
		}
	}
	return false
}

// enter moves past the '{' or '[' at the input, one level deeper.
func (d *decoder) enter() bool {
	d.pos++
	if d.depth++; d.depth > maxDepth {
		d.fatal = d.errorf("nested more than %d deep", maxDepth)
		return false
	}
	return true
}

// firstMember reports whether the object or array just entered has a
// first member (or item), or moves past its close.
func (d *decoder) firstMember(close byte) bool {
	if !d.skipSpace() {
		d.syntax(d.pos)
		return false
	}
	if d.data[d.pos] == close {
		d.pos++
		return false
	}
	return true
}

// nextMember moves past the separator after a member (or item) and
// reports whether another follows, or moves past the close.
func (d *decoder) nextMember(close byte) bool {
	if !d.skipSpace() {
		d.syntax(d.pos)
		return false
	}
	switch d.data[d.pos] {
	case ',':
		d.pos++
		return true
	case close:
		d.pos++
		return false
	}
	d.syntax(d.pos)
	return false
}

// memberName reads a member's name, unescaped; it is valid until the
// next string is read.
func (d *decoder) memberName() ([]byte, bool) {
	if !d.skipSpace() || d.data[d.pos] != '"' {
		d.syntax(d.pos)
		return nil, false
	}
	start := d.pos
	lit, esc, msg := d.readString()
	if d.fatal != nil {
		return nil, false
	}
	name := lit
	if msg == "" && esc {
		d.scratch, msg = unescape(d.scratch[:0], lit)
		name = d.scratch
	}
	if msg != "" {
		// Named as encoding/json reads it, with U+FFFD for what is not text.
		var lenient string
		_ = json.Unmarshal(d.data[start:d.pos], &lenient)
		d.push(lenient)
		d.fatal = d.errorf("the member name %s", msg)
		return nil, false
	}
	return name, true
}

// twice stops the parse at a member name given twice in one object.
func (d *decoder) twice(name string) error {
	d.push(name)
	d.fatal = d.errorf("%q is given twice in one object; give it once", name)
	return nil
}

// colon moves past the ':' after a member name.
func (d *decoder) colon() bool {
	if !d.skipSpace() || d.data[d.pos] != ':' {
		d.syntax(d.pos)
		return false
	}
	d.pos++
	d.skipSpace()
	return true
}

func (d *decoder) isNull() bool { return d.pos < len(d.data) && d.data[d.pos] == 'n' }

// literal moves past lit (true, false or null) at the input.
func (d *decoder) literal(lit string) bool {
	for i := range len(lit) {
		if d.pos+i >= len(d.data) || d.data[d.pos+i] != lit[i] {
			d.syntax(d.pos + i)
			return false
		}
	}
	d.pos += len(lit)
	return true
}

// number reads the number at the input, as written.
func (d *decoder) number() ([]byte, bool) {
	data, start, i := d.data, d.pos, d.pos
	digits := func() bool {
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			d.syntax(i)
			return false
		}
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		return true
	}
	if data[i] == '-' {
		i++
	}
	if i < len(data) && data[i] == '0' {
		i++
	} else if !digits() {
		return nil, false
	}
	if i < len(data) && data[i] == '.' {
		i++
		if !digits() {
			return nil, false
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if !digits() {
			return nil, false
		}
	}
	d.pos = i
	return data[start:i], true
}

// readString reads the string literal at the input, returning its
// contents as written (without the quotes), whether it holds escapes, and
// what is wrong with it as text when its bytes are not UTF-8 (unescape
// finds the rest).
func (d *decoder) readString() (lit []byte, esc bool, msg string) {
	data := d.data
	start := d.pos + 1
	i, high := start, false
	for {
		if i >= len(data) {
			d.syntax(i)
			return nil, false, ""
		}
		c := data[i]
		if c == '"' {
			break
		}
		switch {
		case c == '\\':
			esc = true
			i++
			if i >= len(data) {
				d.syntax(i)
				return nil, false, ""
			}
			switch data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				i++
				for range 4 {
					if i >= len(data) || hexDigit(data[i]) < 0 {
						d.syntax(i)
						return nil, false, ""
					}
					i++
				}
			default:
				d.syntax(i)
				return nil, false, ""
			}
		case c < 0x20:
			d.syntax(i)
			return nil, false, ""
		default:
			high = high || c >= utf8.RuneSelf
			i++
		}
	}
	lit, d.pos = data[start:i], i+1
	if high && !utf8.Valid(lit) {
		return lit, esc, "is not valid UTF-8"
	}
	return lit, esc, ""
}

func hexDigit(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// hex4 reads the four hex digits at the start of b, which are there.
func hex4(b []byte) rune {
	return hexDigit(b[0])<<12 | hexDigit(b[1])<<8 | hexDigit(b[2])<<4 | hexDigit(b[3])
}

// unescape appends the text of the valid string literal lit (without its
// quotes) to dst, and says what is wrong with it: NUL or a lone surrogate
// escaped, or "".
func unescape(dst, lit []byte) ([]byte, string) {
	for i := 0; i < len(lit); {
		j := i
		for j < len(lit) && lit[j] != '\\' {
			j++
		}
		dst = append(dst, lit[i:j]...)
		if j == len(lit) {
			break
		}
		i = j + 2 // past the backslash and the letter
		switch lit[j+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(lit[j+2:])
			i = j + 6
			switch {
			case r == 0:
				return dst, `holds NUL (\u0000), which is not allowed`
			case r >= 0xd800 && r < 0xdc00: // a high surrogate needs a low one next
				if i+1 < len(lit) && lit[i] == '\\' && lit[i+1] == 'u' {
					if lo := hex4(lit[i+2:]); lo >= 0xdc00 && lo < 0xe000 {
						dst = utf8.AppendRune(dst, utf16.DecodeRune(r, lo))
						i += 6
						continue
					}
				}
				return dst, "holds a lone surrogate (" + string(lit[j:j+6]) + "), which is not Unicode text"
			case utf16.IsSurrogate(r):
				return dst, "holds a lone surrogate (" + string(lit[j:j+6]) + "), which is not Unicode text"
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, lit[j+1])
		}
	}
	return dst, ""
}

// skip moves past the value at the input, of any kind, checking it as
// decoding does, and says what it was ("an object", "string \"x\"", ...).
func (d *decoder) skip() string {
	if !d.skipSpace() {
		d.syntax(d.pos)
		return ""
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		if !d.enter() {
			return ""
		}
		var names []string
		for more := d.firstMember('}'); more; more = d.nextMember('}') {
			name, ok := d.memberName()
			if !ok {
				return ""
			}
			if slices.Contains(names, string(name)) {
				d.twice(string(name))
				return ""
			}
			names = append(names, string(name))
			d.push(string(name))
			if !d.colon() {
				return ""
			}
			if d.skip(); d.fatal != nil {
				return ""
			}
			d.pop()
		}
		d.depth--
		return "an object"
	case c == '[':
		if !d.enter() {
			return ""
		}
		n := 0
		for more := d.firstMember(']'); more; more = d.nextMember(']') {
			d.pushIndex(n)
			if d.skip(); d.fatal != nil {
				return ""
			}
			d.pop()
			n++
		}
		d.depth--
		return "an array"
	case c == '"':
		s, _ := d.stringValue()
		return fmt.Sprintf("string %q", s)
	case c == 't':
		d.literal("true")
		return "true"
	case c == 'f':
		d.literal("false")
		return "false"
	case c == 'n':
		d.literal("null")
		return "null"
	case c == '-' || c >= '0' && c <= '9':
		n, _ := d.number()
		return "number " + string(n)
	}
	d.syntax(d.pos)
	return ""
}
