package packs_test

import (
	"strings"
	"testing"

	"liaison"
	"liaison/law"
)

// TestPendingCasesShown checks that a decision under a law challenged in
// court names the case in its deciding rule's citation from the day the case
// was filed, and not before: the packs encode the law as written and in force
// and mark the rules the case puts in question.
func TestPendingCasesShown(t *testing.T) {
	set, _ := load(t)
	for _, tc := range []struct {
		name, request, pack, want string
		named                     bool
	}{
		{"us/il before the suit",
			`{"as_of": "2025-02-05", "jurisdiction": "us/il/kane-county", "action": "share_info", "request": {"kind": "information_request", "issuer": "ICE", "info_requested": ["release_date"]}}`,
			"us-il-trust-act", "United States v. Illinois", false},
		{"us/il while pending",
			`{"as_of": "2025-02-06", "jurisdiction": "us/il/kane-county", "action": "share_info", "request": {"kind": "information_request", "issuer": "ICE", "info_requested": ["release_date"]}}`,
			"us-il-trust-act", "United States v. Illinois (N.D. Ill., filed 2025-02-06), pending", true},
		{"us/il after dismissal",
			`{"as_of": "2025-07-25", "jurisdiction": "us/il/kane-county", "action": "share_info", "request": {"kind": "information_request", "issuer": "ICE", "info_requested": ["release_date"]}}`,
			"us-il-trust-act", "dismissed 2025-07-25", true},
		{"cook county detainer while pending",
			`{"as_of": "2025-03-01", "jurisdiction": "us/il/cook-county", "action": "honor_detainer", "request": {"kind": "detainer", "form": "I-247A", "warrant": {"kind": "administrative"}}}`,
			"us-il-cook-county-46-37", "United States v. Illinois (N.D. Ill., filed 2025-02-06), pending", true},
		{"cook county detainer before the suit",
			`{"as_of": "2025-02-05", "jurisdiction": "us/il/cook-county", "action": "honor_detainer", "request": {"kind": "detainer", "form": "I-247A", "warrant": {"kind": "administrative"}}}`,
			"us-il-cook-county-46-37", "United States v. Illinois", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := liaison.DecodeRequest([]byte(tc.request))
			if err != nil {
				t.Fatal(err)
			}
			d, err := set.Decide(req, law.Options{})
			if err != nil {
				t.Fatal(err)
			}
			named, decided := false, false
			for _, r := range d.Decisive {
				if r.Pack == tc.pack && strings.Contains(r.Citation, tc.want) {
					named = true
				}
				decided = decided || r.Pack == tc.pack
			}
			if !decided {
				t.Fatalf("Decide(%s): decisive %v, none from %s", tc.name, d.Decisive, tc.pack)
			}
			if named != tc.named {
				t.Errorf("Decide(%s): decisive %v; names %q = %v, want %v", tc.name, d.Decisive, tc.want, named, tc.named)
			}
		})
	}
}
