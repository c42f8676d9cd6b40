package liaison

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// decodeSample holds the kinds of field Decode supports that Request
// lacks: pointers to values and to structs, lists of pointers, a string
// date kept as written, a float with a range.
type decodeSample struct {
	Name     string           `json:"name" liaison:"required,nonempty"`
	Born     string           `json:"born,omitempty" liaison:"date,when=past"`
	Weight   *float64         `json:"weight,omitempty" liaison:"min=0,max=500"`
	Count    int64            `json:"count,omitempty" liaison:"min=-5"`
	Place    *Jurisdiction    `json:"place,omitempty"`
	Places   []Jurisdiction   `json:"places,omitempty"`
	Actions  []Action         `json:"actions,omitempty"`
	Offense  *Offense         `json:"offense,omitempty" liaison:"nopending"`
	Offenses []*Offense       `json:"offenses,omitempty"`
	At       *time.Time       `json:"at,omitempty" liaison:"when=event"`
	Nested   []decodeSample   `json:"nested,omitempty"`
	Flags    []bool           `json:"flags,omitempty"`
	Custody  *Custody         `json:"custody,omitempty"`
	Matrix   [][]Jurisdiction `json:"matrix,omitempty"`
}

// decodeBoth decodes data with Decode and with the decoder it replaced,
// and fails unless both accept it with the same result or both refuse it
// with the same error.
func decodeBoth[T any](t *testing.T, data []byte, now time.Time) {
	t.Helper()
	var got, want T
	gotErr := Decode(data, &got, now)
	wantErr := oldDecode(data, &want, now)
	switch {
	case gotErr == nil && wantErr == nil:
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Decode(%q) = %+v, the old decoder %+v", data, got, want)
		}
	case gotErr == nil || wantErr == nil:
		t.Fatalf("Decode(%q): error %v, the old decoder's %v", data, gotErr, wantErr)
	default:
		var g, w *Error
		if !errors.As(gotErr, &g) || !errors.As(wantErr, &w) {
			t.Fatalf("Decode(%q): error %#v, the old decoder's %#v; want *Errors", data, gotErr, wantErr)
		}
		if g.Kind != w.Kind || g.Field != w.Field || g.Error() != w.Error() {
			t.Fatalf("Decode(%q):\n error %q (field %q)\n old   %q (field %q)", data, g.Error(), g.Field, w.Error(), w.Field)
		}
	}
}

// FuzzDecodeDifferential checks the single-pass decoder against the one
// it replaced (decode_oracle_test.go), on requests and on decodeSample,
// with and without a clock: the same values, or the same error.
func FuzzDecodeDifferential(f *testing.F) {
	for _, s := range []string{
		`{"as_of": "2018-06-01", "jurisdiction": "us/ca", "action": "honor_detainer"}`,
		"{\"as_of\": \"2018-06-01\", \"jurisdiction\": \"us/ca\", \"action\": \"honor_detainer\", \"subject\": {\"convictions\": [{\"offense\": \"\xff\\ud800\\u0000\"}]}}",
		`{"as_of": "2018-06-01", "as_of": "2018-06-02", "jurisdiction": "us/ca", "action": "honor_detainer"}`,
		`{"as_of": "9999-12-31", "jurisdiction": "us/ca", "action": "honor_detainer", "subject": {"convictions": [{"offense": "\ud83d\ude00", "date": "0001-01-01"}]}}`,
		`{"as_of": "2018-06-01T10:00:00-07:00", "jurisdiction": "us/ca/x", "action": "notify_release", "subject": {"convictions": [{"offense": "CA PC 211", "date": "2010-01-01", "categories": ["robbery"]}]}}`,
		`{"zz": 1, "action": "hold", "subject": {"age": "x", "convictions": [{"level": "felon"}, 3]}, "request": {"info_requested": ["address", "address", 7]}} `,
		`{"name": "x", "born": "2001-02-03", "weight": 1.5e2, "count": -6, "place": "us/ca", "places": ["us", "us"], "offense": {"offense": "X", "held_to_answer": true}, "offenses": [null, {"offense": "Y"}], "at": "2020-01-01T00:00:00Z", "nested": [{"name": ""}], "flags": [true, false, null], "matrix": [["us"], []]}`,
		`{"name": "a\"\\\/\b\f\n\r\t\u00e9", "zz": [1, {"a": [true, false, null, -0.5e+3]}], "born": null}`,
		"{\n  \"as_of\": x\n}",
		`[1, 2]`, `"str"`, `{"a":1}}`, `{"a" 1}`, `{"a":tru}`, `{"a":-}`, `{"a":01}`, ``, `  `, `{"a":"\x01"}`,
	} {
		f.Add([]byte(s))
	}
	// FuzzDecodeRequest's corpus: the shared scenarios' requests and more.
	files, _ := filepath.Glob("testdata/fuzz/FuzzDecodeRequest/*")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		_, lit, _ := strings.Cut(strings.TrimSpace(string(data)), "\n[]byte(")
		s, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
		if err != nil {
			f.Fatalf("%s: %v", name, err)
		}
		f.Add([]byte(s))
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeBoth[Request](t, data, time.Time{})
		decodeBoth[Request](t, data, now)
		decodeBoth[decodeSample](t, data, now)
		if s := string(data); isJurisdiction(s) != jurisdictionRE.MatchString(s) || isDate(s) != dateRE.MatchString(s) {
			t.Fatalf("isJurisdiction(%q) = %v, isDate = %v; the regular expressions disagree", s, isJurisdiction(s), isDate(s))
		}
	})
}

var (
	jurisdictionRE = regexp.MustCompile(`^us(/[a-z0-9-]+)*$`)
	dateRE         = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// TestDecodeHandwrittenMatchers checks isJurisdiction and isDate against
// the regular expressions they replaced (FuzzDecodeDifferential does too).
func TestDecodeHandwrittenMatchers(t *testing.T) {
	for _, s := range []string{"", "us", "us/", "us/ca", "us//ca", "us/ca/", "us/c-a/1", "us/Ca", "usa", "u", "us/ca\n", "us/\u00e9", "x/us",
		"2018-06-01", "2018-6-01", "20180-06-01", "2018-06-011", "2018-06-01\n", "2018/06/01", "２018-06-01", "abcd-ef-gh"} {
		if got, want := isJurisdiction(s), jurisdictionRE.MatchString(s); got != want {
			t.Errorf("isJurisdiction(%q) = %v, want %v", s, got, want)
		}
		if got, want := isDate(s), dateRE.MatchString(s); got != want {
			t.Errorf("isDate(%q) = %v, want %v", s, got, want)
		}
	}
}
