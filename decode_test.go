package liaison

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDecodeRequest(t *testing.T) {
	req, err := DecodeRequest([]byte(`{"as_of": "2018-06-01", "jurisdiction": "us/ca", "action": "honor_detainer",
		"request": {"kind": "detainer", "form": "I-247A", "warrant": {"kind": "administrative", "form": "I-200"}},
		"subject": {"age": 30, "convictions": [], "custody": {"hold_started_at": "2018-05-31T22:00:00-07:00"}}}`))
	if err != nil {
		t.Fatalf("DecodeRequest: %v", err)
	}
	if !req.AsOf.Equal(time.Date(2018, 6, 1, 0, 0, 0, 0, time.UTC)) || req.Action != HonorDetainer || req.Request.Warrant.Form != "I-200" {
		t.Errorf("DecodeRequest = %+v", req)
	}
	if req.Subject.Convictions == nil || len(req.Subject.Convictions) != 0 {
		t.Errorf("convictions = %#v, want an empty, non-nil list (known: none)", req.Subject.Convictions)
	}
	if req.Subject.PendingCharges != nil {
		t.Errorf("pending_charges = %#v, want nil (not given)", req.Subject.PendingCharges)
	}
}

func TestDecodeRequestErrors(t *testing.T) {
	for _, tt := range []struct {
		in, field, msg string
	}{
		{`{"as_of": "2018-06-01", "jurisdiction": "us/ca", "action": "honor_detainer", "subjct": {}}`, "subjct", "unknown field"},
		{`{"as_of": "2018-06-01", "jurisdiction": "us/ca", "action": "hold"}`, "action", `unknown value "hold"`},
		{`{"as_of": "2018-06-01", "jurisdiction": "us/ca"}`, "action", "required field is missing (one of honor_detainer, notify_release,"},
		{`{"as_of": "June 1", "jurisdiction": "us/ca", "action": "honor_detainer"}`, "as_of", "not a date"},
		{`{"as_of": "2018-06-01", "jurisdiction": "US/CA", "action": "honor_detainer"}`, "jurisdiction", "lowercase"},
		{`{"as_of": "2018-06-01", "jurisdiction": "us/ca", "action": "honor_detainer", "subject": {"age": "30"}}`, "subject.age", "want an integer"},
		{`{"as_of": "2018-06-01", "jurisdiction": "us/ca", "action": "honor_detainer", "subject": {"age": 200}}`, "subject.age", "more than 130"},
		{`{"as_of": "2018-06-01", "jurisdiction": "us/ca", "action": "honor_detainer", "subject": {"convictions": [{"offense": "X", "level": "felon"}]}}`, "subject.convictions[0].level", `unknown value "felon"`},
		{`{"as_of": "2018-06-01", "jurisdiction": "us/ca", "action": "honor_detainer", "subject": {"convictions": [{"offense": "X", "held_to_answer": true}]}}`, "subject.convictions[0].held_to_answer", "unknown field"},
		{`{"as_of": "2018-06-01", "jurisdiction": "us/ca", "action": "honor_detainer", "subject": {"convictions": [{"offense": "X", "date": "2018-06-01T00:00:00Z"}]}}`, "subject.convictions[0].date", "not a date"},
		{`{"as_of": "2018-06-01", "jurisdiction": "us/ca", "action": "share_info", "request": {"info_requested": ["address", "address"]}}`, "request.info_requested[1]", "repeats"},
		{`{"as_of": "2018-06-01", "jurisdiction": "us/ca", "action": "honor_detainer", "request": null}`, "request", "null"},
		{`{"as_of": "2018-06-01", "jurisdiction": "us/ca", "action": "honor_detainer"} {}`, "", "after the JSON object"},
		{`{"as_of": "2018-06-01",`, "", "malformed JSON"},
		{`[]`, "", "want an object"},
	} {
		_, err := DecodeRequest([]byte(tt.in))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("DecodeRequest(%s) = %v, want an *Error", tt.in, err)
			continue
		}
		if e.Kind != Invalid || e.Field != tt.field || !strings.Contains(e.Error(), tt.msg) {
			t.Errorf("DecodeRequest(%s) = %q (field %q), want field %q and %q", tt.in, e.Error(), e.Field, tt.field, tt.msg)
		}
	}
}

