package liaison

import (
	"encoding/json"
	"testing"
)

// TestScanStrings compares scanStrings with encoding/json decoding the same
// fields, on bodies that exercise what it skips.
func TestScanStrings(t *testing.T) {
	type fields struct {
		Agency  string `json:"agency"`
		Request string `json:"request"`
	}
	for _, body := range []string{
		`{}`,
		` { "agency" : "ag-1" } `,
		`{"agency":"ag-1","request":"req-1"}`,
		`{"x":{"agency":"inner","y":[1,{"request":"no"}]},"agency":"outer"}`,
		`{"note":"a \"quoted\" } ] { [ , : string","agency":"ag-\u00e9\"1"}`,
		`{"n":-1.5e3,"ok":true,"none":null,"agency":"a","list":["}","]"]}`,
		`{"agency":"first","agency":"last"}`,
		`{"agency":"a","request":null}`,
		`{"escaped\u0020key":"x","agency":"a\\b"}`,
		"{\"agency\":\"tab\\there\"}",
	} {
		var want fields
		if err := json.Unmarshal([]byte(body), &want); err != nil {
			t.Fatalf("json.Unmarshal(%s) = %v", body, err)
		}
		var got fields
		err := scanStrings([]byte(body), func(key []byte) *string {
			switch string(key) {
			case "agency":
				return &got.Agency
			case "request":
				return &got.Request
			}
			return nil
		})
		if err != nil || got != want {
			t.Errorf("scanStrings(%s) = %+v, %v; want %+v as encoding/json decodes it", body, got, err, want)
		}
	}
	for _, body := range []string{
		``, `[]`, `"s"`, `{`, `{"agency"}`, `{"agency":}`, `{"agency":1}`, `{"agency":"a"`, `{"agency":"a"}x`,
		`{"agency":"a",}`, `{"x":{"y":1}`, `{"x":"unterminated}`, `{"agency":{"id":"a"}}`, `{"agency" "a"}`,
	} {
		var s string
		if err := scanStrings([]byte(body), func(key []byte) *string {
			if string(key) == "agency" {
				return &s
			}
			return nil
		}); err == nil {
			t.Errorf("scanStrings(%q) = nil error, want one", body)
		}
	}
}
