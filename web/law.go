package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"liaison"
	"liaison/law"
)

// The public law pages: the jurisdictions as a tree (/law), each
// instrument with its versions on a timeline (/law/packs/{pack}), each
// rule with its condition in words, its CEL and its pack tests
// (/law/rules/{pack}/{rule}, rule.go). They read the desk's law set and
// nothing else: no session is needed, none is made, nothing is stored.

// lawNode is a jurisdiction of the tree, with its packs and the
// jurisdictions below it.
type lawNode struct {
	Path     liaison.Jurisdiction
	Name     string
	Packs    []packSummary
	Children []*lawNode
}

// packSummary is a pack as the tree lists it.
type packSummary struct {
	ID, Title, Kind, Citation string
	// Layer is where the pack came from: "bundled", a folder laid over
	// it, or "" when the set was not loaded in layers; Replaces the layer
	// of the pack of the same id it replaced.
	Layer, Replaces string
	Versions        int
	// From is the first version's first day; Latest the last version;
	// Amended the first days of the versions after the first.
	From, Latest string
	Amended      []string
}

// LayerText says where the pack came from, in words.
func (p packSummary) LayerText() string {
	switch {
	case p.Replaces != "":
		return "from " + p.Layer + ", replacing the " + p.Replaces + " pack"
	case p.Layer == "bundled":
		return "bundled"
	}
	return "added from " + p.Layer
}

func summarize(p *law.Pack) packSummary {
	layer, replaces := p.Layer()
	ps := packSummary{ID: p.ID, Title: p.Title, Kind: p.Kind, Citation: p.Citation, Layer: layer, Replaces: replaces, Versions: len(p.Versions)}
	if n := len(p.Versions); n > 0 {
		ps.From = p.Versions[0].EffectiveFrom.String()
		ps.Latest = p.Versions[n-1].Version
		for _, v := range p.Versions[1:] {
			ps.Amended = append(ps.Amended, v.EffectiveFrom.String())
		}
	}
	return ps
}

// lawTree builds the tree of the set's jurisdictions, from the federal
// level down; a level with no pack of its own (a state above a city's
// ordinance) is in the tree, empty.
func lawTree(set *law.Set) *lawNode {
	nodes := map[liaison.Jurisdiction]*lawNode{}
	var node func(j liaison.Jurisdiction) *lawNode
	node = func(j liaison.Jurisdiction) *lawNode {
		if n := nodes[j]; n != nil {
			return n
		}
		name := law.PlaceName(j)
		n := &lawNode{Path: j, Name: strings.ToUpper(name[:1]) + name[1:]}
		nodes[j] = n
		if i := strings.LastIndexByte(string(j), '/'); i > 0 {
			parent := node(j[:i])
			parent.Children = append(parent.Children, n)
		}
		return n
	}
	root := node("us")
	for _, p := range set.Packs() {
		n := node(p.Jurisdiction)
		n.Packs = append(n.Packs, summarize(p))
	}
	var sortTree func(n *lawNode)
	sortTree = func(n *lawNode) {
		slices.SortFunc(n.Packs, func(a, b packSummary) int { return strings.Compare(a.Title, b.Title) })
		slices.SortFunc(n.Children, func(a, b *lawNode) int { return strings.Compare(a.Name, b.Name) })
		for _, c := range n.Children {
			sortTree(c)
		}
	}
	sortTree(root)
	return root
}

type lawIndexData struct {
	Tree *lawNode
	// Layers are the layers the law was loaded from, first to last.
	Layers []string
	// Map and Diff say whether the map of the law and the packs-diff
	// pages are served, to link to them.
	Map, Diff bool
}

// lawIndex shows the jurisdictions as a tree, each with its instruments.
func (s *Site) lawIndex(w http.ResponseWriter, r *http.Request, ss *session) {
	set := s.cfg.Desk.Law()
	data := lawIndexData{Tree: lawTree(set)}
	for _, l := range set.Layers() {
		data.Layers = append(data.Layers, l.Name)
	}
	for _, rt := range s.routes() {
		data.Map = data.Map || rt.pattern == "GET /law/map"
		data.Diff = data.Diff || rt.pattern == "GET /law/diff"
	}
	s.render(w, r, http.StatusOK, "law_index", view{Title: "The law", Actor: actorOf(ss), Nav: "law", Data: data})
}

// packVersion is a version of an instrument on its timeline.
type packVersion struct {
	Version  string
	From, To string
	Citation string
	Source   string
	Notes    string
	// Amends names the version this one amended ("" for the first).
	Amends string
	Rules  []*law.Rule
}

type lawPackData struct {
	Pack     *law.Pack
	Summary  packSummary
	Place    string
	Ruling   bool
	Versions []packVersion
}

