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
		{`{"as_of": "2018-06-01", "jurisdiction": "us/ca"}`, "action", "required"},
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
		t.Skip("../shared/law/scenarios not found beside the checkout")
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

func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"as_of": "2018-06-01", "jurisdiction": "us/ca", "action": "honor_detainer"}`))
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
		if req.Action == "" || req.Jurisdiction == "" || req.AsOf.IsZero() && !strings.Contains(string(data), "0000") {
			t.Fatalf("DecodeRequest accepted a request without its required fields: %s", data)
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
