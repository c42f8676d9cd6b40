package law

import (
	"strings"
	"testing"
	"testing/fstest"
)

// lintFindings returns the findings about file whose message contains sub.
func lintFindings(fs []Finding, sub string) []Finding {
	var out []Finding
	for _, f := range fs {
		if strings.Contains(f.Msg, sub) {
			out = append(out, f)
		}
	}
	return out
}

// Versions of one instrument with days between them that no version covers.
func TestLintVersionGap(t *testing.T) {
	versions := func(secondFrom string) fstest.MapFS {
		return fsOf(raw("us/zz/zz.yaml", `
id: zz
title: ZZ Act
jurisdiction: us/zz
kind: statute
citation: ZZ Act
versions:
  - version: "1"
    effective_from: 2000-01-01
    effective_to: 2009-12-31
    rules:
      - {id: a, actions: [honor_detainer], effect: forbid, citation: ZZ 1}
  - version: "2"
    effective_from: `+secondFrom+`
    rules:
      - {id: a, actions: [honor_detainer], effect: forbid, citation: ZZ 1}
`))
	}
	gap := lintFindings(mustLoad(t, versions("2010-03-01")).Lint(nil), "no version in force")
	if len(gap) != 1 || !strings.Contains(gap[0].Msg, "from 2010-01-01 to 2010-02-28") || gap[0].File != "us/zz/zz.yaml" {
		t.Errorf("Lint(gap of two months) = %v, want one finding naming 2010-01-01 to 2010-02-28 in us/zz/zz.yaml", gap)
	}
	if got := lintFindings(mustLoad(t, versions("2010-01-01")).Lint(nil), "no version in force"); len(got) != 0 {
		t.Errorf("Lint(versions back to back) = %v, want no gap", got)
	}
}

// A rule that holds in none of the tests is reported; one that holds in a
// test is not; without tests nothing is said.
func TestLintIdleRule(t *testing.T) {
	s := mustLoad(t, fsOf(raw("us/zz/zz.yaml", zzHeader+`
      - id: minor
        actions: [honor_detainer]
        effect: forbid
        citation: ZZ Act 2
        when:
          - cel: subject.age < 18
            says: the person is a minor
      - id: contradiction
        actions: [honor_detainer]
        effect: forbid
        citation: ZZ Act 3
        when:
          - cel: subject.age < 18
            says: the person is a minor
          - cel: subject.age > 65
            says: the person is over 65
`)))
	tests, err := LoadTests(fstest.MapFS{"us/zz/zz.test.yaml": &fstest.MapFile{Data: []byte(`
tests:
  - id: minor
    request: {as_of: "2020-06-01", jurisdiction: us/zz, action: honor_detainer, subject: {age: 16}}
    expect: {outcome: forbidden}
`)}})
	if err != nil {
		t.Fatalf("LoadTests: %v", err)
	}
	idle := lintFindings(s.Lint(tests), "holds in none")
	if len(idle) != 1 || idle[0].Rule != "contradiction" {
		t.Errorf("Lint(tests) idle rules = %v, want only contradiction", idle)
	}
	if got := lintFindings(s.Lint(nil), "holds in none"); len(got) != 0 {
		t.Errorf("Lint(nil) = %v, want nothing about idle rules without tests", got)
	}
}
