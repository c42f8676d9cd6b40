package desk_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"liaison/desk"
)

// TestPruneFactSets: the streamed pruning of a fact set (what a
// simulation keys its inputs by) keeps what the plain one, through a
// decoded document, keeps, for every fact set of a generated history at
// each of its agencies' places, under today's law and the proposals; and
// two fact sets prune to the same bytes exactly when they prune to the
// same document.
func TestPruneFactSets(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a history")
	}
	ctx := context.Background()
	e := newEnv(t)
	res := generateHistory(t, e.store, e.set, 7, 300)
	if err := desk.FillReplay(ctx, e.store); err != nil {
		t.Fatal(err)
	}
	strs, err := e.store.ReplayStrings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var factSets []string
	for _, s := range strs {
		if strings.HasPrefix(s, "{") {
			factSets = append(factSets, s)
		}
	}
	if len(factSets) < 50 {
		t.Fatalf("%d fact sets: want more to compare", len(factSets))
	}
	proposals := stateProposals(t)
	proposals["boston-without-2019"] = proposal(t)
	shorter, merged := 0, false
	for _, a := range res.Agencies {
		for name, prop := range proposals {
			byPlain, byStreamed := map[string]string{}, map[string]string{}
			dropped := 0
			for _, fs := range factSets {
				streamed, plain, err := desk.PruneFactSet(a.Jurisdiction, fs, e.set, prop)
				if err != nil {
					t.Fatal(err)
				}
				var s, p any
				if err := json.Unmarshal([]byte(streamed), &s); err != nil {
					t.Fatalf("%s, %s: pruned %s: %v", a.Jurisdiction, name, streamed, err)
				}
				if err := json.Unmarshal([]byte(plain), &p); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(s, p) {
					t.Errorf("%s, %s: fact set %s\npruned streamed %s\nplain %s", a.Jurisdiction, name, fs, streamed, plain)
				}
				if w, ok := byPlain[plain]; ok && w != streamed {
					t.Errorf("%s, %s: pruned alike (%s), streamed otherwise: %s and %s", a.Jurisdiction, name, plain, w, streamed)
				}
				if w, ok := byStreamed[streamed]; ok && w != plain {
					t.Errorf("%s, %s: streamed alike (%s), pruned otherwise: %s and %s", a.Jurisdiction, name, streamed, w, plain)
				}
				byPlain[plain], byStreamed[streamed] = streamed, plain
				if len(streamed) < len(fs) {
					dropped++
				}
			}
			t.Logf("%s, %s: %d fact sets, %d made shorter, %d distinct once pruned", a.Jurisdiction, name, len(factSets), dropped, len(byPlain))
			shorter += dropped
			merged = merged || len(byPlain) < len(factSets)
		}
	}
	if shorter == 0 || !merged {
		t.Errorf("pruning made %d fact sets shorter and merged none: the test would show nothing", shorter)
	}
}
