package law

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

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

func raw(name, body string) packFile {
	return packFile{name, &fstest.MapFile{Data: []byte(body)}}
}

func decideAt(t *testing.T, s *Set, asOf string, extra string) *liaison.Decision {
	t.Helper()
	return decide(t, s, fmt.Sprintf(`{"as_of": %q, "jurisdiction": "us/zz", "action": "honor_detainer"%s}`, asOf, extra))
}

// Case 15: an amendment is a new version; the old one answers for earlier dates.
func TestVersionsByDate(t *testing.T) {
	s := mustLoad(t, fsOf(raw("us/zz/act.yaml", `
id: act
title: Act
jurisdiction: us/zz
kind: statute
citation: ZZ Act
versions:
  - version: "2014"
    effective_from: 2014-01-01
    effective_to: 2018-12-31
    rules:
      - {id: ban, actions: [honor_detainer], effect: forbid, citation: ZZ Act 1}
  - version: "2019"
    effective_from: 2019-01-01
    rules: []
`)))
	for _, tt := range []struct {
		asOf string
		want liaison.Outcome
	}{{"2013-12-31", liaison.Permitted}, {"2014-01-01", liaison.Forbidden}, {"2018-06-01", liaison.Forbidden}, {"2018-12-31T23:00:00-05:00", liaison.Forbidden}, {"2019-06-01", liaison.Permitted}} {
		if got := decideAt(t, s, tt.asOf, "").Outcome; got != tt.want {
			t.Errorf("Decide(as_of %s) = %s, want %s", tt.asOf, got, tt.want)
		}
	}
	if d := decideAt(t, s, "2019-06-01", ""); len(d.Packs) != 1 || d.Packs[0].Version != "2019" || len(d.Packs[0].SHA256) != 64 {
		t.Errorf("Decide(2019).Packs = %+v, want version 2019 with a sha256", d.Packs)
	}
}

// Case 16: a ruling binds from its decision date.
func TestRulingFromDecisionDate(t *testing.T) {
	s := mustLoad(t, fsOf(raw("us/zz/ruling.yaml", `
id: ruling
title: Doe v. State
jurisdiction: us/zz
kind: ruling
citation: Doe v. State, 1 Z.3d 1 (2017)
versions:
  - version: decision
    effective_from: 2017-07-24
    rules:
      - {id: no-hold, actions: [honor_detainer], effect: forbid, citation: "Doe, 1 Z.3d at 2"}
`)))
	if got := decideAt(t, s, "2017-07-23T23:59:00Z", "").Outcome; got != liaison.Permitted {
		t.Errorf("Decide(2017-07-23) = %s, want permitted", got)
	}
	if got := decideAt(t, s, "2017-07-24", "").Outcome; got != liaison.Forbidden {
		t.Errorf("Decide(2017-07-24) = %s, want forbidden", got)
	}
}

const zzHeader = `
id: zz
title: ZZ Act
jurisdiction: us/zz
kind: statute
citation: ZZ Act
versions:
  - version: "1"
    effective_from: 2000-01-01
    rules:
`

// Case 17: a duty with a 48-hour deadline, and the rule's hold limit.
func TestDutyDeadline(t *testing.T) {
	s := mustLoad(t, fsOf(raw("us/zz/zz.yaml", zzHeader+`
      - id: may
        actions: [honor_detainer]
        effect: permit
        citation: ZZ Act 2
        limits: {max_hold_hours: 48}
        duties:
          - {text: Tell the person, citation: ZZ Act 3, due: 48h}
`)))
	d := decideAt(t, s, "2020-03-02T10:00:00Z", "")
	if d.Outcome != liaison.Permitted || len(d.Duties) != 1 {
		t.Fatalf("Decide = %s with duties %+v, want permitted with one duty", d.Outcome, d.Duties)
	}
	want := time.Date(2020, 3, 4, 10, 0, 0, 0, time.UTC)
	if du := d.Duties[0]; du.Citation != "ZZ Act 3" || du.Due == nil || !du.Due.Equal(want) {
		t.Errorf("duty = %+v, want citation ZZ Act 3 due %s", du, want)
	}
	if d.Limits.MaxHoldHours == nil || *d.Limits.MaxHoldHours != 48 {
		t.Errorf("limits = %+v, want max_hold_hours 48", d.Limits)
	}
}