// lawPack shows an instrument: what it is, where it came from, and its
// versions in order of time, each with its rules.
func (s *Site) lawPack(w http.ResponseWriter, r *http.Request, ss *session) {
	p := findPack(s.cfg.Desk.Law(), r.PathValue("pack"))
	if p == nil {
		s.errorPage(w, r, ss, http.StatusNotFound, "No pack "+r.PathValue("pack")+".")
		return
	}
	data := lawPackData{Pack: p, Summary: summarize(p), Place: law.PlaceName(p.Jurisdiction), Ruling: p.Kind == "ruling"}
	for i, v := range p.Versions {
		pv := packVersion{Version: v.Version, From: v.EffectiveFrom.String(), Citation: v.Citation, Source: v.Source, Notes: v.Notes, Rules: v.Rules}
		if v.EffectiveTo != nil {
			pv.To = v.EffectiveTo.String()
		}
		if i > 0 {
			pv.Amends = p.Versions[i-1].Version
		}
		data.Versions = append(data.Versions, pv)
	}
	s.render(w, r, http.StatusOK, "law_pack", view{Title: p.Title, Actor: actorOf(ss), Nav: "law", Data: data})
}

func findPack(set *law.Set, id string) *law.Pack {
	for _, p := range set.Packs() {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// testRow is a pack test as a rule's page lists it.
type testRow struct {
	ID, File string
	// Inputs says the test's request in a line.
	Inputs   string
	Expected liaison.Outcome
	// Decisive says the rule decided the test's answer, not only held.
	Decisive bool
}

// packTests are the pack tests of the law's layers, each run once, by
// the rules whose conditions held in its decision ("pack/rule").
type packTests struct {
	once   sync.Once
	byRule map[string][]testRow
	err    error
}

// testsOf returns the pack tests that exercise the rule key ("pack/rule"):
// those whose decision the rule's condition held in. The tests are read
// from the law's layers and run the first time a rule page asks; a set
// not loaded in layers has none.
func (s *Site) testsOf(key string) ([]testRow, error) {
	pt := &s.packTests
	pt.once.Do(func() {
		set := s.cfg.Desk.Law()
		pt.byRule = map[string][]testRow{}
		tests, err := law.LoadLayerTests(set.Layers()...)
		if err != nil {
			pt.err = fmt.Errorf("load pack tests: %w", err)
			return
		}
		for _, t := range tests {
			res := set.Run(t)
			if res.Decision == nil {
				continue
			}
			row := testRow{ID: t.ID, File: t.File(), Inputs: inputsOf(t.DecisionRequest()), Expected: t.Expect.Outcome}
			for _, c := range res.Decision.Considered {
				if c.Held == nil || !*c.Held {
					continue
				}
				k := c.Pack + "/" + c.Rule
				row.Decisive = slices.ContainsFunc(res.Decision.Decisive, func(d liaison.RuleRef) bool { return d.Pack == c.Pack && d.Rule == c.Rule })
				if n := len(pt.byRule[k]); n == 0 || pt.byRule[k][n-1].ID != t.ID || pt.byRule[k][n-1].File != row.File {
					pt.byRule[k] = append(pt.byRule[k], row)
				}
			}
		}
	})
	return pt.byRule[key], pt.err
}

// inputsOf says a request in a line: where, when, what is asked, on what
// paper, and the person's custody and record.
func inputsOf(req *liaison.Request) string {
	parts := []string{string(req.Jurisdiction), req.AsOf.Format("2006-01-02"), words(req.Action)}
	if f := req.Request; f != nil {
		if f.Kind != "" {
			parts = append(parts, words(f.Kind))
		}
		if f.Form != "" {
			parts = append(parts, "form "+string(f.Form))
		}
		if f.Warrant != nil && f.Warrant.Kind != "" {
			parts = append(parts, "warrant: "+words(f.Warrant.Kind))
		}
	}
	if a := req.Agency; a != nil && a.Type != "" {
		parts = append(parts, "agency: "+words(a.Type))
	}
	if sub := req.Subject; sub != nil {
		if sub.Custody != nil && sub.Custody.Status != "" {
			parts = append(parts, words(sub.Custody.Status))
		}
		switch {
		case sub.Convictions == nil:
		case len(sub.Convictions) == 0:
			parts = append(parts, "no convictions")
		default:
			parts = append(parts, fmt.Sprintf("%d conviction(s)", len(sub.Convictions)))
		}
		if n := len(sub.PendingCharges); n > 0 {
			parts = append(parts, fmt.Sprintf("%d pending charge(s)", n))
		}
	}
	return strings.Join(parts, " · ")
}
