package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"liaison"
)

// The implementation of CanonicalJSON before its single-pass rewrite, kept as
// the reference the differential tests compare it with: it re-reads the text
// token by token through encoding/json's Decoder.

// refCanonicalJSON returns the JSON Canonicalization Scheme (RFC 8785) form of
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
func refCanonicalJSON(data []byte) ([]byte, error) {
	if !utf8.Valid(data) {
		return nil, liaison.Errorf(liaison.Invalid, "", "canonical json: text is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out bytes.Buffer
	if err := refCanonValue(dec, &out, "$"); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, liaison.Errorf(liaison.Invalid, "", "canonical json: data after the top-level value")
	}
	return out.Bytes(), nil
}

// canonValue reads one value from dec and writes its canonical form; path
// names the value in errors ($.a[2].b).
func refCanonValue(dec *json.Decoder, out *bytes.Buffer, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return liaison.Errorf(liaison.Invalid, path, "canonical json: %v", err)
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			out.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					out.WriteByte(',')
				}
				if err := refCanonValue(dec, out, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil { // ']'
				return liaison.Errorf(liaison.Invalid, path, "canonical json: %v", err)
			}
			out.WriteByte(']')
			return nil
		}
		return refCanonObject(dec, out, path)
	case string:
		refWriteCanonString(out, t)
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil || math.IsInf(f, 0) {
			return liaison.Errorf(liaison.Invalid, path, "canonical json: number %s does not fit a double", t)
		}
		out.WriteString(refFormatES6(f))
	case bool:
		out.WriteString(strconv.FormatBool(t))
	case nil:
		out.WriteString("null")
	}
	return nil
}

// canonObject reads the members of an object whose '{' was just read and
// writes them sorted.
func refCanonObject(dec *json.Decoder, out *bytes.Buffer, path string) error {
	type member struct {
		name  string
		key   []uint16
		value []byte
	}
	var members []member
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return liaison.Errorf(liaison.Invalid, path, "canonical json: %v", err)
		}
		name := tok.(string) // the decoder only returns strings for member names
		if seen[name] {
			return liaison.Errorf(liaison.Invalid, path, "canonical json: duplicate member %q", name)
		}
		seen[name] = true
		var v bytes.Buffer
		if err := refCanonValue(dec, &v, path+"."+name); err != nil {
			return err
		}
		members = append(members, member{name, utf16.Encode([]rune(name)), v.Bytes()})
	}
	if _, err := dec.Token(); err != nil { // '}'
		return liaison.Errorf(liaison.Invalid, path, "canonical json: %v", err)
	}
	slices.SortFunc(members, func(a, b member) int { return slices.Compare(a.key, b.key) })
	out.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			out.WriteByte(',')
		}
		refWriteCanonString(out, m.name)
		out.WriteByte(':')
		out.Write(m.value)
	}
	out.WriteByte('}')
	return nil
}

// writeCanonString writes s as a JSON string with the escapes of RFC 8785,
// section 3.2.2.2.
func refWriteCanonString(out *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	out.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			out.WriteString(`\"`)
		case '\\':
			out.WriteString(`\\`)
		case '\b':
			out.WriteString(`\b`)
		case '\f':
			out.WriteString(`\f`)
		case '\n':
			out.WriteString(`\n`)
		case '\r':
			out.WriteString(`\r`)
		case '\t':
			out.WriteString(`\t`)
		default:
			if c < 0x20 {
				out.WriteString(`\u00`)
				out.WriteByte(hex[c>>4])
				out.WriteByte(hex[c&0xf])
			} else {
				out.WriteByte(c)
			}
		}
	}
	out.WriteByte('"')
}

// formatES6 writes a finite double as ECMAScript's Number.prototype.toString
// does (ECMA-262, Number::toString), which RFC 8785 adopts. Go's shortest
// round-trip digits are the digits that algorithm asks for.
func refFormatES6(f float64) string {
	if f == 0 {
		return "0" // and -0
	}
	var b strings.Builder
	if f < 0 {
		b.WriteByte('-')
		f = -f
	}
	// d.ddddde±x: the shortest digits that round-trip, and the exponent.
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	digits := strings.Replace(mant, ".", "", 1)
	e, _ := strconv.Atoi(exp)
	k, n := len(digits), e+1 // value = 0.digits × 10^n
	switch {
	case k <= n && n <= 21:
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", n-k))
	case 0 < n && n <= 21:
		b.WriteString(digits[:n])
		b.WriteByte('.')
		b.WriteString(digits[n:])
	case -6 < n && n <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -n))
		b.WriteString(digits)
	default:
		b.WriteByte(digits[0])
		if k > 1 {
			b.WriteByte('.')
			b.WriteString(digits[1:])
		}
		b.WriteByte('e')
		if n-1 >= 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.Itoa(n - 1))
	}
	return b.String()
}
