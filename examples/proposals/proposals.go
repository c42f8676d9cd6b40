// Package proposals bundles the prepared proposals of examples/proposals
// in the binary: folders of packs to lay over the bundled law (`liaison
// simulate --packs DIR`, and the simulate page).
package proposals

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed boston-without-2019
var files embed.FS

// A Proposal is a prepared folder of packs.
type Proposal struct {
	// Name is its folder's name.
	Name string
	// FS holds its packs, as a folder given to --packs does.
	FS fs.FS
}

// All returns the bundled proposals, in the order of their names.
func All() []Proposal {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		panic(err) // embedded: cannot fail
	}
	var out []Proposal
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		sub, err := fs.Sub(files, e.Name())
		if err != nil {
			panic(err)
		}
		out = append(out, Proposal{Name: e.Name(), FS: sub})
	}
	return out
}

// Dir returns the proposals in dir: each folder in it is one, named by the
// folder (as `liaison serve --proposals DIR` offers them on the simulate
// page).
func Dir(dir string) ([]Proposal, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("proposals: %w", err)
	}
	var out []Proposal
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, Proposal{Name: e.Name(), FS: os.DirFS(filepath.Join(dir, e.Name()))})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("proposals: %s holds no folder of packs", dir)
	}
	return out, nil
}
