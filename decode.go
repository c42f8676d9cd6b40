package liaison

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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

// DecodeRequestAt parses and validates one JSON decision request, received
// at now. Unknown fields, wrong types, unknown enum values, malformed dates,
// dates out of their plausible range (see Decode) and missing required
// fields are rejected with an *Error whose Field names the place, e.g.
// "subject.convictions[0].level".
func DecodeRequestAt(data []byte, now time.Time) (*Request, error) {
	var req Request
	if err := Decode(data, &req, now); err != nil {
		return nil, err
	}
	return &req, nil
}

// DecodeRequest is DecodeRequestAt without a clock: it checks only the
// lower ends of the dates' ranges. It is for requests that are not news,
// such as pack tests and benchmarks; input from outside goes through
// DecodeRequestAt.
func DecodeRequest(data []byte) (*Request, error) {
	return DecodeRequestAt(data, time.Time{})
}

// Decode parses one JSON object into the struct v points to, validating
// it as DecodeRequest does, by v's field types and liaison tags. Input is
// valid or refused, never rewritten: invalid UTF-8, a lone surrogate
// escape (\ud800) and NUL (\u0000) anywhere, and a name given twice in
// one object, are errors that name the field. Dates must fall in the
// range their tag's when= option names (see dateRanges); the ranges'
// upper ends count from now, and a zero now checks only their lower ends.
// On error v may be partly filled;
// callers discard it.
func Decode(data []byte, v any, now time.Time) error {
	if len(data) > MaxRequestBytes {
		return Errorf(Invalid, "", "body is %d bytes, more than the %d allowed", len(data), MaxRequestBytes)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		panic("liaison.Decode: v must point to a struct")
	}
	raw, err := parseJSON(data)
	if err != nil {
		return err
	}
	return decodeValue("", raw, rv.Elem(), "", now)
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
func decodeValue(path string, v any, dst reflect.Value, tag string, now time.Time) error {
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
		var ts time.Time
		if hasTagOpt(tag, "date") {
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
		if err := checkDate(path, s, ts, tag, now); err != nil {
			return err
		}
		dst.Set(reflect.ValueOf(ts))
		return nil
	case t.Kind() == reflect.Pointer:
		if v == nil {
			return nil
		}
		p := reflect.New(t.Elem())
		if err := decodeValue(path, v, p.Elem(), tag, now); err != nil {
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
		return decodeStruct(path, m, dst, tag, now)
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
			if err := decodeValue(p, item, s.Index(i), tag, now); err != nil {
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
		if hasTagOpt(tag, "date") { // a date kept as written (a sealed date of birth)
			d, err := parseDate(path, s)
			if err != nil {
				return err
			}
			if err := checkDate(path, s, d, tag, now); err != nil {
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

// parseDate reads a date written YYYY-MM-DD, as midnight UTC.
func parseDate(path, s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil || !dateRE.MatchString(s) {
		return time.Time{}, Errorf(Invalid, path, "%q is not a date (YYYY-MM-DD)", s)
	}
	return d, nil
}

// A dateRange is where a date or instant of one meaning may plausibly
// fall: from a fixed day, to a span after the decoder's now. A custody
// event in the year 1 or 9999 is a typing error, not a fact to decide on.
type dateRange struct {
	what  string
	from  time.Time
	ahead time.Duration // how far after now; the upper end
}

const (
	day  = 24 * time.Hour
	year = 365 * day
)

// dateRanges are the ranges a field's liaison tag names with when=NAME.
// A date or instant field without when= has the widest, "any". Keep
// docs/facts.md and docs/api.md in step.
var dateRanges = map[string]dateRange{
	// The day a decision is asked about: federal law from 1996 (IIRIRA)
	// on has pack tests, and a decision may look some years ahead.
	"as_of": {"the date a decision is asked for", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 10 * year},
	// Things that have happened: a request received, a custody event, a
	// hold begun. A day ahead allows for clocks that differ.
	"event": {"an event", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), day},
	// A release scheduled, perhaps at the end of a long sentence.
	"release": {"a scheduled release", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 100 * year},
	// Dates in a person's past: birth, conviction, charge.
	"past": {"a date in a person's past", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), day},
	"any":  {"a date", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), 100 * year},
}

// checkDate checks that t, written s, falls in the range its tag names.
// A zero now checks only the lower end.
func checkDate(path, s string, t time.Time, tag string, now time.Time) error {
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

func decodeStruct(path string, m map[string]any, dst reflect.Value, tag string, now time.Time) error {
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
		if err := decodeValue(p, m[k], dst.Field(i), f.Tag.Get("liaison"), now); err != nil {
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