// A duty's trigger: the engine computes a due time only from the decision
// (on_receipt, with a duration); for a later trigger or "promptly" it says
// how long after the trigger, and the desk computes it.
func TestDutyTriggers(t *testing.T) {
	s := mustLoad(t, fsOf(raw("us/zz/zz.yaml", zzHeader+`
      - id: may
        actions: [honor_detainer]
        effect: permit
        citation: ZZ Act 2
        duties:
          - {text: on hold, trigger: hold_begins, due: 2h}
          - {text: promptly, due: promptly}
          - {text: before, trigger: before_action, before: transfer_custody}
          - {text: records, trigger: none}
`)))
	d := decideAt(t, s, "2020-03-02T10:00:00Z", "")
	type got struct {
		Trigger liaison.DutyTrigger
		Before  liaison.Action
		Within  string
		Due     bool
	}
	want := []got{{liaison.HoldBegins, "", "2h", false}, {"", "", "promptly", false},
		{liaison.BeforeAction, liaison.TransferCustody, "", false}, {liaison.NoTrigger, "", "", false}}
	if len(d.Duties) != len(want) {
		t.Fatalf("Decide: duties %+v, want %d", d.Duties, len(want))
	}
	for i, du := range d.Duties {
		if g := (got{du.Trigger, du.Before, du.Within, du.Due != nil}); g != want[i] {
			t.Errorf("duty %q = %+v, want %+v", du.Text, g, want[i])
		}
	}
}

// Case 19: "a conviction within 5 years", measured from as_of.
func TestWithinYears(t *testing.T) {
	s := mustLoad(t, fsOf(raw("us/zz/zz.yaml", zzHeader+`
      - id: recent
        actions: [honor_detainer]
        effect: forbid
        citation: ZZ Act 4
        when: subject.convictions.exists(c, years_between(c.date, as_of) < 5)
`)))
	conv := `, "subject": {"convictions": [{"offense": "ZZ 1", "date": "2015-06-01"}]}`
	if got := decideAt(t, s, "2020-05-01", conv).Outcome; got != liaison.Forbidden {
		t.Errorf("4 years 11 months: Decide = %s, want forbidden", got)
	}
	if got := decideAt(t, s, "2020-07-01", conv).Outcome; got != liaison.Permitted {
		t.Errorf("5 years 1 month: Decide = %s, want permitted", got)
	}
}

// Case 20: would_change_if names the unmet fact in words.
func TestWouldChangeIf(t *testing.T) {
	s := mustLoad(t, fsOf(raw("us/zz/zz.yaml", zzHeader+`
      - id: ban
        actions: [honor_detainer]
        effect: forbid
        citation: ZZ Act 5(a)
        exceptions: [warrant]
      - id: warrant
        actions: [honor_detainer]
        effect: permit
        citation: ZZ Act 5(b)
        when:
          - cel: request.warrant.kind == "judicial_criminal"
            says: a judicial warrant for a crime is presented
`)))
	d := decideAt(t, s, "2020-01-01", "")
	if d.Outcome != liaison.Forbidden {
		t.Fatalf("Decide = %s, want forbidden", d.Outcome)
	}
	if len(d.WouldChangeIf) == 0 {
		t.Fatalf("would_change_if is empty")
	}
	w := d.WouldChangeIf[0]
	if w.Outcome != liaison.Permitted || w.Rule != "zz/warrant" || !slices.Equal(w.Unmet, []string{"a judicial warrant for a crime is presented"}) {
		t.Errorf("would_change_if[0] = %+v, want permitted by zz/warrant if a judicial warrant for a crime is presented", w)
	}
	d = decideAt(t, s, "2020-01-01", `, "request": {"warrant": {"kind": "judicial_criminal"}}`)
	if d.Outcome != liaison.Permitted {
		t.Errorf("with the warrant: Decide = %s, want permitted", d.Outcome)
	}
}

