package main

import (
	"strings"
	"testing"
)

// decide --timeline shows the day a conviction ages out of the law's
// "within the last 15 years" (Cal. Gov. Code 7282.5(a)(3)), which is no
// day a version of the law changes: a robbery felony of 2008-06-15 lets
// California tell ICE of a release until 2023-06-14, and not from
// 2023-06-15.
func TestDecideTimelineAging(t *testing.T) {
	req := `{"as_of": "2019-06-01T12:00:00-07:00", "jurisdiction": "us/ca", "action": "notify_release",
	 "agency": {"type": "jail", "time_zone": "America/Los_Angeles"},
	 "request": {"kind": "notification_request", "form": "I-247A", "issuer": "ICE", "info_requested": ["release_date"]},
	 "subject": {"custody": {"status": "in_custody"},
	  "convictions": [{"offense": "CA PC 211", "level": "felony", "categories": ["robbery"], "date": "2008-06-15"}]}}`
	out, _, err := runCmd(t, req, "decide", "--timeline", "-")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"2018-01-01 to 2023-06-14  PERMITTED",
		"us-ca-trust-act/a3-listed-offense",
		"2023-06-15 to …           FORBIDDEN",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("decide --timeline: no %q in\n%s", want, out)
		}
	}
}
