package law

import (
	"encoding/json"
	"sync"
	"testing"

	"liaison/packs"
)

// Decide is used from many goroutines at once (the server, bulk replay):
// pooled working space must never leak between decisions.
func TestDecideConcurrently(t *testing.T) {
	s, err := Load(packs.FS())
	if err != nil {
		t.Fatal(err)
	}
	tests, err := LoadTests(packs.FS())
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, len(tests))
	for i, tc := range tests {
		d, err := s.Decide(tc.DecisionRequest(), Options{Explain: true})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(d)
		want[i] = string(b)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for round := range 3 {
				for i := range tests {
					tc := tests[(i+w*7+round)%len(tests)]
					d, err := s.Decide(tc.DecisionRequest(), Options{Explain: (i+w)%2 == 0})
					if err != nil {
						t.Error(err)
						return
					}
					if (i+w)%2 != 0 {
						continue
					}
					b, _ := json.Marshal(d)
					if got := string(b); got != want[(i+w*7+round)%len(tests)] {
						t.Errorf("concurrent Decide(%s) differs from the sequential one", tc.ID)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}
