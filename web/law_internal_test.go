package web

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"liaison"
	"liaison/law"
	"liaison/packs"
)

// TestLawTree: the tree runs federal → states → counties and cities, each
// pack under its jurisdiction, with the layer it came from.
func TestLawTree(t *testing.T) {
	set, err := law.LoadLayers(law.Layer{Name: "bundled", FS: packs.FS()})
	if err != nil {
		t.Fatal(err)
	}
	root := lawTree(set)
	if root.Path != "us" || root.Name != "Federal" {
		t.Fatalf("lawTree root = %s %q, want us, Federal", root.Path, root.Name)
	}
	find := func(n *lawNode, j liaison.Jurisdiction) *lawNode {
		for _, c := range n.Children {
			if c.Path == j {
				return c
			}
		}
		return nil
	}
	ma := find(root, "us/ma")
	if ma == nil {
		t.Fatal("lawTree: no us/ma below us")
	}
	boston := find(ma, "us/ma/boston")
	if boston == nil || boston.Name != "Boston" || len(boston.Packs) == 0 {
		t.Fatalf("lawTree: us/ma/boston below us/ma = %+v, want Boston with packs", boston)
	}
	if find(root, "us/ma/boston") != nil {
		t.Error("lawTree: us/ma/boston is also directly below us")
	}
	seen := 0
	var walk func(n *lawNode)
	walk = func(n *lawNode) {
		for _, p := range n.Packs {
			seen++
			pk := findPack(set, p.ID)
			if pk == nil || pk.Jurisdiction != n.Path {
				t.Errorf("lawTree: pack %s under %s", p.ID, n.Path)
			}
			if p.Layer != "bundled" || p.LayerText() != "bundled" {
				t.Errorf("lawTree: pack %s from layer %q (%q), want bundled", p.ID, p.Layer, p.LayerText())
			}
		}
		for i, c := range n.Children {
			if i > 0 && n.Children[i-1].Name > c.Name {
				t.Errorf("lawTree: %s before %s, want names in order", n.Children[i-1].Name, c.Name)
			}
			walk(c)
		}
	}
	walk(root)
	if seen != len(set.Packs()) {
		t.Errorf("lawTree shows %d packs, want all %d", seen, len(set.Packs()))
	}
}

// TestLayerText says a replaced or added pack's layer in words.
func TestLayerText(t *testing.T) {
	for _, tc := range []struct {
		p    packSummary
		want string
	}{
		{packSummary{Layer: "bundled"}, "bundled"},
		{packSummary{Layer: "proposals"}, "added from proposals"},
		{packSummary{Layer: "proposals", Replaces: "bundled"}, "from proposals, replacing the bundled pack"},
	} {
		if got := tc.p.LayerText(); got != tc.want {
			t.Errorf("LayerText(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

// TestLawTreeLayers: a pack laid over the bundled ones says so, and one
// that replaces a bundled pack says which it replaced.
func TestLawTreeLayers(t *testing.T) {
	text, err := fs.ReadFile(packs.FS(), "us/ca/values-act.yaml")
	if err != nil {
		t.Fatal(err)
	}
	amended := strings.Replace(string(text), "title: California Values Act", "title: Proposed California Values Act", 1)
	added := "id: us-ca-proposed\ntitle: A proposed ordinance\njurisdiction: us/ca/example-city\nkind: ordinance\ncitation: Example City Code 1\n" +
		"versions:\n  - version: \"2030\"\n    effective_from: 2030-01-01\n    rules:\n      - id: r\n        actions: [honor_detainer]\n        effect: forbid\n        citation: Example City Code 1\n"
	set, err := law.LoadLayers(law.Layer{Name: "bundled", FS: packs.FS()},
		law.Layer{Name: "proposals", FS: fstest.MapFS{"us/ca/values-act.yaml": {Data: []byte(amended)}, "us/ca/example-city/proposed.yaml": {Data: []byte(added)}}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]packSummary{}
	var walk func(n *lawNode)
	walk = func(n *lawNode) {
		for _, p := range n.Packs {
			got[p.ID] = p
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(lawTree(set))
	if p := got["us-ca-values-act"]; p.LayerText() != "from proposals, replacing the bundled pack" || !strings.HasPrefix(p.Title, "Proposed") {
		t.Errorf("replaced pack: %q %q", p.Title, p.LayerText())
	}
	if p := got["us-ca-proposed"]; p.LayerText() != "added from proposals" {
		t.Errorf("added pack: %q", p.LayerText())
	}
	if p := got["us-ca-trust-act"]; p.LayerText() != "bundled" {
		t.Errorf("bundled pack: %q", p.LayerText())
	}
}
