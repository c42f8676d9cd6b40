package law

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strings"

	"liaison"
)

// EngineVersion names the engine's semantics. It changes with every change
// to the engine that can answer the same facts under the same packs
// differently (combination, activation, unknown facts, duties), so that a
// stored decision says which engine made it. Explanation wording alone
// does not change it. Version 2: dates and business hours in the
// agency's time zone (docs/packs.md, "Local time"); a decision of
// version 1 made for an agency away from UTC may be answered otherwise.
const EngineVersion = "liaison-engine/2"

// packSetDomain separates the pack set hash from every other SHA-256 the
// system computes.
const packSetDomain = "liaison.packset.v1"

// HashFiles returns the hex SHA-256 that names a pack set: over the
// domain "liaison.packset.v1" and a zero byte, then, for each file in
// order of path (bytewise), the path's length (8 bytes, big-endian), the
// path, the text's length (8 bytes, big-endian) and the text. The order
// the files are given in does not matter; their bytes do, every one.
func HashFiles(files []liaison.PackFile) string {
	h := sha256.New()
	h.Write([]byte(packSetDomain))
	h.Write([]byte{0})
	var n [8]byte
	for _, f := range sortedFiles(files) {
		binary.BigEndian.PutUint64(n[:], uint64(len(f.Path)))
		h.Write(n[:])
		h.Write([]byte(f.Path))
		binary.BigEndian.PutUint64(n[:], uint64(len(f.Text)))
		h.Write(n[:])
		h.Write([]byte(f.Text))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sortedFiles(files []liaison.PackFile) []liaison.PackFile {
	return slices.SortedFunc(slices.Values(files), func(a, b liaison.PackFile) int { return strings.Compare(a.Path, b.Path) })
}

// Hash returns the hash of the pack files the set was loaded from (see
// HashFiles): the id of its stored pack set.
func (s *Set) Hash() string { return s.hash }

// Files returns the pack files the set was loaded from, sorted by path:
// what a stored pack set holds, to load again with LoadFiles. The caller
// must not change them.
func (s *Set) Files() []liaison.PackFile { return s.files }
