// Package packs holds the bundled law packs — one YAML file per legal
// instrument, with its tests beside it — embedded in the binary. They are
// illustrative encodings with citations, not legal advice.
package packs

import (
	"embed"
	"io/fs"
)

//go:embed us
var files embed.FS

// FS returns the bundled packs and tests, rooted above "us".
func FS() fs.FS { return files }

//go:embed cases
var cases embed.FS

// Cases returns the named standard cases the law map shows (NAME.json,
// see law.LoadPresets), rooted at their folder.
func Cases() fs.FS {
	sub, err := fs.Sub(cases, "cases")
	if err != nil {
		panic(err) // the folder is embedded above
	}
	return sub
}
