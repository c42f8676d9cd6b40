package packs_test

import (
	"os"
	"testing"

	"liaison"
	"liaison/law"
	"liaison/packs"
)

// BenchmarkDecideBundled times decisions on the bundled packs, with the
// explanation the desk asks for: a release notification asked of a
// California county jail for a person with no convictions (the desk's load
// test sends it), and the example request of examples/request.json.
func BenchmarkDecideBundled(b *testing.B) {
	set, err := law.Load(packs.FS())
	if err != nil {
		b.Fatal(err)
	}
	example, err := os.ReadFile("../examples/request.json")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, req string }{
		{"ca-no-convictions", `{"as_of": "2026-06-01", "jurisdiction": "us/ca/bench-county", "agency": {"type": "jail", "name": "Bench County Jail"},
			"action": "notify_release", "request": {"kind": "notification_request", "form": "I-247A", "issuer": "ICE",
			"info_requested": ["release_date"]}, "subject": {"convictions": []}}`},
		{"example", string(example)},
	} {
		req, err := liaison.DecodeRequest([]byte(c.req))
		if err != nil {
			b.Fatal(err)
		}
		for _, explain := range []bool{false, true} {
			name := c.name + "/explain=off"
			if explain {
				name = c.name + "/explain=on"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := set.Decide(req, law.Options{Explain: explain}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
