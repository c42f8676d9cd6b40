package law

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"liaison"
)

// pack writes a small synthetic pack; rules are YAML list items.
type packFile struct {
	name string
	f    *fstest.MapFile
}

func pack(id, jur, kind string, rules ...string) packFile {
	body := fmt.Sprintf("id: %s\ntitle: %s\njurisdiction: %s\nkind: %s\ncitation: %s\nversions:\n  - version: \"1\"\n    effective_from: 2000-01-01\n    rules:\n", id, id, jur, kind, id)
	for _, r := range rules {
		body += "      - " + strings.ReplaceAll(strings.TrimSpace(r), "\n", "\n        ") + "\n"
	}
	return packFile{jur + "/" + id + ".yaml", &fstest.MapFile{Data: []byte(body)}}
}

func rule(id, effect, extra string) string {
	return fmt.Sprintf("id: %s\nactions: [honor_detainer]\neffect: %s\ncitation: %s section\n%s", id, effect, id, extra)
}

func fsOf(files ...packFile) fstest.MapFS {
	m := fstest.MapFS{}
	for _, f := range files {
		m[f.name] = f.f
	}
	return m
}

func mustLoad(t *testing.T, fsys fstest.MapFS) *Set {
	t.Helper()
	s, err := Load(fsys)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

func decide(t *testing.T, s *Set, js string) *liaison.Decision {
	t.Helper()
	req, err := liaison.DecodeRequest([]byte(js))
	if err != nil {
		t.Fatalf("DecodeRequest(%s): %v", js, err)
	}
	d, err := s.Decide(req, Options{Explain: true})
	if err != nil {
		t.Fatalf("Decide: %v", err)
	}
	return d
}

func keys(refs []liaison.RuleRef) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Pack+"/"+r.Rule)
	}
	slices.Sort(out)
	return out
}

func status(d *liaison.Decision, key string) liaison.Status {
	for _, c := range d.Considered {
		if c.Pack+"/"+c.Rule == key {
			return c.Status
		}
	}
	return ""
}

const zzReq = `{"as_of": "2020-06-01", "jurisdiction": "us/zz/town", "action": "honor_detainer"}`