// TestDecodeScenarios decodes every shared scenario's request: the
// contract's examples must all be accepted.
func TestDecodeScenarios(t *testing.T) {
	files, _ := filepath.Glob("../shared/law/scenarios/*.jsonl")
	if len(files) == 0 {
		if os.Getenv("LIAISON_REQUIRE_ALL") == "1" {
			t.Fatal("LIAISON_REQUIRE_ALL=1 but ../shared/law/scenarios is not beside the checkout")
		}
		t.Skip("../shared/law/scenarios not found beside the checkout (LIAISON_REQUIRE_ALL=1 makes this a failure)")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			start := strings.Index(line, `"request": `) + len(`"request": `)
			end := strings.Index(line, `, "expected"`)
			if start < len(`"request": `) || end < 0 {
				t.Fatalf("%s:%d: unexpected scenario shape", f, i+1)
			}
			if _, err := DecodeRequest([]byte(line[start:end])); err != nil {
				t.Errorf("%s:%d: %v", f, i+1, err)
			}
		}
	}
}

// TestDecodeStrict: input is valid or refused, never rewritten. Each case
// is refused with the field named; encoding/json alone would accept it
// (replacing bad text with U+FFFD, keeping NUL, keeping the last of two
// names, taking any year).
func TestDecodeStrict(t *testing.T) {
	const head = `{"as_of": "2018-06-01", "jurisdiction": "us/ca", "action": "honor_detainer"`
	conviction := func(offense, date string) string {
		return head + `, "subject": {"convictions": [{"offense": "` + offense + `", "date": "` + date + `"}]}}`
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name, in, field, msg string
	}{
		{"invalid UTF-8 in a value", conviction("CA PC \xff211", "2010-01-01"), "subject.convictions[0].offense", "not valid UTF-8"},
		{"invalid UTF-8 in a name", head + ", \"subject\": {\"\xc3(\": 1}}", "subject.\ufffd(", "member name is not valid UTF-8"},
		{"overlong UTF-8", conviction("\xc0\xaf", "2010-01-01"), "subject.convictions[0].offense", "not valid UTF-8"},
		{"encoded surrogate", conviction("\xed\xa0\x80", "2010-01-01"), "subject.convictions[0].offense", "not valid UTF-8"},
		{"lone high surrogate", conviction(`\ud83dabc`, "2010-01-01"), "subject.convictions[0].offense", `lone surrogate (\ud83d)`},
		{"lone high surrogate at the end", conviction(`abc\uD83D`, "2010-01-01"), "subject.convictions[0].offense", "lone surrogate"},
		{"high surrogate then a letter", conviction(`\ud83d\u0041`, "2010-01-01"), "subject.convictions[0].offense", "lone surrogate"},
		{"lone low surrogate", conviction(`x\udc00`, "2010-01-01"), "subject.convictions[0].offense", `lone surrogate (\udc00)`},
		{"NUL", conviction(`CA PC 211\u0000`, "2010-01-01"), "subject.convictions[0].offense", "NUL"},
		{"NUL in a name", head + `, "subj\u0000ect": {}}`, "subj\x00ect", "NUL"},
		{"duplicate name", head + `, "action": "notify_release"}`, "action", "given twice"},
		{"duplicate nested name", head + `, "subject": {"age": 30, "age": 31}}`, "subject.age", "given twice"},
		{"too deep", head + `, "subject": ` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, "subject" + strings.Repeat("[0]", 31), "nested more than 32"},
		{"as_of in the year 1", `{"as_of": "0001-01-01", "jurisdiction": "us/ca", "action": "honor_detainer"}`, "as_of", "too early"},
		{"as_of far ahead", `{"as_of": "2040-01-01", "jurisdiction": "us/ca", "action": "honor_detainer"}`, "as_of", "too late"},
		{"conviction in 9999", conviction("X", "9999-12-31"), "subject.convictions[0].date", "too late"},
		{"conviction before 1900", conviction("X", "1899-12-31"), "subject.convictions[0].date", "too early"},
		{"conviction tomorrow and a day", conviction("X", "2026-03-03"), "subject.convictions[0].date", "too late"},
		{"received in the future", head + `, "request": {"received_at": "2026-03-05T00:00:00Z"}}`, "request.received_at", "too late"},
		{"hold begun in 1970", head + `, "subject": {"custody": {"hold_started_at": "1970-01-01T00:00:00Z"}}}`, "subject.custody.hold_started_at", "too early"},
		{"release in 9999", head + `, "subject": {"custody": {"scheduled_release": "9999-01-01T00:00:00Z"}}}`, "subject.custody.scheduled_release", "too late"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.in)
			_, err := DecodeRequestAt(in, now)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("DecodeRequestAt(%q) = %v, want an *Error", in, err)
			}
			if e.Kind != Invalid || e.Field != tt.field || !strings.Contains(e.Error(), tt.msg) {
				t.Errorf("DecodeRequestAt(%q) = %q (field %q), want field %q and %q", in, e.Error(), e.Field, tt.field, tt.msg)
			}
		})
	}
	// What is valid stays valid: a surrogate pair, U+FFFD written as
	// itself, other escapes, every date range's own ends.
	for _, in := range []string{
		conviction(`\ud83d\ude00 \u00e9 \\u0000 `+"\xef\xbf\xbd", "1900-01-01"),
		conviction("X", "2026-03-02"),
		`{"as_of": "1990-01-01", "jurisdiction": "us/ca", "action": "honor_detainer"}`,
		`{"as_of": "2036-02-27", "jurisdiction": "us/ca", "action": "honor_detainer"}`,
	} {
		data := []byte(in)
		if _, err := DecodeRequestAt(data, now); err != nil {
			t.Errorf("DecodeRequestAt(%q) = %v, want it accepted", data, err)
		}
	}
	// Without a clock, only the lower ends apply.
	if _, err := DecodeRequest([]byte(conviction("X", "2026-03-03"))); err != nil {
		t.Errorf("DecodeRequest(a date after now) = %v, want it accepted without a clock", err)
	}
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"as_of": "2018-06-01", "jurisdiction": "us/ca", "action": "honor_detainer"}`))
	f.Add([]byte("{\"as_of\": \"2018-06-01\", \"jurisdiction\": \"us/ca\", \"action\": \"honor_detainer\", \"subject\": {\"convictions\": [{\"offense\": \"\xff\\ud800\\u0000\"}]}}"))
	f.Add([]byte(`{"as_of": "2018-06-01", "as_of": "2018-06-02", "jurisdiction": "us/ca", "action": "honor_detainer"}`))
	f.Add([]byte(`{"as_of": "9999-12-31", "jurisdiction": "us/ca", "action": "honor_detainer", "subject": {"convictions": [{"offense": "\ud83d\ude00", "date": "0001-01-01"}]}}`))
	f.Add([]byte(`{"as_of": "2018-06-01T10:00:00-07:00", "jurisdiction": "us/ca/x", "action": "notify_release", "subject": {"convictions": [{"offense": "CA PC 211", "date": "2010-01-01", "categories": ["robbery"]}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := DecodeRequest(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind != Invalid {
				t.Fatalf("DecodeRequest error %v is not an invalid-input *Error", err)
			}
			return
		}
		if req.Action == "" || req.Jurisdiction == "" || req.AsOf.IsZero() {
			t.Fatalf("DecodeRequest accepted a request without its required fields: %s", data)
		}
		// What is accepted is kept as written: no U+FFFD that was not
		// in the input, no NUL.
		out, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), "\\u0000") || strings.Contains(string(out), "\ufffd") && !strings.Contains(string(data), "\ufffd") && !strings.Contains(strings.ToLower(string(data)), `\ufffd`) {
			t.Fatalf("DecodeRequest rewrote %q into %s", data, out)
		}
	})
}

