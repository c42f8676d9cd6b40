package liaison

// The decoder liaison had before the single-pass one in decode.go: it
// parsed the input into generic values (map[string]any, []any, ...), then
// walked them against the target type. It is kept here, in a test file,
// only as the oracle of FuzzDecodeDifferential.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// oldDecode is Decode as it was.
func oldDecode(data []byte, v any, now time.Time) error {
	if len(data) > MaxRequestBytes {
		return Errorf(Invalid, "", "body is %d bytes, more than the %d allowed", len(data), MaxRequestBytes)
	}
	rv := reflect.ValueOf(v)
	raw, err := oldParseJSON(data)
	if err != nil {
		return err
	}
	return oldDecodeValue("", raw, rv.Elem(), "", now)
}

// decodeValue stores the generic JSON value v in dst, validating it
// against dst's type and the field's liaison tag.
func oldDecodeValue(path string, v any, dst reflect.Value, tag string, now time.Time) error {
	t := dst.Type()
	bad := func(want string) error {
		return Errorf(Invalid, path, "want %s, got %s", want, oldJsonKind(v))
	}
	switch {
	case t == timeType:
		s, ok := v.(string)
		if !ok {
			return bad("a date or instant string")
		}
		var ts time.Time
		if oldHasTagOpt(tag, "date") {
			d, err := parseDate(path, s)
			if err != nil {
				return err
			}
			ts = d
		} else {
			var err error
			if ts, err = ParseInstant(s); err != nil {
				return &Error{Kind: Invalid, Field: path, Message: err.Error()}
			}
		}
		if err := oldCheckDate(path, s, ts, tag, now); err != nil {
			return err
		}
		dst.Set(reflect.ValueOf(ts))
		return nil
	case t.Kind() == reflect.Pointer:
		if v == nil {
			return nil
		}
		p := reflect.New(t.Elem())
		if err := oldDecodeValue(path, v, p.Elem(), tag, now); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return bad("an object")
		}
		return oldDecodeStruct(path, m, dst, tag, now)
	case reflect.Slice:
		a, ok := v.([]any)
		if !ok {
			return bad("an array")
		}
		if len(a) > MaxListItems {
			return Errorf(Invalid, path, "%d items, more than the %d allowed", len(a), MaxListItems)
		}
		s := reflect.MakeSlice(t, len(a), len(a))
		seen := make(map[any]int)
		for i, item := range a {
			p := fmt.Sprintf("%s[%d]", path, i)
			if err := oldDecodeValue(p, item, s.Index(i), tag, now); err != nil {
				return err
			}
			if t.Elem().Kind() == reflect.String {
				if j, dup := seen[item]; dup {
					return Errorf(Invalid, p, "%v repeats item %d", item, j)
				}
				seen[item] = i
			}
		}
		dst.Set(s)
		return nil
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return bad("a string")
		}
		if t == jurisdictionType {
			if _, err := ParseJurisdiction(s); err != nil {
				return &Error{Kind: Invalid, Field: path, Message: err.Error()}
			}
		}
		if t.Implements(enumType) {
			values := reflect.Zero(t).Interface().(enum).Enum()
			if !slices.Contains(values, s) {
				return Errorf(Invalid, path, "unknown value %q (want one of %s)", s, strings.Join(values, ", "))
			}
		}
		if oldHasTagOpt(tag, "nonempty") && s == "" {
			return Errorf(Invalid, path, "must not be empty")
		}
		if oldHasTagOpt(tag, "date") { // a date kept as written (a sealed date of birth)
			d, err := parseDate(path, s)
			if err != nil {
				return err
			}
			if err := oldCheckDate(path, s, d, tag, now); err != nil {
				return err
			}
		}
		dst.SetString(s)
		return nil
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return bad("true or false")
		}
		dst.SetBool(b)
		return nil
	case reflect.Int, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return bad("an integer")
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return Errorf(Invalid, path, "want an integer, got %s", n)
		}
		if err := oldCheckRange(path, float64(i), tag); err != nil {
			return err
		}
		dst.SetInt(i)
		return nil
	case reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			return bad("a number")
		}
		f, err := n.Float64()
		if err != nil {
			return Errorf(Invalid, path, "want a number, got %s", n)
		}
		if err := oldCheckRange(path, f, tag); err != nil {
			return err
		}
		dst.SetFloat(f)
		return nil
	}
	panic(fmt.Sprintf("liaison: decode: unsupported field type %s at %s", t, path))
}

