package liaison

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Bounds on one request: its encoded size, and the items of any list in it.
const (
	MaxRequestBytes = 1 << 20
	MaxListItems    = 1000
)

// DecodeRequest parses and validates one JSON decision request. Unknown
// fields, wrong types, unknown enum values, malformed dates and missing
// required fields are rejected with an *Error whose Field names the place,
// e.g. "subject.convictions[0].level".
func DecodeRequest(data []byte) (*Request, error) {
	var req Request
	if err := Decode(data, &req); err != nil {
		return nil, err
	}
	return &req, nil
}

// Decode parses one JSON object into the struct v points to, validating
// it as DecodeRequest does, by v's field types and liaison tags. On error v
// may be partly filled; callers discard it.
func Decode(data []byte, v any) error {
	if len(data) > MaxRequestBytes {
		return Errorf(Invalid, "", "body is %d bytes, more than the %d allowed", len(data), MaxRequestBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return &Error{Kind: Invalid, Message: "malformed JSON", Err: jsonError(data, err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return Errorf(Invalid, "", "unexpected data after the JSON object")
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		panic("liaison.Decode: v must point to a struct")
	}
	return decodeValue("", raw, rv.Elem(), "")
}

// jsonError adds the line and column to a syntax error.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(data, int(se.Offset)-1) // Offset counts the bad byte too
		return fmt.Errorf("line %d, column %d: %w", line, col, err)
	}
	return err
}

func lineCol(data []byte, off int) (line, col int) {
	off = min(off, len(data))
	line = 1 + bytes.Count(data[:off], []byte("\n"))
	col = off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

// enum is implemented by string types with a fixed set of values.
type enum interface{ Enum() []string }

var (
	timeType         = reflect.TypeFor[time.Time]()
	jurisdictionType = reflect.TypeFor[Jurisdiction]()
	enumType         = reflect.TypeFor[enum]()
	jurisdictionRE   = regexp.MustCompile(`^us(/[a-z0-9-]+)*$`)
	dateRE           = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// ParseJurisdiction checks a jurisdiction path.
func ParseJurisdiction(s string) (Jurisdiction, error) {
	if !jurisdictionRE.MatchString(s) {
		return "", fmt.Errorf("jurisdiction %q is not a path of lowercase segments starting with \"us\" (e.g. \"us/ca/los-angeles-county\")", s)
	}
	return Jurisdiction(s), nil
}

// ParseInstant reads an instant written as RFC 3339 or as a date (midnight UTC).
func ParseInstant(s string) (time.Time, error) {
	if dateRE.MatchString(s) {
		return time.Parse(time.DateOnly, s)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD) or an RFC 3339 instant", s)
}

// decodeValue stores the generic JSON value v in dst, validating it
// against dst's type and the field's liaison tag.
func decodeValue(path string, v any, dst reflect.Value, tag string) error {
	t := dst.Type()
	bad := func(want string) error {
		return Errorf(Invalid, path, "want %s, got %s", want, jsonKind(v))
	}
	switch {
	case t == timeType:
		s, ok := v.(string)
		if !ok {
			return bad("a date or instant string")
		}
		if hasTagOpt(tag, "date") {
			d, err := time.Parse(time.DateOnly, s)
			if err != nil || !dateRE.MatchString(s) {
				return Errorf(Invalid, path, "%q is not a date (YYYY-MM-DD)", s)
			}
			dst.Set(reflect.ValueOf(d))
			return nil
		}
		ts, err := ParseInstant(s)
		if err != nil {
			return &Error{Kind: Invalid, Field: path, Message: err.Error()}
		}
		dst.Set(reflect.ValueOf(ts))
		return nil
	case t.Kind() == reflect.Pointer:
		if v == nil {
			return nil
		}
		p := reflect.New(t.Elem())
		if err := decodeValue(path, v, p.Elem(), tag); err != nil {
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
		return decodeStruct(path, m, dst, tag)
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
			if err := decodeValue(p, item, s.Index(i), tag); err != nil {
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
		if hasTagOpt(tag, "nonempty") && s == "" {
			return Errorf(Invalid, path, "must not be empty")
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
		if err := checkRange(path, float64(i), tag); err != nil {
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
		if err := checkRange(path, f, tag); err != nil {
			return err
		}
		dst.SetFloat(f)
		return nil
	}
	panic(fmt.Sprintf("liaison: decode: unsupported field type %s at %s", t, path))
}

func decodeStruct(path string, m map[string]any, dst reflect.Value, tag string) error {
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
		if !ok || (hasTagOpt(tag, "nopending") && hasTagOpt(t.Field(i).Tag.Get("liaison"), "pending")) {
			return Errorf(Invalid, p, "unknown field %q", k)
		}
		f := t.Field(i)
		if m[k] == nil {
			return Errorf(Invalid, p, "null is not allowed; leave the field out instead")
		}
		if err := decodeValue(p, m[k], dst.Field(i), f.Tag.Get("liaison")); err != nil {
			return err
		}
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if hasTagOpt(f.Tag.Get("liaison"), "required") {
			if _, ok := m[jsonName(f)]; !ok {
				return Errorf(Invalid, join(path, jsonName(f)), "required field is missing")
			}
		}
	}
	return nil
}

func checkRange(path string, f float64, tag string) error {
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

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

func hasTagOpt(tag, opt string) bool {
	return slices.Contains(strings.Split(tag, ","), opt)
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func jsonKind(v any) string {
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
