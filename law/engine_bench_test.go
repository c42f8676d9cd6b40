package law

import (
	"testing"

	"liaison"
)

func benchSet(b *testing.B) (*Set, *liaison.Request) {
	s, err := Load(fsOf(raw("us/zz/zz.yaml", zzHeader+`
      - id: ban
        actions: [honor_detainer, notify_release]
        effect: forbid
        citation: ZZ Act 5(a)
        exceptions: [warrant, recent]
      - id: warrant
        actions: [honor_detainer]
        effect: permit
        citation: ZZ Act 5(b)
        when:
          - cel: request.warrant.kind == "judicial_criminal"
            says: a judicial warrant for a crime is presented
      - id: recent
        actions: [notify_release]
        effect: permit
        citation: ZZ Act 5(c)
        when: subject.convictions.exists(c, c.level == "felony" && years_between(c.date, as_of) < 15)
`), pack("fed", "us", "statute", rule("may", "permit", "limits: {max_hold_hours: 48}"))))
	if err != nil {
		b.Fatal(err)
	}
	req, err := liaison.DecodeRequest([]byte(`{"as_of": "2020-01-01", "jurisdiction": "us/zz/town", "action": "notify_release",
		"subject": {"convictions": [{"offense": "ZZ 1", "level": "felony", "date": "2012-01-01"}]}}`))
	if err != nil {
		b.Fatal(err)
	}
	return s, req
}

func BenchmarkDecide(b *testing.B) {
	s, req := benchSet(b)
	for _, explain := range []bool{false, true} {
		name := "explain=off"
		if explain {
			name = "explain=on"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Decide(req, Options{Explain: explain}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
