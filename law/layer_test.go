package law_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/law"
)

// layer is a folder of law/testdata/layers as a layer.
func layer(name string) law.Layer {
	return law.Layer{Name: name, FS: os.DirFS("testdata/layers/" + name)}
}

func mustLayers(t *testing.T, ls ...law.Layer) *law.Set {
	t.Helper()
	s, err := law.LoadLayers(ls...)
	if err != nil {
		t.Fatalf("LoadLayers: %v", err)
	}
	return s
}

func detainerAt(j liaison.Jurisdiction, day string, convictions ...liaison.Offense) *liaison.Request {
	if convictions == nil {
		convictions = []liaison.Offense{} // known: none
	}
	at, err := time.Parse(time.DateOnly, day)
	if err != nil {
		panic(err)
	}
	return &liaison.Request{AsOf: at.Add(12 * time.Hour), Jurisdiction: j, Action: liaison.HonorDetainer,
		Agency: &liaison.Agency{NoLocalLaw: true}, Subject: &liaison.Subject{Convictions: convictions}}
}

func mustDecide(t *testing.T, s *law.Set, req *liaison.Request) *liaison.Decision {
	t.Helper()
	d, err := s.Decide(req, law.Options{})
	if err != nil {
		t.Fatalf("Decide: %v", err)
	}
	return d
}

func packOf(d *liaison.Decision, id string) *liaison.PackVersion {
	for i := range d.Packs {
		if d.Packs[i].ID == id {
			return &d.Packs[i]
		}
	}
	return nil
}

// A city's pack laid over its state's: both apply, and the decision says
// which layer each came from.
func TestLayersAdd(t *testing.T) {
	s := mustLayers(t, layer("base"), layer("city"))
	d := mustDecide(t, s, detainerAt("us/zz/town", "2016-01-01"))
	if d.Outcome != liaison.Forbidden || len(d.Decisive) != 1 || d.Decisive[0].Pack != "zz-town-ordinance" {
		t.Errorf("Decide(town, 2016) = %s by %v, want forbidden by the town's ordinance", d.Outcome, d.Decisive)
	}
	state, town := packOf(d, "zz-detainers"), packOf(d, "zz-town-ordinance")
	if state == nil || town == nil {
		t.Fatalf("Decide(town, 2016).Packs = %+v, want the state's and the town's", d.Packs)
	}
	if layerName(state) != "base" || layerName(town) != "city" || state.Layer.Replaces != "" || town.Layer.Replaces != "" {
		t.Errorf("packs %+v and %+v: want layers base and city, replacing nothing", state, town)
	}
	// Without the city's layer, the state's law alone answers.
	d = mustDecide(t, mustLayers(t, layer("base")), detainerAt("us/zz/town", "2016-01-01"))
	if d.Outcome != liaison.Permitted {
		t.Errorf("Decide(town, 2016) with the base layer alone = %s, want permitted", d.Outcome)
	}
}

// A pack with an earlier layer's pack's id replaces it: a proposed
// amendment, here the state's act without its 2018 version.
func TestLayersReplace(t *testing.T) {
	base := mustDecide(t, mustLayers(t, layer("base")), detainerAt("us/zz", "2019-06-01"))
	if base.Outcome != liaison.Forbidden {
		t.Fatalf("Decide(2019) with the base layer = %s, want forbidden", base.Outcome)
	}
	s := mustLayers(t, layer("base"), layer("amend"))
	if n := len(s.Packs()); n != 1 {
		t.Errorf("LoadLayers(base, amend) has %d packs, want 1: the amendment replaces the act", n)
	}
	d := mustDecide(t, s, detainerAt("us/zz", "2019-06-01"))
	if d.Outcome != liaison.Permitted {
		t.Errorf("Decide(2019) with the amendment = %s, want permitted", d.Outcome)
	}
	p := packOf(d, "zz-detainers")
	if p == nil || layerName(p) != "amend" || p.Layer.Replaces != "base" || p.Version != "2010" {
		t.Errorf("pack zz-detainers = %+v, want version 2010 of layer amend, replacing base's", p)
	}
	if _, replaces := s.Packs()[0].Layer(); replaces != "base" {
		t.Errorf("Pack.Layer replaces = %q, want base", replaces)
	}
}

// One layer alone is the --packs-only case: nothing of the others.
func TestLayersOnly(t *testing.T) {
	s := mustLayers(t, layer("city"))
	d := mustDecide(t, s, detainerAt("us/zz/town", "2016-01-01"))
	if packOf(d, "zz-detainers") != nil || packOf(d, "zz-town-ordinance") == nil {
		t.Errorf("Decide with the city's layer alone used %+v, want the town's pack only", d.Packs)
	}
}

// Two layers with different packs at one path would hide one in the
// stored pack set: refused, naming both.
func TestLayersClash(t *testing.T) {
	_, err := law.LoadLayers(layer("base"), layer("clash"))
	if err == nil || !strings.Contains(err.Error(), `us/zz/detainers.yaml`) || !strings.Contains(err.Error(), `"zz-other"`) {
		t.Fatalf("LoadLayers(base, clash) = %v, want an error naming the path and both ids", err)
	}
}

// The merged files load again, as a stored pack set does, to the same law.
func TestLayersFilesLoadAgain(t *testing.T) {
	s := mustLayers(t, layer("base"), layer("city"), layer("amend"))
	again, err := law.LoadFiles(s.Files())
	if err != nil {
		t.Fatal(err)
	}
	if again.Hash() != s.Hash() {
		t.Errorf("LoadFiles(Files()).Hash = %s, want %s", again.Hash(), s.Hash())
	}
	req := detainerAt("us/zz/town", "2019-06-01")
	if a, b := mustDecide(t, s, req), mustDecide(t, again, req); a.Outcome != b.Outcome {
		t.Errorf("Decide = %s layered, %s loaded again", a.Outcome, b.Outcome)
	}
}

func TestLayerTests(t *testing.T) {
	tests, err := law.LoadLayerTests(layer("base"), layer("base"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tests) != 3 {
		t.Errorf("LoadLayerTests(base, base) = %d tests, want 3: a test file of a later layer replaces the one at its path", len(tests))
	}
}

func layerName(p *liaison.PackVersion) string {
	if p.Layer == nil {
		return ""
	}
	return p.Layer.Name
}
