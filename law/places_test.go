package law

import (
	"strings"
	"testing"
	"time"

	"liaison"
)

func TestTimeZone(t *testing.T) {
	for _, tt := range []struct {
		jur  liaison.Jurisdiction
		want string
	}{
		{"us", ""},
		{"us/ca", "America/Los_Angeles"},
		{"us/ca/los-angeles-county", "America/Los_Angeles"},
		{"us/tx/harris", "America/Chicago"},
		{"us/tx/el-paso", "America/Denver"},
		{"us/tx/el-paso-county", "America/Denver"},
		{"us/tx/hudspeth", "America/Denver"},
		{"us/ma/boston", "America/New_York"},
		{"us/fl/miami-dade", "America/New_York"},
		{"us/fl/escambia-county", "America/Chicago"},
		{"us/fl/gulf", ""},
		{"us/il/cook-county", "America/Chicago"},
		{"us/or", "America/Los_Angeles"},
		{"us/or/malheur", "America/Denver"},
		{"us/wa", "America/Los_Angeles"},
		{"us/nj", "America/New_York"},
		{"us/ny/new-york-city", "America/New_York"},
		{"us/az", ""},
	} {
		if got := TimeZone(tt.jur); got != tt.want {
			t.Errorf("TimeZone(%s) = %q, want %q", tt.jur, got, tt.want)
		}
	}
	for _, p := range places {
		for _, z := range append([]string{p.zone}, values(p.counties)...) {
			if z == "" {
				continue
			}
			if _, err := time.LoadLocation(z); err != nil {
				t.Errorf("zone %q of the table: %v", z, err)
			}
		}
	}
}

func values(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func TestCheckJurisdiction(t *testing.T) {
	s := mustLoad(t, fsOf(
		pack("fed", "us", "statute", rule("a", "permit", "")),
		pack("tx", "us/tx", "statute", rule("a", "permit", "")),
		pack("ma", "us/ma", "statute", rule("a", "permit", "")),
		pack("ca", "us/ca", "statute", rule("a", "permit", "")),
		pack("bos", "us/ma/boston", "ordinance", rule("a", "permit", "")),
	))
	for _, tt := range []struct {
		jur        liaison.Jurisdiction
		noLocalLaw bool
		want       []string // in the error; none: no error
	}{
		{"us/tx", false, nil},
		{"us/ma/boston", false, nil},
		{"us/txx/harris", false, []string{`"txx"`, "nearest known: us/tx", "no_local_law"}},
		{"us/tx/harris", false, []string{`"harris"`, "at us/tx"}},
		{"us/tx/harris", true, nil},
		{"us/az/maricopa", true, nil},
		{"us/txx/harris", true, []string{`"txx" is neither a state`, "nearest known: us/tx"}},
		{"us/ma/bostn", false, []string{"nearest known: us/ma/boston"}},
		{"eu/fr", false, []string{"start at us"}},
		{"us//tx", false, []string{"not a jurisdiction path"}},
	} {
		err := s.CheckJurisdiction(tt.jur, tt.noLocalLaw)
		if tt.want == nil {
			if err != nil {
				t.Errorf("CheckJurisdiction(%s, %v) = %v, want nil", tt.jur, tt.noLocalLaw, err)
			}
			continue
		}
		if err == nil || liaison.KindOf(err) != liaison.Invalid {
			t.Errorf("CheckJurisdiction(%s, %v) = %v, want an Invalid error", tt.jur, tt.noLocalLaw, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("CheckJurisdiction(%s, %v) = %v, want it to say %s", tt.jur, tt.noLocalLaw, err, w)
			}
		}
	}
}

// The engine counts 8 C.F.R. 287.7(d)'s business hours, and the day of
// as_of, in the agency's time zone.
func TestDecideInAgencyTimeZone(t *testing.T) {
	s := mustLoad(t, fsOf(pack("fed", "us", "regulation",
		rule("long-hold", "forbid", "when:\n  - cel: business_hours_between(subject.custody.hold_started_at, as_of) > 48.0"))))
	// Begun Friday 2024-03-01 19:00 PST (Saturday 03:00 UTC). At Tuesday
	// 18:00 PST, 47 local business hours have passed; in UTC, Monday and
	// Tuesday until 02:00 would already be 50.
	const req = `{"as_of": "2024-03-06T02:00:00Z", "jurisdiction": "us/ca/bench-county", "action": "honor_detainer",
		%s "subject": {"custody": {"hold_started_at": "2024-03-02T03:00:00Z"}}}`
	local := decide(t, s, strings.Replace(req, "%s", `"agency": {"type": "sheriff", "time_zone": "America/Los_Angeles"},`, 1))
	if local.Outcome != liaison.Permitted {
		t.Errorf("in Los Angeles: outcome %s, want permitted (47 business hours)\n%s", local.Outcome, local.Explanation)
	}
	utc := decide(t, s, strings.Replace(req, "%s", "", 1))
	if utc.Outcome != liaison.Forbidden {
		t.Errorf("in UTC: outcome %s, want forbidden (50 business hours)", utc.Outcome)
	}
	if want := "Federal law applied; no pack for California and Bench County."; !strings.HasSuffix(local.Explanation, want) {
		t.Errorf("explanation %q does not end %q", local.Explanation, want)
	}
	if len(local.Levels) != 3 || !local.Levels[0].Law || local.Levels[1].Law || local.Levels[2].Jurisdiction != "us/ca/bench-county" {
		t.Errorf("levels = %+v, want us with law, us/ca and us/ca/bench-county without", local.Levels)
	}

	bad, err := liaison.DecodeRequest([]byte(`{"as_of": "2024-03-06T02:00:00Z", "jurisdiction": "us", "action": "honor_detainer", "agency": {"time_zone": "America/Los_Angles"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(bad, Options{}); liaison.KindOf(err) != liaison.Invalid || !strings.Contains(err.Error(), "America/Los_Angles") {
		t.Errorf("Decide with an unknown zone: %v, want Invalid naming it", err)
	}
}

// Only what the action needs goes out: a release notification's date and
// time, an information request's items, and nothing when refused.
func TestDisclose(t *testing.T) {
	s := mustLoad(t, fsOf(pack("fed", "us", "statute",
		"id: n\nactions: [notify_release, share_info, allow_interview]\neffect: permit\ncitation: x",
		"id: f\nactions: [share_info]\neffect: forbid\ncitation: y\nwhen:\n  - cel: '\"address\" in request.info_requested'")))
	for _, tt := range []struct {
		req  string
		want string
	}{
		{`"action": "notify_release"`, "release_date,release_time"},
		{`"action": "share_info", "request": {"info_requested": ["release_date", "custody_status"]}`, "release_date,custody_status"},
		{`"action": "share_info", "request": {"info_requested": ["release_date", "address"]}`, ""},
		{`"action": "allow_interview"`, ""},
	} {
		d := decide(t, s, `{"as_of": "2024-03-06", "jurisdiction": "us", `+tt.req+`}`)
		var got []string
		for _, i := range d.Disclose {
			got = append(got, string(i))
		}
		if strings.Join(got, ",") != tt.want {
			t.Errorf("Decide(%s).Disclose = %v, want %s", tt.req, got, tt.want)
		}
	}
}