// TestSemantics runs the combination rules of shared/spec/semantics-cases.md.
func TestSemantics(t *testing.T) {
	pre := "preempts: true\n"
	tests := []struct {
		name        string
		fs          fstest.MapFS
		req         string
		want        liaison.Outcome
		decisive    []string
		statuses    map[string]liaison.Status
		missing     []string
		explanation string
	}{
		{name: "01 no rule", fs: fsOf(pack("zz", "us/zz", "statute")), req: zzReq,
			want: liaison.Permitted, explanation: "no rule"},
		{name: "02 state forbid", fs: fsOf(pack("zz", "us/zz", "statute", rule("ban", "forbid", ""))), req: zzReq,
			want: liaison.Forbidden, decisive: []string{"zz/ban"}},
		{name: "03 lower forbid narrows upper permit",
			fs:  fsOf(pack("fed", "us", "statute", rule("may", "permit", "")), pack("zz", "us/zz", "statute", rule("ban", "forbid", ""))),
			req: zzReq, want: liaison.Forbidden, decisive: []string{"zz/ban"}},
		{name: "04 preempting upper permit voids lower forbid",
			fs:  fsOf(pack("fed", "us", "statute", rule("may", "permit", pre)), pack("zz", "us/zz", "statute", rule("ban", "forbid", ""))),
			req: zzReq, want: liaison.Permitted, decisive: []string{"fed/may"},
			statuses: map[string]liaison.Status{"zz/ban": liaison.StatusVoid}, explanation: "preempted by may section"},
		{name: "05 lower permit cannot authorize upper forbid",
			fs:  fsOf(pack("zz", "us/zz", "statute", rule("ban", "forbid", "")), pack("town", "us/zz/town", "ordinance", rule("may", "permit", ""))),
			req: zzReq, want: liaison.Forbidden, decisive: []string{"zz/ban"},
			statuses: map[string]liaison.Status{"town/may": liaison.StatusNotEffective}, explanation: "not effective"},
		{name: "06 state require, city permit",
			fs:  fsOf(pack("zz", "us/zz", "statute", rule("must", "require", "")), pack("town", "us/zz/town", "ordinance", rule("may", "permit", ""))),
			req: zzReq, want: liaison.Required, decisive: []string{"zz/must"}},
		{name: "07 preempting state require voids city forbid",
			fs:  fsOf(pack("zz", "us/zz", "statute", rule("must", "require", pre)), pack("town", "us/zz/town", "ordinance", rule("ban", "forbid", ""))),
			req: zzReq, want: liaison.Required, decisive: []string{"zz/must"},
			statuses: map[string]liaison.Status{"town/ban": liaison.StatusVoid}},
		{name: "08 state require, city forbid, no preemption",
			fs:  fsOf(pack("zz", "us/zz", "statute", rule("must", "require", "")), pack("town", "us/zz/town", "ordinance", rule("ban", "forbid", ""))),
			req: zzReq, want: liaison.Conflict, decisive: []string{"town/ban", "zz/must"}, explanation: "must section (zz) requires it; ban section (town) forbids it"},
		{name: "09 preempting federal forbid voids state require",
			fs:  fsOf(pack("fed", "us", "ruling", rule("ban", "forbid", pre)), pack("zz", "us/zz", "statute", rule("must", "require", ""))),
			req: zzReq, want: liaison.Forbidden, decisive: []string{"fed/ban"},
			statuses: map[string]liaison.Status{"zz/must": liaison.StatusVoid}},
		{name: "10 exception defeats",
			fs:  fsOf(pack("zz", "us/zz", "statute", rule("a", "forbid", "exceptions: [b]"), rule("b", "permit", ""))),
			req: zzReq, want: liaison.Permitted, decisive: []string{"zz/b"},
			statuses: map[string]liaison.Status{"zz/a": liaison.StatusDefeated}},
		{name: "11 unlinked permit and forbid",
			fs:  fsOf(pack("zz", "us/zz", "statute", rule("a", "forbid", ""), rule("b", "permit", ""))),
			req: zzReq, want: liaison.Forbidden, decisive: []string{"zz/a"}},
		{name: "12 require and forbid in one level",
			fs:  fsOf(pack("zz", "us/zz", "statute", rule("a", "require", ""), rule("b", "forbid", ""))),
			req: zzReq, want: liaison.Conflict, decisive: []string{"zz/a", "zz/b"}},
		{name: "13 missing convictions",
			fs:  fsOf(pack("zz", "us/zz", "statute", rule("a", "forbid", "when: subject.convictions.exists(c, c.level == \"felony\")"))),
			req: zzReq, want: liaison.Undetermined, missing: []string{"subject.convictions"}},
		{name: "14 missing fact cannot change the outcome",
			fs: fsOf(pack("zz", "us/zz", "statute", rule("a", "forbid", "when: subject.convictions.exists(c, c.level == \"felony\")"),
				rule("b", "forbid", ""))),
			req: zzReq, want: liaison.Forbidden, decisive: []string{"zz/b"},
			statuses: map[string]liaison.Status{"zz/a": liaison.StatusUnknown}},
		{name: "18 other town's ban does not apply",
			fs:  fsOf(pack("other", "us/zz/other-town", "ordinance", rule("ban", "forbid", ""))),
			req: zzReq, want: liaison.Permitted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustLoad(t, tt.fs)
			d := decide(t, s, tt.req)
			if d.Outcome != tt.want {
				t.Errorf("Decide outcome = %s, want %s\n%s", d.Outcome, tt.want, d.Explanation)
			}
			if got := keys(d.Decisive); !slices.Equal(got, tt.decisive) {
				t.Errorf("Decide decisive = %v, want %v", got, tt.decisive)
			}
			for k, want := range tt.statuses {
				if got := status(d, k); got != want {
					t.Errorf("status of %s = %q, want %q", k, got, want)
				}
			}
			if !slices.Equal(d.MissingFacts, tt.missing) && (len(d.MissingFacts) > 0 || len(tt.missing) > 0) {
				t.Errorf("missing_facts = %v, want %v", d.MissingFacts, tt.missing)
			}
			if !strings.Contains(d.Explanation, tt.explanation) {
				t.Errorf("explanation %q does not say %q", d.Explanation, tt.explanation)
			}
		})
	}
}
