package desk

import (
	"encoding/json"
	"strings"

	"cel.dev/cel-go/common/ast"

	"liaison"
	"liaison/law"
)

// EditReplayPage returns a page body (whose rows name strings below
// nstrs) with its first row's outcome made string number outcome, or nil
// when it does not decode: a tamperer's edit, for the tests of package
// desk_test.
func EditReplayPage(body []byte, nstrs int, outcome uint32) []byte {
	r := &pageReader{b: body, strs: nstrs}
	var out []byte
	var prev pageRow
	for i := 0; r.next(); i++ {
		row := r.row
		if i == 0 {
			row.outcome = outcome
		}
		out = appendRow(out, &prev, &row)
		prev = row
	}
	if r.err != nil {
		return nil
	}
	return out
}

// PruneFactSet prunes a fact set to what the rules of sets read at
// jurisdiction j, streamed (as a simulation does) and through a decoded
// document (prune, the plain way), for the tests of package desk_test.
func PruneFactSet(j liaison.Jurisdiction, factSet string, sets ...*law.Set) (streamed, plain string, err error) {
	r, err := readsOf(j, map[string]ast.Expr{}, sets...)
	if err != nil {
		return "", "", err
	}
	s, err := r.pruneJSON(factSet)
	if err != nil {
		return "", "", err
	}
	var doc any
	if err := json.Unmarshal([]byte(factSet), &doc); err != nil {
		return "", "", err
	}
	p, err := json.Marshal(r.prune(doc, ""))
	return string(s), string(p), err
}

// AllStringsLong returns opt with every replay string but the empty one
// read when a page names it, none at the start, for the tests of package
// desk_test.
func AllStringsLong(opt SimulateOptions) SimulateOptions {
	opt.shortString = 1
	return opt
}

// prune keeps, of a fact set decoded as JSON (maps, lists, values), what
// the rules read, in place: pruneJSON's oracle, the plain way.
func (r *reads) prune(v any, path string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if keepsAll(r, p) {
				continue
			}
			if !r.needs(p) {
				delete(x, k)
				continue
			}
			x[k] = r.prune(c, p)
		}
	case []any:
		for i, c := range x {
			x[i] = r.prune(c, path+".[]")
		}
	}
	return v
}

// needs: something at or below p is read, found from the paths read
// themselves (pruneJSON looks it up in under).
func (r *reads) needs(p string) bool {
	if _, ok := r.paths[p]; ok {
		return true
	}
	for q := range r.paths {
		if strings.HasPrefix(q, p+".") {
			return true
		}
	}
	return false
}
