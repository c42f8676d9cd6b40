package liaison

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
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
//
// When the input has several problems, the one reported is the same
// whatever the order of its members: first any malformed JSON or text,
// in the order of the input (these stop the parse); then, in each object,
// the problem of the member whose name sorts first; then the first
// required field missing, in the struct's order.
//
// It reads the input once, with a decode plan per type (see planFor).
// Strings without escapes share the memory of one copy of data, which
// stays alive as long as v holds any of them. On error v may be partly
// filled; callers discard it.
func Decode(data []byte, v any, now time.Time) error {
	if len(data) > MaxRequestBytes {
		return Errorf(Invalid, "", "body is %d bytes, more than the %d allowed", len(data), MaxRequestBytes)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		panic("liaison.Decode: v must point to a struct")
	}
	// The path's first segments on the stack: deep enough for every
	// field of a request without growing (each growth was an allocation).
	var segs [8]pathSeg
	d := decoder{data: data, now: now, segs: segs[:0]}
	err := d.value(planFor(rv.Elem().Type()), &tagInfo{}, rv.Elem())
	if d.fatal != nil {
		return d.fatal
	}
	d.skipSpace()
	if d.pos < len(d.data) {
		return Errorf(Invalid, "", "unexpected data after the JSON object")
	}
	if err != nil {
		return err
	}
	return nil
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
)

// ParseJurisdiction checks a jurisdiction path.
func ParseJurisdiction(s string) (Jurisdiction, error) {
	if !isJurisdiction(s) {
		return "", fmt.Errorf("jurisdiction %q is not a path of lowercase segments starting with \"us\" (e.g. \"us/ca/los-angeles-county\")", s)
	}
	return Jurisdiction(s), nil
}

