package desk

import (
	"encoding/json"

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