func TestOffenseRoundTrip(t *testing.T) {
	in := `{"as_of":"2018-06-01T00:00:00Z","jurisdiction":"us/ca","action":"notify_release","subject":{"convictions":[{"offense":"CA PC 211","date":"2010-03-04","categories":["robbery"]}]}}`
	req, err := DecodeRequest([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"date":"2010-03-04"`) {
		t.Errorf("Marshal = %s, want the conviction date as 2010-03-04", out)
	}
	if _, err := DecodeRequest(out); err != nil {
		t.Errorf("DecodeRequest(Marshal(req)) = %v: a decision request must survive a round trip", err)
	}
}

func TestSyntaxErrorPosition(t *testing.T) {
	_, err := DecodeRequest([]byte("{\n  \"as_of\": x\n}"))
	if err == nil || !strings.Contains(err.Error(), "line 2, column 12") {
		t.Errorf("DecodeRequest(bad JSON) = %v, want line 2, column 12", err)
	}
}

// BenchmarkDecodeRequest decodes the example request, as every
// POST /v1/decisions and `liaison decide` does.
func BenchmarkDecodeRequest(b *testing.B) {
	benchDecode(b, func(data []byte) error {
		_, err := DecodeRequest(data)
		return err
	})
}

// BenchmarkDecodeUnmarshal decodes the same request with plain
// json.Unmarshal, which checks none of what Decode does: the floor to
// compare BenchmarkDecodeRequest with.
func BenchmarkDecodeUnmarshal(b *testing.B) {
	benchDecode(b, func(data []byte) error {
		var req Request
		return json.Unmarshal(data, &req)
	})
}

// benchDecode times decode on examples/request.json.
func benchDecode(b *testing.B, decode func([]byte) error) {
	data, err := os.ReadFile("examples/request.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
