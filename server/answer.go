package server

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"

	"liaison"
	"liaison/internal/jsonstr"
)

// A hand-written JSON encoder for the answer of POST /v1/decisions, the
// API's busiest route. writeJSON's encoding/json took 0.47 s of the
// server's ~5.8 s in BenchmarkDecisionsRoute's profile (bench/httpload,
// 8% of its CPU; see bench/README.md, "Over HTTP"), walking the decision
// by reflection. appendDecision writes the same bytes as encoding/json
// with SetEscapeHTML(false) (writeJSON's settings): the members in struct
// order under their json names, omitempty and omitzero as encoding/json
// reads them, nil slices as null, strings escaped alike (invalid UTF-8 as
// \ufffd, U+2028 and U+2029 escaped), floats and times formatted alike.
// TestAppendDecision compares the two on decisions generated with every
// field filled, by reflection, so a field added to liaison.Decision or a
// type in it, and not here, fails it. BenchmarkEncodeDecision measures the
// two; BenchmarkDecisionsRoute (bench/httpload) the route with it.

// encodeAnswer writes v as JSON into buf, as encoding/json's Encoder
// without HTML escapes writes it (maybe without its final newline): a
// decision by appendDecision, anything else (or a decision appendDecision
// refuses) by encoding/json.
func encodeAnswer(buf *bytes.Buffer, v any) error {
	if d, ok := v.(*liaison.Decision); ok {
		if out, err := appendDecision(buf.AvailableBuffer(), d); err == nil {
			buf.Write(out)
			return nil
		}
	}
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// appendDecision appends d as JSON to b. It fails where encoding/json
// would (a NaN or infinite hold limit, a due time outside years 0-9999),
// and writeJSON then answers as encoding/json's failure makes it.
func appendDecision(b []byte, d *liaison.Decision) ([]byte, error) {
	var err error
	b = append(b, `{"outcome":`...)
	b = appendString(b, string(d.Outcome))
	b = append(b, `,"decisive":`...)
	b = appendList(b, d.Decisive, appendRuleRef)
	if d.Considered != nil { // omitzero
		b = append(b, `,"considered":`...)
		b = appendList(b, d.Considered, appendConsidered)
	}
	b = append(b, `,"duties":`...)
	if d.Duties == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range d.Duties {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendDuty(b, &d.Duties[i]); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"limits":`...)
	if b, err = appendLimits(b, &d.Limits); err != nil {
		return nil, err
	}
	b = append(b, `,"would_change_if":`...)
	b = appendList(b, d.WouldChangeIf, appendChange)
	b = append(b, `,"missing_facts":`...)
	b = appendStrings(b, d.MissingFacts)
	b = append(b, `,"explanation":`...)
	b = appendString(b, d.Explanation)
	if len(d.Levels) > 0 { // omitempty
		b = append(b, `,"levels":`...)
		b = appendList(b, d.Levels, appendLevel)
	}
	if len(d.Disclose) > 0 { // omitempty
		b = append(b, `,"disclose":`...)
		b = appendStrings(b, d.Disclose)
	}
	if d.Packs != nil { // omitzero
		b = append(b, `,"packs":`...)
		b = appendList(b, d.Packs, appendPackVersion)
	}
	return append(b, '}'), nil
}

// appendList appends s as a JSON array of elements appended by each, or
// null when s is nil.
func appendList[T any](b []byte, s []T, each func([]byte, *T) []byte) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = each(b, &s[i])
	}
	return append(b, ']')
}

// appendStrings appends s as a JSON array of strings, or null when nil.
func appendStrings[S ~string](b []byte, s []S) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, v := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, string(v))
	}
	return append(b, ']')
}

// appendRuleRefMembers appends r's members, without braces (Considered
// embeds it).
func appendRuleRefMembers(b []byte, r *liaison.RuleRef) []byte {
	b = append(b, `"pack":`...)
	b = appendString(b, r.Pack)
	b = append(b, `,"version":`...)
	b = appendString(b, r.Version)
	b = append(b, `,"rule":`...)
	b = appendString(b, r.Rule)
	b = append(b, `,"effect":`...)
	b = appendString(b, string(r.Effect))
	b = append(b, `,"citation":`...)
	b = appendString(b, r.Citation)
	b = append(b, `,"jurisdiction":`...)
	return appendString(b, string(r.Jurisdiction))
}

func appendRuleRef(b []byte, r *liaison.RuleRef) []byte {
	b = append(b, '{')
	b = appendRuleRefMembers(b, r)
	return append(b, '}')
}

func appendConsidered(b []byte, c *liaison.Considered) []byte {
	b = append(b, '{')
	b = appendRuleRefMembers(b, &c.RuleRef)
	b = append(b, `,"held":`...)
	switch {
	case c.Held == nil:
		b = append(b, "null"...)
	case *c.Held:
		b = append(b, "true"...)
	default:
		b = append(b, "false"...)
	}
	b = append(b, `,"status":`...)
	b = appendString(b, string(c.Status))
	b = append(b, `,"why":`...)
	b = appendString(b, c.Why)
	return append(b, '}')
}

func appendDuty(b []byte, d *liaison.Duty) ([]byte, error) {
	b = append(b, `{"text":`...)
	b = appendString(b, d.Text)
	b = append(b, `,"citation":`...)
	b = appendString(b, d.Citation)
	if d.Due != nil { // omitempty: a pointer is empty when nil
		b = append(b, `,"due":"`...)
		// MarshalJSON's format, and its error outside years 0-9999.
		var err error
		if b, err = d.Due.AppendText(b); err != nil {
			return nil, err
		}
		b = append(b, '"')
	}
	b = appendOptional(b, `,"due_text":`, d.DueText)
	b = append(b, `,"rule":`...)
	b = appendRuleRef(b, &d.Rule)
	b = appendOptional(b, `,"trigger":`, string(d.Trigger))
	b = appendOptional(b, `,"before":`, string(d.Before))
	b = appendOptional(b, `,"within":`, d.Within)
	b = appendOptional(b, `,"notice":`, d.Notice)
	return append(b, '}'), nil
}

// appendOptional appends the member named by key (`,"name":`) unless s is
// empty (omitempty).
func appendOptional(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	b = append(b, key...)
	return appendString(b, s)
}

func appendLimits(b []byte, l *liaison.Limits) ([]byte, error) {
	b = append(b, '{')
	open := len(b) // a member after another needs a comma
	if l.MaxHoldHours != nil {
		b = append(b, `"max_hold_hours":`...)
		var err error
		if b, err = appendFloat(b, *l.MaxHoldHours); err != nil {
			return nil, err
		}
	}
	if len(l.HoldHoursExclude) > 0 {
		if len(b) > open {
			b = append(b, ',')
		}
		b = append(b, `"hold_hours_exclude":`...)
		b = appendStrings(b, l.HoldHoursExclude)
	}
	if l.Citation != "" {
		if len(b) > open {
			b = append(b, ',')
		}
		b = append(b, `"citation":`...)
		b = appendString(b, l.Citation)
	}
	return append(b, '}'), nil
}

// errUnsupported is a value encoding/json refuses (NaN, ±Inf).
type errUnsupported struct{ v float64 }

func (e errUnsupported) Error() string {
	return "json: unsupported value: " + strconv.FormatFloat(e.v, 'g', -1, 64)
}

// appendFloat appends f as encoding/json does a float64: like ES6, in
// decimal from 1e-6 to 1e21, else in exponent form with no leading zero in
// a negative exponent.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, errUnsupported{f}
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

func appendChange(b []byte, c *liaison.Change) []byte {
	b = append(b, `{"outcome":`...)
	b = appendString(b, string(c.Outcome))
	b = append(b, `,"rule":`...)
	b = appendString(b, c.Rule)
	b = append(b, `,"citation":`...)
	b = appendString(b, c.Citation)
	b = append(b, `,"unmet":`...)
	b = appendStrings(b, c.Unmet)
	return append(b, '}')
}

func appendLevel(b []byte, l *liaison.JurisdictionLevel) []byte {
	b = append(b, `{"jurisdiction":`...)
	b = appendString(b, string(l.Jurisdiction))
	if l.Law {
		return append(b, `,"law":true}`...)
	}
	return append(b, `,"law":false}`...)
}

func appendPackVersion(b []byte, p *liaison.PackVersion) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, p.ID)
	b = append(b, `,"version":`...)
	b = appendString(b, p.Version)
	b = append(b, `,"sha256":`...)
	b = appendString(b, p.SHA256)
	if p.Layer != nil {
		b = append(b, `,"layer":{"name":`...)
		b = appendString(b, p.Layer.Name)
		b = appendOptional(b, `,"replaces":`, p.Layer.Replaces)
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendString appends s quoted as encoding/json does without HTML
// escaping (jsonstr.Std).
func appendString(b []byte, s string) []byte { return jsonstr.Append(b, s, jsonstr.Std) }