// Case 11 for lint: a permit and a forbid that both hold, unlinked.
func TestLintUnlinkedOverlap(t *testing.T) {
	s := mustLoad(t, fsOf(pack("zz", "us/zz", "statute", rule("a", "forbid", ""), rule("b", "permit", ""))))
	var found bool
	for _, f := range s.Lint(nil) {
		if f.Severity == SeverityError && f.Rule == "b" && strings.Contains(f.Msg, "zz/a") {
			found = true
		}
	}
	if !found {
		t.Errorf("Lint = %v, want an error naming b and zz/a", s.Lint(nil))
	}
	linked := mustLoad(t, fsOf(pack("zz", "us/zz", "statute", rule("a", "forbid", "exceptions: [b]"),
		rule("b", "permit", `when: request.warrant.kind == "judicial_criminal"`))))
	for _, f := range linked.Lint(nil) {
		if f.Severity == SeverityError {
			t.Errorf("Lint(linked) = %v, want no errors", f)
		}
	}
}

// The list functions must not shadow CEL's own `in` operator.
func TestListFunctions(t *testing.T) {
	s := mustLoad(t, fsOf(raw("us/zz/zz.yaml", `
id: zz
title: ZZ Act
jurisdiction: us/zz
kind: statute
citation: ZZ Act
versions:
  - version: "1"
    effective_from: 2000-01-01
    lists:
      violent: {items: ["ZZ PC 245", "category:violent_felony"]}
      personal: {items: [address, contact]}
    rules:
      - id: by-code
        actions: [notify_release]
        effect: forbid
        citation: ZZ Act 1
        when: subject.convictions.exists(c, c.listed_in("violent"))
      - id: by-in
        actions: [honor_detainer]
        effect: forbid
        citation: ZZ Act 2
        when: subject.convictions.exists(c, "robbery" in c.categories)
      - id: personal
        actions: [share_info]
        effect: forbid
        citation: ZZ Act 3
        when: request.info_requested.exists(i, in_named_list(i, "personal"))
`)))
	for _, tt := range []struct {
		req  string
		want liaison.Outcome
	}{
		{`"action": "notify_release", "subject": {"convictions": [{"offense": "zz pc 245 (a)(1)"}]}`, liaison.Forbidden},
		{`"action": "notify_release", "subject": {"convictions": [{"offense": "ZZ PC 2450"}]}`, liaison.Permitted},
		{`"action": "notify_release", "subject": {"convictions": [{"offense": "ZZ PC 245.5"}]}`, liaison.Permitted},
		{`"action": "notify_release", "subject": {"convictions": [{"offense": "ZZ PC 1", "categories": ["violent_felony"]}]}`, liaison.Forbidden},
		{`"action": "honor_detainer", "subject": {"convictions": [{"offense": "ZZ PC 1", "categories": ["robbery"]}]}`, liaison.Forbidden},
		{`"action": "honor_detainer", "subject": {"convictions": [{"offense": "ZZ PC 1", "categories": ["theft"]}]}`, liaison.Permitted},
		{`"action": "share_info", "request": {"info_requested": ["release_date", "contact"]}`, liaison.Forbidden},
		{`"action": "share_info", "request": {"info_requested": ["release_date"]}`, liaison.Permitted},
	} {
		d := decide(t, s, `{"as_of": "2020-01-01", "jurisdiction": "us/zz", `+tt.req+`}`)
		if d.Outcome != tt.want {
			t.Errorf("Decide(%s) = %s, want %s", tt.req, d.Outcome, tt.want)
		}
	}
}
