package law_test

import (
	"slices"
	"testing"

	"liaison"
	"liaison/law"
	"liaison/packs"
)

func TestChangeDates(t *testing.T) {
	s := mustLayers(t, layer("base"), layer("city"))
	var got []string
	for _, d := range s.ChangeDates("us/zz/town") {
		got = append(got, d.Format("2006-01-02"))
	}
	want := []string{"2010-01-01", "2015-06-01", "2018-01-01"}
	if len(got) != len(want) {
		t.Fatalf("ChangeDates(us/zz/town) = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ChangeDates(us/zz/town) = %v, want %v", got, want)
		}
	}
}

func TestTimeline(t *testing.T) {
	s := mustLayers(t, layer("base"))
	spans, err := s.Timeline(detainerAt("us/zz", "2012-03-04"))
	if err != nil {
		t.Fatal(err)
	}
	type span struct {
		from, to string
		outcome  liaison.Outcome
		rule     string
	}
	want := []span{
		{"", "2009-12-31", liaison.Permitted, ""},
		{"2010-01-01", "2017-12-31", liaison.Permitted, "permit-detainer"},
		{"2018-01-01", "", liaison.Forbidden, "forbid-detainer"},
	}
	if len(spans) != len(want) {
		t.Fatalf("Timeline = %d spans %+v, want %d", len(spans), spans, len(want))
	}
	for i, w := range want {
		sp := spans[i]
		rule := ""
		if len(sp.Decision.Decisive) > 0 {
			rule = sp.Decision.Decisive[0].Rule
		}
		if sp.From != w.from || sp.To != w.to || sp.Decision.Outcome != w.outcome || rule != w.rule {
			t.Errorf("span %d = %s..%s %s by %q, want %s..%s %s by %q", i, sp.From, sp.To, sp.Decision.Outcome, rule, w.from, w.to, w.outcome, w.rule)
		}
	}
	// With a conviction the 2018 version permits too: the act's change of
	// version does not change the answer, and the spans merge.
	conv := liaison.Offense{Offense: "ZZ 1", Jurisdiction: "us/zz", Level: "felony"}
	spans, err = s.Timeline(detainerAt("us/zz", "2012-03-04", conv))
	if err != nil {
		t.Fatal(err)
	}
	if len(spans) != 2 || spans[1].From != "2010-01-01" || spans[1].To != "" {
		t.Errorf("Timeline with a conviction = %+v, want two spans, the second from 2010-01-01 on", spans)
	}
}

// LawAt is the same for two sets where the law in force on the day is,
// even if the versions' dates differ; not where it is not.
func TestLawAt(t *testing.T) {
	a := mustLayers(t, layer("base"))
	b := mustLayers(t, layer("base"), layer("amend"))
	law := func(s interface {
		LawAt(*liaison.Request) (uint64, error)
	}, day string) uint64 {
		l, err := s.LawAt(detainerAt("us/zz", day))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if law(a, "2012-06-01") != law(b, "2012-06-01") {
		t.Error("LawAt(2012) differs: both sets have the 2010 text in force")
	}
	if law(a, "2019-06-01") == law(b, "2019-06-01") {
		t.Error("LawAt(2019) is the same: the base has the 2018 text in force, the amendment the 2010 one")
	}
	if law(a, "2019-06-01") != law(a, "2020-06-01") || law(a, "2012-06-01") == law(a, "2019-06-01") {
		t.Error("LawAt within one set: want equal within a version's span, different across versions")
	}
}

// A conviction ages past "within the last 15 years" with no new version
// of the law: the timeline shows the day it does, found from the
// conviction's date and the years the rule compares with; a
// misdemeanor "at most 3 years" ago stops counting on its fourth
// anniversary. A leap day ages on 1 March, as years_between counts.
func TestTimelineAging(t *testing.T) {
	s := mustLayers(t, layer("aging"))
	type span struct {
		from, to string
		outcome  liaison.Outcome
		rule     string
	}
	for _, tt := range []struct {
		name string
		conv []liaison.Offense
		want []span
	}{
		{"felony of 2005", []liaison.Offense{{Offense: "ZZ 9", Level: "felony", Date: day("2005-03-10")}}, []span{
			{"", "2009-12-31", liaison.Permitted, ""},
			{"2010-01-01", "2020-03-09", liaison.Permitted, "recent-felony"},
			{"2020-03-10", "", liaison.Forbidden, "forbid-notify"},
		}},
		{"felony of a leap day", []liaison.Offense{{Offense: "ZZ 9", Level: "felony", Date: day("2008-02-29")}}, []span{
			{"", "2009-12-31", liaison.Permitted, ""},
			{"2010-01-01", "2023-02-28", liaison.Permitted, "recent-felony"},
			{"2023-03-01", "", liaison.Forbidden, "forbid-notify"},
		}},
		{"misdemeanor of 2008, felony of 1990", []liaison.Offense{
			{Offense: "ZZ 3", Level: "misdemeanor", Date: day("2008-07-01")},
			{Offense: "ZZ 9", Level: "felony", Date: day("1990-01-20")},
		}, []span{
			{"", "2009-12-31", liaison.Permitted, ""},
			{"2010-01-01", "2012-06-30", liaison.Permitted, "recent-misdemeanor"},
			{"2012-07-01", "", liaison.Forbidden, "forbid-notify"},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := detainerAt("us/zz", "2015-05-05", tt.conv...)
			req.Action = liaison.NotifyRelease
			spans, err := s.Timeline(req)
			if err != nil {
				t.Fatal(err)
			}
			var got []span
			for _, sp := range spans {
				rule := ""
				if len(sp.Decision.Decisive) > 0 {
					rule = sp.Decision.Decisive[0].Rule
				}
				got = append(got, span{sp.From, sp.To, sp.Decision.Outcome, rule})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Timeline =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

// BenchmarkTimeline times the timeline of a California release
// notification (the bundled law) with no dated fact, as the map's cells
// ask, and with two convictions, a charge and a hold's times, as the
// what-if page may: the days facts age add decisions.
func BenchmarkTimeline(b *testing.B) {
	s, err := law.LoadLayers(law.Layer{Name: "bundled", FS: packs.FS()})
	if err != nil {
		b.Fatal(err)
	}
	for _, tt := range []struct{ name, subject string }{
		{"undated", `{"custody": {"status": "in_custody"}, "convictions": []}`},
		{"dated", `{"custody": {"status": "in_custody", "hold_started_at": "2019-06-01T08:00:00-07:00", "scheduled_release": "2019-06-03T10:00:00-07:00"},
			"convictions": [{"offense": "CA PC 211", "level": "felony", "categories": ["robbery"], "date": "2008-06-15"},
				{"offense": "CA PC 459", "level": "wobbler_misdemeanor", "date": "2017-02-01"}],
			"pending_charges": [{"offense": "CA PC 273.5", "level": "felony", "date": "2019-05-30"}]}`},
	} {
		req, err := liaison.DecodeRequest([]byte(`{"as_of": "2019-06-01T12:00:00-07:00", "jurisdiction": "us/ca", "action": "notify_release",
			"agency": {"type": "jail", "time_zone": "America/Los_Angeles"},
			"request": {"kind": "notification_request", "form": "I-247A", "issuer": "ICE", "info_requested": ["release_date"]},
			"subject": ` + tt.subject + `}`))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tt.name, func(b *testing.B) {
			var spans int
			for b.Loop() {
				sp, err := s.Timeline(req)
				if err != nil {
					b.Fatal(err)
				}
				spans = len(sp)
			}
			b.ReportMetric(float64(spans), "spans")
		})
	}
}
