package law

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/goccy/go-yaml"

	"liaison"
)

// A Layer is a folder of packs laid over the layers before it: a city's
// ordinance over its state's and the federal law, or a proposed amendment
// in place of the pack it amends.
type Layer struct {
	// Name says where the layer's packs come from ("bundled", a folder):
	// decisions name it beside each pack version they used.
	Name string
	FS   fs.FS
	// Files are the layer's pack files when it has no FS: a set read
	// back from the store, or another set's files (Set.Files).
	Files []liaison.PackFile
}

// LoadLayers loads the packs of every layer as one set. A pack whose id is
// also a pack's of an earlier layer replaces that pack; the others are
// added. Two files of different layers at the same path, with different
// ids, are an error (one would hide the other in the stored pack set).
// Each pack version a decision names says its layer, and the layer of
// the pack it replaced (liaison.PackVersion.Layer).
//
// The set's files, and so its hash, are the merged files: a stored pack
// set of a layered set loads again with LoadFiles as the same law, but
// without the layer names.
func LoadLayers(layers ...Layer) (*Set, error) {
	type placed struct {
		file  liaison.PackFile
		id    string
		layer int
	}
	var merged []placed
	replaced := map[string]string{} // pack id → the layer of the pack it replaced
	for li, l := range layers {
		files := l.Files
		if l.FS != nil {
			var err error
			if files, err = packFiles(l.FS); err != nil {
				return nil, fmt.Errorf("layer %s: %w", l.Name, err)
			}
		}
		for _, f := range files {
			id := packID(f.Text)
			if id != "" {
				if i := slices.IndexFunc(merged, func(p placed) bool { return p.id == id && p.layer < li }); i >= 0 {
					replaced[id] = layers[merged[i].layer].Name
					merged = slices.Delete(merged, i, i+1)
				}
			}
			merged = append(merged, placed{file: f, id: id, layer: li})
		}
	}
	var errs []error
	files := make([]liaison.PackFile, len(merged))
	layerOf := map[string]int{}
	for i, p := range merged {
		files[i] = p.file
		if j := slices.IndexFunc(merged[:i], func(q placed) bool { return q.file.Path == p.file.Path }); j >= 0 {
			errs = append(errs, &PackError{File: p.file.Path, Line: 1, Col: 1, Msg: fmt.Sprintf(
				"layer %s has a pack at this path with id %q, layer %s one with id %q: give the pack the same id to replace it, or another path to add it",
				layers[merged[j].layer].Name, merged[j].id, layers[p.layer].Name, p.id)})
		}
		layerOf[p.id] = p.layer
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s, err := LoadFiles(files)
	if err != nil {
		return nil, err
	}
	for _, pk := range s.packs {
		pk.layer = &liaison.PackLayer{Name: layers[layerOf[pk.ID]].Name, Replaces: replaced[pk.ID]}
	}
	s.layers = slices.Clone(layers)
	s.tests = sync.OnceValues(func() ([]*Test, error) { return LoadLayerTests(layers...) })
	return s, nil
}

// LoadLayerTests reads the pack tests of every layer (see LoadTests). A
// test file at the same path as one of an earlier layer replaces it.
func LoadLayerTests(layers ...Layer) ([]*Test, error) {
	var out []*Test
	for _, l := range layers {
		if l.FS == nil {
			continue // a layer given as files has packs, not tests
		}
		tests, err := LoadTests(l.FS)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.Name, err)
		}
		files := map[string]bool{}
		for _, t := range tests {
			files[t.file] = true
		}
		out = slices.DeleteFunc(out, func(o *Test) bool { return files[o.file] })
		out = append(out, tests...)
	}
	return out, nil
}

// Tests returns the pack tests of the set's layers (LoadLayerTests), read
// once per set; none for a set not loaded in layers. They are shared:
// callers must not change them.
func (s *Set) Tests() ([]*Test, error) {
	if s.tests == nil {
		return nil, nil
	}
	return s.tests()
}

// Layer returns the name of the layer the pack came from ("" when the set
// was not loaded in layers), and the layer of the pack of the same id it
// replaced ("" when it replaced none).
func (p *Pack) Layer() (layer, replaces string) {
	if p.layer == nil {
		return "", ""
	}
	return p.layer.Name, p.layer.Replaces
}

// Layers returns the layers the set was loaded from, first to last (none
// when it was loaded otherwise).
func (s *Set) Layers() []Layer { return s.layers }

// packFiles reads every pack (*.yaml, but not *.test.yaml) below fsys's root.
func packFiles(fsys fs.FS) ([]liaison.PackFile, error) {
	var files []liaison.PackFile
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".test.yaml") {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files = append(files, liaison.PackFile{Path: p, Text: string(data)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read packs: %w", err)
	}
	return files, nil
}

// packID returns the id a pack file gives itself, or "" when it cannot be
// read (LoadFiles then says why).
func packID(text string) string {
	var head struct {
		ID string `yaml:"id"`
	}
	if err := yaml.Unmarshal([]byte(text), &head); err != nil {
		return ""
	}
	return head.ID
}
