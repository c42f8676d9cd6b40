package law

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadErrors(t *testing.T) {
	for _, tt := range []struct {
		name, body, want string
	}{
		{"unknown key", zzHeader + "      - {id: a, actions: [honor_detainer], effect: forbid, citation: x, wen: 'true'}\n",
			`us/zz/zz.yaml:11:73: unknown field "wen"`},
		{"type error", zzHeader + `      - id: a
        actions: [honor_detainer]
        effect: forbid
        citation: x
        when: subjct.age > 3
`, "us/zz/zz.yaml:15:15: rule a: undeclared reference to 'subjct'"},
		{"misspelt field", zzHeader + `      - id: b
        actions: [honor_detainer]
        effect: forbid
        citation: x
        when:
          - request.kind == "detainer"
          - subject.custody.stauts == "in_custody"
`, "us/zz/zz.yaml:17:28: rule b: undefined field 'stauts'"},
		{"not a bool", zzHeader + "      - {id: c, actions: [honor_detainer], effect: forbid, citation: x, when: 'subject.age'}\n",
			"rule c: expression gives int, want bool"},
		{"unknown action", zzHeader + "      - {id: d, actions: [hold], effect: forbid, citation: x}\n",
			`rule d: unknown action "hold"`},
		{"unknown effect", zzHeader + "      - {id: e, actions: [honor_detainer], effect: allow, citation: x}\n",
			`rule e: effect "allow"`},
		{"unknown exception", zzHeader + "      - {id: f, actions: [honor_detainer], effect: forbid, citation: x, exceptions: [g]}\n",
			`rule f: exception "g" is not a rule`},
		{"unknown list", zzHeader + "      - {id: h, actions: [honor_detainer], effect: forbid, citation: x, when: 'subject.convictions.exists(c, c.listed_in(\"nope\"))'}\n",
			`rule h: listed_in("nope"): no list`},
		{"bad due", zzHeader + "      - {id: i, actions: [honor_detainer], effect: permit, citation: x, duties: [{text: t, due: two days}]}\n",
			`rule i: due "two days" is not a duration`},
		{"unknown trigger", zzHeader + "      - {id: j, actions: [honor_detainer], effect: permit, citation: x, duties: [{text: t, trigger: later}]}\n",
			`rule j: trigger "later" is not one of`},
		{"before without its trigger", zzHeader + "      - {id: k, actions: [allow_interview], effect: permit, citation: x, duties: [{text: t, before: allow_interview}]}\n",
			`rule k: give before (the action) with trigger before_action`},
		{"before_action with a clock", zzHeader + "      - {id: l, actions: [allow_interview], effect: permit, citation: x, duties: [{text: t, trigger: before_action, before: allow_interview, due: 1h}]}\n",
			`rule l: a duty with trigger before_action has no clock`},
		{"overlapping versions", `
id: zz
title: ZZ
jurisdiction: us/zz
kind: statute
citation: ZZ
versions:
  - {version: a, effective_from: 2000-01-01, rules: []}
  - {version: b, effective_from: 2010-01-01, rules: []}
`, `version "b" overlaps version "a"`},
		{"wrong folder", strings.Replace(zzHeader, "jurisdiction: us/zz", "jurisdiction: us/yy", 1), `does not match the folder "us/zz"`},
		{"bad date", strings.Replace(zzHeader, "2000-01-01", "2000-13-01", 1), `us/zz/zz.yaml:9:21: effective_from is missing or not a date written YYYY-MM-DD: "2000-13-01"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(fstest.MapFS{"us/zz/zz.yaml": {Data: []byte(tt.body)}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load = %v, want an error containing %q", err, tt.want)
			}
			var pe *PackError
			if !errors.As(err, &pe) || pe.File != "us/zz/zz.yaml" {
				t.Errorf("Load error %v is not a *PackError naming the file", err)
			}
		})
	}
}

func FuzzParsePack(f *testing.F) {
	f.Add([]byte(zzHeader + "      - {id: a, actions: [honor_detainer], effect: forbid, citation: x}\n"))
	f.Add([]byte(zzHeader + "      - id: b\n        actions: [notify_release]\n        effect: permit\n        citation: y\n        when:\n          - cel: subject.convictions.exists(c, years_between(c.date, as_of) < 5)\n            says: recent\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pk, err := ParsePack("us/zz/zz.yaml", data)
		if err != nil {
			if pk != nil {
				t.Fatalf("ParsePack returned a pack with an error: %v", err)
			}
			return
		}
		if pk.ID == "" || len(pk.Versions) == 0 {
			t.Fatalf("ParsePack accepted a pack without id or versions")
		}
	})
}