// checkDate checks that t, written s, falls in the range its tag names.
// A zero now checks only the lower end.
func oldCheckDate(path, s string, t time.Time, tag string, now time.Time) error {
	name := "any"
	for opt := range strings.SplitSeq(tag, ",") {
		if n, ok := strings.CutPrefix(opt, "when="); ok {
			name = n
		}
	}
	r, ok := dateRanges[name]
	if !ok {
		panic(fmt.Sprintf("liaison: decode: %s: unknown date range when=%s", path, name))
	}
	if t.Before(r.from) {
		return Errorf(Invalid, path, "%s is before %s, too early for %s", s, r.from.Format(time.DateOnly), r.what)
	}
	if !now.IsZero() && t.After(now.Add(r.ahead)) {
		return Errorf(Invalid, path, "%s is after %s, too late for %s", s, now.Add(r.ahead).UTC().Format(time.RFC3339), r.what)
	}
	return nil
}

func oldDecodeStruct(path string, m map[string]any, dst reflect.Value, tag string, now time.Time) error {
	t := dst.Type()
	fields := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		fields[jsonName(t.Field(i))] = i
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // report the first problem in a stable order
	for _, k := range keys {
		p := join(path, k)
		i, ok := fields[k]
		if !ok || (oldHasTagOpt(tag, "nopending") && oldHasTagOpt(t.Field(i).Tag.Get("liaison"), "pending")) {
			return Errorf(Invalid, p, "unknown field %q", k)
		}
		f := t.Field(i)
		if m[k] == nil {
			return Errorf(Invalid, p, "null is not allowed; leave the field out instead")
		}
		if err := oldDecodeValue(p, m[k], dst.Field(i), f.Tag.Get("liaison"), now); err != nil {
			return err
		}
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if oldHasTagOpt(f.Tag.Get("liaison"), "required") {
			if _, ok := m[jsonName(f)]; !ok {
				if f.Type.Kind() == reflect.String && f.Type.Implements(enumType) {
					values := reflect.Zero(f.Type).Interface().(enum).Enum()
					return Errorf(Invalid, join(path, jsonName(f)), "required field is missing (one of %s)", strings.Join(values, ", "))
				}
				return Errorf(Invalid, join(path, jsonName(f)), "required field is missing")
			}
		}
	}
	return nil
}

func oldCheckRange(path string, f float64, tag string) error {
	for opt := range strings.SplitSeq(tag, ",") {
		if b, ok := strings.CutPrefix(opt, "min="); ok {
			if lo, _ := strconv.ParseFloat(b, 64); f < lo {
				return Errorf(Invalid, path, "%v is less than %s", f, b)
			}
		}
		if b, ok := strings.CutPrefix(opt, "max="); ok {
			if hi, _ := strconv.ParseFloat(b, 64); f > hi {
				return Errorf(Invalid, path, "%v is more than %s", f, b)
			}
		}
	}
	return nil
}

func oldHasTagOpt(tag, opt string) bool {
	return slices.Contains(strings.Split(tag, ","), opt)
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func oldJsonKind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("string %q", v)
	case json.Number:
		return "number " + v.String()
	case bool:
		return fmt.Sprintf("%v", v)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// oldParseJSON parses data, one JSON value and nothing after it, into generic
// values (map[string]any, []any, string, json.Number, bool, nil) for
// decodeValue to check against a type. It is strict where encoding/json is
// lenient, so that input is valid or refused and never rewritten: a
// string or member name holding invalid UTF-8 or an escaped lone surrogate
// (which encoding/json turns into U+FFFD) or NUL (which PostgreSQL cannot
// store in text), and a member name given twice in one object (where
// encoding/json keeps the last), are errors naming the place.
//
// It walks encoding/json's tokens and looks at each string's bytes as
// written, which the tokens no longer show.
func oldParseJSON(data []byte) (any, error) {
	p := &oldParser{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	v, err := p.value("")
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, Errorf(Invalid, "", "unexpected data after the JSON object")
	}
	return v, nil
}

type oldParser struct {
	data  []byte
	dec   *json.Decoder
	depth int
}

// token returns the next token and the input it was read from (with any
// separator before it).
func (p *oldParser) token() (json.Token, []byte, error) {
	start := p.dec.InputOffset()
	tok, err := p.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		// Token's syntax errors count their offsets from where its
		// last value began; Unmarshal's scan of the whole input places
		// the error in it.
		var se *json.SyntaxError
		if errors.As(err, &se) {
			var whole any
			if err2 := json.Unmarshal(p.data, &whole); errors.As(err2, &se) {
				err = err2
			}
		}
		return nil, nil, &Error{Kind: Invalid, Message: "malformed JSON", Err: jsonError(p.data, err)}
	}
	return tok, p.data[start:p.dec.InputOffset()], nil
}