// isJurisdiction reports whether s matches ^us(/[a-z0-9-]+)*$.
func isJurisdiction(s string) bool {
	rest, ok := strings.CutPrefix(s, "us")
	if !ok {
		return false
	}
	for rest != "" {
		if rest[0] != '/' {
			return false
		}
		rest = rest[1:]
		n := 0
		for ; n < len(rest) && rest[n] != '/'; n++ {
			if c := rest[n]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
		if n == 0 {
			return false
		}
		rest = rest[n:]
	}
	return true
}

// isDate reports whether s matches ^\d{4}-\d{2}-\d{2}$.
func isDate(s string) bool {
	if len(s) != 10 {
		return false
	}
	for i := range len(s) {
		if i == 4 || i == 7 {
			if s[i] != '-' {
				return false
			}
		} else if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseInstant reads an instant written as RFC 3339 or as a date (midnight UTC).
func ParseInstant(s string) (time.Time, error) {
	if isDate(s) {
		return time.Parse(time.DateOnly, s)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD) or an RFC 3339 instant", s)
}

// parseDate reads a date written YYYY-MM-DD, as midnight UTC.
func parseDate(path, s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil || !isDate(s) {
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

// checkDate checks that t, written s, falls in the range r. A zero now
// checks only the lower end.
func checkDate(path, s string, t time.Time, r *dateRange, now time.Time) error {
	if t.Before(r.from) {
		return Errorf(Invalid, path, "%s is before %s, too early for %s", s, r.from.Format(time.DateOnly), r.what)
	}
	if !now.IsZero() && t.After(now.Add(r.ahead)) {
		return Errorf(Invalid, path, "%s is after %s, too late for %s", s, now.Add(r.ahead).UTC().Format(time.RFC3339), r.what)
	}
	return nil
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

// A plan says how to decode a JSON value into one Go type; planFor
// computes it once per type from the type's fields and their tags.
type plan struct {
	kind planKind
	typ  reflect.Type
	elem *plan // of a pointer or slice

	// A struct's fields, and their index by JSON name.
	fields []fieldPlan
	index  map[string]int

	enum         []string // of a string type with an Enum method
	jurisdiction bool     // the type is Jurisdiction
}

type planKind uint8

const (
	kindUnsupported planKind = iota
	kindTime
	kindPointer
	kindStruct
	kindSlice
	kindString
	kindBool
	kindInt
	kindFloat
)

type fieldPlan struct {
	name  string // in JSON
	index int    // in the struct
	plan  *plan
	tag   tagInfo
}

// tagInfo is a field's liaison tag, parsed. It applies to the field's
// value and, through pointers and lists, to the values they hold.
type tagInfo struct {
	required, nonempty, date, pending, nopending bool
	when                                         *dateRange // nil: "any"
	min, max                                     float64
	minText, maxText                             string // as written; "" when absent
}

// maxStructFields bounds the fields of a struct Decode fills: the members
// seen are kept in a fixed bit set.
const maxStructFields = 256

// plans caches each type's plan. It is a pure cache: a plan depends on
// nothing but its type, so sharing it between callers changes no result.
var plans sync.Map // reflect.Type → *plan

// planFor returns t's plan, computing it the first time.
func planFor(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	p := buildPlan(t, map[reflect.Type]*plan{})
	q, _ := plans.LoadOrStore(t, p)
	return q.(*plan)
}

func buildPlan(t reflect.Type, building map[reflect.Type]*plan) *plan {
	if p, ok := building[t]; ok {
		return p
	}
	p := &plan{typ: t}
	building[t] = p
	switch {
	case t == timeType:
		p.kind = kindTime
		return p
	case t.Kind() == reflect.Pointer:
		p.kind = kindPointer
		p.elem = buildPlan(t.Elem(), building)
		return p
	}
	switch t.Kind() {
	case reflect.Struct:
		p.kind = kindStruct
		if t.NumField() > maxStructFields {
			panic(fmt.Sprintf("liaison: decode: %s has more than %d fields", t, maxStructFields))
		}
		p.index = make(map[string]int, t.NumField())
		for i := range t.NumField() {
			f := t.Field(i)
			p.fields = append(p.fields, fieldPlan{name: jsonName(f), index: i, plan: buildPlan(f.Type, building), tag: parseTag(t, f)})
			p.index[jsonName(f)] = i
		}
	case reflect.Slice:
		p.kind = kindSlice
		p.elem = buildPlan(t.Elem(), building)
	case reflect.String:
		p.kind = kindString
		p.jurisdiction = t == jurisdictionType
		if t.Implements(enumType) {
			p.enum = reflect.Zero(t).Interface().(enum).Enum()
		}
	case reflect.Bool:
		p.kind = kindBool
	case reflect.Int, reflect.Int64:
		p.kind = kindInt
	case reflect.Float64:
		p.kind = kindFloat
	}
	return p
}

// parseTag reads the liaison tag of field f of struct t.
func parseTag(t reflect.Type, f reflect.StructField) tagInfo {
	var ti tagInfo
	for opt := range strings.SplitSeq(f.Tag.Get("liaison"), ",") {
		switch {
		case opt == "required":
			ti.required = true
		case opt == "nonempty":
			ti.nonempty = true
		case opt == "date":
			ti.date = true
		case opt == "pending":
			ti.pending = true
		case opt == "nopending":
			ti.nopending = true
		case strings.HasPrefix(opt, "when="):
			r, ok := dateRanges[opt[len("when="):]]
			if !ok {
				panic(fmt.Sprintf("liaison: decode: %s.%s: unknown date range %s", t, f.Name, opt))
			}
			ti.when = &r
		case strings.HasPrefix(opt, "min="):
			ti.minText = opt[len("min="):]
			ti.min, _ = strconv.ParseFloat(ti.minText, 64)
		case strings.HasPrefix(opt, "max="):
			ti.maxText = opt[len("max="):]
			ti.max, _ = strconv.ParseFloat(ti.maxText, 64)
		}
	}
	return ti
}

var anyDates = dateRanges["any"]

// dates returns the range of the dates the tag applies to.
func (ti *tagInfo) dates() *dateRange {
	if ti.when == nil {
		return &anyDates
	}
	return ti.when
}

// checkRange checks f against the tag's min= and max=.
func (ti *tagInfo) checkRange(d *decoder, f float64) error {
	if ti.minText != "" && f < ti.min {
		return d.errorf("%v is less than %s", f, ti.minText)
	}
	if ti.maxText != "" && f > ti.max {
		return d.errorf("%v is more than %s", f, ti.maxText)
	}
	return nil
}

// value decodes the value at the input into dst, by plan p. It returns
// the problem a member has (see Decode for which one is reported); a
// problem that stops the parse is left in d.fatal, and nil returned.
func (d *decoder) value(p *plan, tag *tagInfo, dst reflect.Value) error {
	if !d.skipSpace() {
		d.syntax(d.pos)
		return nil
	}
	c := d.data[d.pos]
	switch p.kind {
	case kindTime:
		if c != '"' {
			return d.mismatch("a date or instant string")
		}
		s, ok := d.stringValue()
		if !ok {
			return nil
		}
		var ts time.Time
		if tag.date {
			t, err := parseDate("", s)
			if err != nil {
				return d.withPath(err)
			}
			ts = t
		} else {
			t, err := ParseInstant(s)
			if err != nil {
				return &Error{Kind: Invalid, Field: d.path(), Message: err.Error()}
			}
			ts = t
		}
		if err := checkDate("", s, ts, tag.dates(), d.now); err != nil {
			return d.withPath(err)
		}
		*dst.Addr().Interface().(*time.Time) = ts
		return nil
	case kindPointer:
		if c == 'n' {
			d.literal("null")
			return nil
		}
		v := reflect.New(p.elem.typ)
		if err := d.value(p.elem, tag, v.Elem()); err != nil || d.fatal != nil {
			return err
		}
		dst.Set(v)
		return nil
	case kindStruct:
		if c != '{' {
			return d.mismatch("an object")
		}
		return d.object(p, tag, dst)
	case kindSlice:
		if c != '[' {
			return d.mismatch("an array")
		}
		return d.array(p, tag, dst)
	case kindString:
		if c != '"' {
			return d.mismatch("a string")
		}
		s, ok := d.stringValue()
		if !ok {
			return nil
		}
		if p.jurisdiction && !isJurisdiction(s) {
			_, err := ParseJurisdiction(s)
			return &Error{Kind: Invalid, Field: d.path(), Message: err.Error()}
		}
		if p.enum != nil && !slices.Contains(p.enum, s) {
			return d.errorf("unknown value %q (want one of %s)", s, strings.Join(p.enum, ", "))
		}
		if tag.nonempty && s == "" {
			return d.errorf("must not be empty")
		}
		if tag.date { // a date kept as written (a sealed date of birth)
			t, err := parseDate("", s)
			if err != nil {
				return d.withPath(err)
			}
			if err := checkDate("", s, t, tag.dates(), d.now); err != nil {
				return d.withPath(err)
			}
		}
		dst.SetString(s)
		return nil
	case kindBool:
		switch c {
		case 't':
			if d.literal("true") {
				dst.SetBool(true)
			}
			return nil
		case 'f':
			d.literal("false")
			dst.SetBool(false)
			return nil
		}
		return d.mismatch("true or false")
	case kindInt:
		if c != '-' && (c < '0' || c > '9') {
			return d.mismatch("an integer")
		}
		n, ok := d.number()
		if !ok {
			return nil
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return d.errorf("want an integer, got %s", n)
		}
		if err := tag.checkRange(d, float64(i)); err != nil {
			return err
		}
		dst.SetInt(i)
		return nil
	case kindFloat:
		if c != '-' && (c < '0' || c > '9') {
			return d.mismatch("a number")
		}
		n, ok := d.number()
		if !ok {
			return nil
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return d.errorf("want a number, got %s", n)
		}
		if err := tag.checkRange(d, f); err != nil {
			return err
		}
		dst.SetFloat(f)
		return nil
	}
	panic(fmt.Sprintf("liaison: decode: unsupported field type %s at %s", p.typ, d.path()))
}

// object decodes the object at the input into the struct dst.
func (d *decoder) object(p *plan, tag *tagInfo, dst reflect.Value) error {
	if !d.enter() {
		return nil
	}
	var seen [maxStructFields / 64]uint64
	var unknown []string
	var problem error // of the member whose name sorts first
	var problemName string
	for more := d.firstMember('}'); more; more = d.nextMember('}') {
		name, ok := d.memberName()
		if !ok {
			return nil
		}
		i, known := p.index[string(name)]
		var key string
		if known {
			key = p.fields[i].name
			if seen[i/64]&(1<<(i%64)) != 0 {
				return d.twice(key)
			}
			seen[i/64] |= 1 << (i % 64)
		} else {
			key = string(name)
			if slices.Contains(unknown, key) {
				return d.twice(key)
			}
			unknown = append(unknown, key)
		}
		d.push(key)
		if !d.colon() {
			return nil
		}
		var err error
		switch {
		case problem != nil && key > problemName:
			d.skip() // its problems, if any, are reported after the first's
		case !known || tag.nopending && p.fields[i].tag.pending:
			err = d.errorf("unknown field %q", key)
			d.skip()
		case d.isNull():
			err = d.errorf("null is not allowed; leave the field out instead")
			d.literal("null")
		default:
			f := &p.fields[i]
			err = d.value(f.plan, &f.tag, dst.Field(f.index))
		}
		if d.fatal != nil {
			return nil
		}
		if err != nil {
			problem, problemName = err, key
		}
		d.pop()
	}
	if d.fatal != nil {
		return nil
	}
	d.depth--
	if problem != nil {
		return problem
	}
	for i, f := range p.fields { // p.index[f.name] == i
		if f.tag.required && seen[i/64]&(1<<(i%64)) == 0 {
			d.push(f.name)
			var err error
			if f.plan != nil && len(f.plan.enum) > 0 {
				err = d.errorf("required field is missing (one of %s)", strings.Join(f.plan.enum, ", "))
			} else {
				err = d.errorf("required field is missing")
			}
			d.pop()
			return err
		}
	}
	return nil
}

// array decodes the array at the input into the slice dst.
func (d *decoder) array(p *plan, tag *tagInfo, dst reflect.Value) error {
	if !d.enter() {
		return nil
	}
	if d.skipSpace() && d.pos < len(d.data) && d.data[d.pos] == ']' {
		dst.Set(reflect.MakeSlice(p.typ, 0, 0)) // [], not null
	} else {
		// Grown in place from nil: reflect.MakeSlice would also put the
		// slice's header on the heap, one more allocation per list.
		dst.SetZero()
		dst.Grow(4)
	}
	var problem error
	n := 0
	for more := d.firstMember(']'); more; more = d.nextMember(']') {
		d.pushIndex(n)
		if problem != nil || n >= MaxListItems {
			d.skip()
		} else {
			if n == dst.Cap() {
				dst.Grow(1)
			}
			dst.SetLen(n + 1)
			item := dst.Index(n)
			problem = d.value(p.elem, tag, item)
			if problem == nil && d.fatal == nil && p.elem.kind == kindString {
				s := item.String()
				for j := range n {
					if dst.Index(j).String() == s {
						problem = d.errorf("%v repeats item %d", s, j)
						break
					}
				}
			}
		}
		if d.fatal != nil {
			return nil
		}
		d.pop()
		n++
	}
	if d.fatal != nil {
		return nil
	}
	d.depth--
	if n > MaxListItems {
		return d.errorf("%d items, more than the %d allowed", n, MaxListItems)
	}
	return problem
}

// mismatch skips the value at the input, which is not what was wanted.
func (d *decoder) mismatch(want string) error {
	got := d.skip()
	if d.fatal != nil {
		return nil
	}
	return d.errorf("want %s, got %s", want, got)
}

// stringValue reads the string at the input.
func (d *decoder) stringValue() (string, bool) {
	start := d.pos + 1
	lit, esc, msg := d.readString()
	if d.fatal != nil {
		return "", false
	}
	if msg != "" {
		d.fatal = d.errorf("%s", msg)
		return "", false
	}
	if !esc {
		if d.text == "" {
			d.text = string(d.data)
		}
		return d.text[start : start+len(lit)], true
	}
	d.scratch, msg = unescape(d.scratch[:0], lit)
	if msg != "" {
		d.fatal = d.errorf("%s", msg)
		return "", false
	}
	return string(d.scratch), true
}

// withPath names the value at the input in err, an *Error made without
// a path, which is built only when needed.
func (d *decoder) withPath(err error) error {
	var e *Error
	if errors.As(err, &e) {
		e.Field = d.path()
	}
	return err
}