// value parses the value at path.
func (p *oldParser) value(path string) (any, error) {
	tok, in, err := p.token()
	if err != nil {
		return nil, err
	}
	switch tok := tok.(type) {
	case json.Delim:
		if p.depth++; p.depth > maxDepth {
			return nil, Errorf(Invalid, path, "nested more than %d deep", maxDepth)
		}
		defer func() { p.depth-- }()
		if tok == '{' {
			return p.object(path)
		}
		return p.array(path)
	case string:
		if msg := oldCheckString(in); msg != "" {
			return nil, Errorf(Invalid, path, "%s", msg)
		}
	}
	return tok, nil
}

func (p *oldParser) object(path string) (any, error) {
	m := map[string]any{}
	for {
		tok, in, err := p.token()
		if err != nil {
			return nil, err
		}
		k, ok := tok.(string)
		if !ok { // the closing brace: Token allows nothing else here
			return m, nil
		}
		kp := join(path, k)
		if msg := oldCheckString(in); msg != "" {
			return nil, Errorf(Invalid, kp, "the member name %s", msg)
		}
		if _, dup := m[k]; dup {
			return nil, Errorf(Invalid, kp, "%q is given twice in one object; give it once", k)
		}
		if m[k], err = p.value(kp); err != nil {
			return nil, err
		}
	}
}

func (p *oldParser) array(path string) (any, error) {
	a := []any{}
	for p.dec.More() {
		v, err := p.value(path + "[" + strconv.Itoa(len(a)) + "]")
		if err != nil {
			return nil, err
		}
		a = append(a, v)
	}
	if _, _, err := p.token(); err != nil { // the closing bracket
		return nil, err
	}
	return a, nil
}

// oldCheckString says what is wrong with the input in that ends with a string
// literal as written (after any separator and spaces, which hold no quote),
// or "" when it is Unicode text without NUL. The literal is valid JSON
// already: its escapes are well formed.
func oldCheckString(in []byte) string {
	lit := in[bytes.IndexByte(in, '"'):]
	if !utf8.Valid(lit) {
		return "is not valid UTF-8"
	}
	if bytes.IndexByte(lit, '\\') < 0 {
		return ""
	}
	for i := 0; i < len(lit); i++ {
		if lit[i] != '\\' {
			continue
		}
		i++
		if lit[i] != 'u' {
			continue
		}
		r := oldHex4(lit[i+1:])
		i += 4
		switch {
		case r == 0:
			return `holds NUL (\u0000), which is not allowed`
		case r >= 0xd800 && r < 0xdc00: // a high surrogate needs a low one next
			if i+6 < len(lit) && lit[i+1] == '\\' && lit[i+2] == 'u' {
				if lo := oldHex4(lit[i+3:]); lo >= 0xdc00 && lo < 0xe000 {
					i += 6
					continue
				}
			}
			return "holds a lone surrogate (" + string(lit[i-5:i+1]) + "), which is not Unicode text"
		case utf16.IsSurrogate(r):
			return "holds a lone surrogate (" + string(lit[i-5:i+1]) + "), which is not Unicode text"
		}
	}
	return ""
}

// oldHex4 reads the four hex digits at the start of b.
func oldHex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		}
	}
	return r
}

// BenchmarkDecodeOld decodes the example request with the old decoder,
// beside BenchmarkDecodeRequest and BenchmarkDecodeUnmarshal, so that the
// three are compared under the same load.
func BenchmarkDecodeOld(b *testing.B) {
	benchDecode(b, func(data []byte) error {
		var req Request
		return oldDecode(data, &req, time.Time{})
	})
}
