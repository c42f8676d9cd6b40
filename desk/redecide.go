package desk

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"liaison"
	"liaison/law"
)

// A Difference is a stored decision that, decided again, answers
// otherwise: in its outcome, its decisive rules or its duties.
type Difference struct {
	Decision string         `json:"decision"`
	Request  string         `json:"request"`
	Agency   string         `json:"agency"`
	Action   liaison.Action `json:"action"`
	AsOf     time.Time      `json:"as_of"`
	// Why says what differs, and, decided with other law, which pack
	// versions changed and whether the engine did.
	Why []string `json:"why"`
	// Stored is the decision as stored; Now as decided again (compact).
	Stored liaison.Decision `json:"stored"`
	Now    liaison.Decision `json:"now"`
}

// A RedecideReport is what Redecide found.
type RedecideReport struct {
	// Decisions is how many stored decisions were decided again.
	Decisions int `json:"decisions"`
	// Skipped names the decisions that could not be: stored before pack
	// sets were, they name none.
	Skipped     []string     `json:"skipped"`
	Differences []Difference `json:"differences"`
}

// Redecide decides every stored decision again from its stored facts and
// reports those that come out otherwise. With set nil, each is decided
// with the pack set it names, as stored: a difference means the record
// was changed, or the engine's semantics were (see law.EngineVersion).
// With a set (the packs of a new release), each is decided with it
// instead: the differences are what the new law or engine would answer
// otherwise, and why.
func Redecide(ctx context.Context, store liaison.Store, set *law.Set) (*RedecideReport, error) {
	r := redecider{store: store, with: set, agencies: map[string]*liaison.AgencyRecord{}, sets: map[string]*law.Set{},
		rep: &RedecideReport{Skipped: []string{}, Differences: []Difference{}}}
	var failed error
	_, err := liaison.Each(ctx, store, liaison.Filter{Kind: liaison.KindDecision}, 0, func(dr liaison.DecisionRecord, _ int64) {
		if failed == nil {
			failed = r.one(ctx, &dr)
		}
	})
	if err == nil {
		err = failed
	}
	if err != nil {
		return nil, fmt.Errorf("redecide: %w", err)
	}
	return r.rep, nil
}

// redecider holds what Redecide has read: agencies and pack sets are
// few, and a request's decisions follow one another in the log.
type redecider struct {
	store    liaison.Store
	with     *law.Set
	agencies map[string]*liaison.AgencyRecord
	sets     map[string]*law.Set
	request  liaison.RequestRecord
	rep      *RedecideReport
}

func (r *redecider) one(ctx context.Context, dr *liaison.DecisionRecord) error {
	if dr.PackSet == "" {
		r.rep.Skipped = append(r.rep.Skipped, dr.ID+": names no pack set (stored before pack sets were)")
		return nil
	}
	stored, err := r.set(ctx, dr.PackSet)
	if err != nil {
		return err
	}
	agency := r.agencies[dr.Agency]
	if agency == nil {
		agency = new(liaison.AgencyRecord)
		if _, err := getRecord(ctx, r.store, liaison.KindAgency, dr.Agency, agency); err != nil {
			return err
		}
		r.agencies[dr.Agency] = agency
	}
	if r.request.ID != dr.Request {
		r.request = liaison.RequestRecord{}
		if _, err := getRecord(ctx, r.store, liaison.KindRequest, dr.Request, &r.request); err != nil {
			return err
		}
	}
	with := stored
	if r.with != nil {
		with = r.with
	}
	rr := &r.request
	if dr.Facts != "" {
		if rr, _, err = effectiveFacts(ctx, r.store, rr, dr.Facts); err != nil {
			return err
		}
	}
	now, err := decideAgain(with, agency, rr, dr)
	if err != nil {
		return err
	}
	r.rep.Decisions++
	why := differ(&dr.Decision, now)
	if len(why) == 0 {
		return nil
	}
	if r.with != nil {
		then, err := decideAgain(stored, agency, rr, dr)
		if err != nil {
			return err
		}
		why = append(why, packChanges(then.Packs, now.Packs)...)
	}
	if dr.Engine != law.EngineVersion {
		why = append(why, fmt.Sprintf("engine: stored %s, now %s", orNone(dr.Engine), law.EngineVersion))
	}
	now.Compact()
	r.rep.Differences = append(r.rep.Differences, Difference{Decision: dr.ID, Request: dr.Request, Agency: dr.Agency,
		Action: dr.Action, AsOf: dr.AsOf, Why: why, Stored: dr.Decision, Now: *now})
	return nil
}

func (r *redecider) set(ctx context.Context, hash string) (*law.Set, error) {
	if s := r.sets[hash]; s != nil {
		return s, nil
	}
	s, err := LoadPackSet(ctx, r.store, hash)
	if err != nil {
		return nil, err
	}
	r.sets[hash] = s
	return s, nil
}

// differ says how decision b differs from a in what a decision commits
// to: its outcome, its decisive rules, its duties. Nothing when alike.
func differ(a, b *liaison.Decision) []string {
	var why []string
	if a.Outcome != b.Outcome {
		why = append(why, fmt.Sprintf("outcome: stored %s, now %s", a.Outcome, b.Outcome))
	}
	if x, y := ruleKeys(a.Decisive), ruleKeys(b.Decisive); !slices.Equal(x, y) {
		why = append(why, fmt.Sprintf("decisive rules: stored %s, now %s", listOf(x), listOf(y)))
	}
	if x, y := dutyKeys(a.Duties), dutyKeys(b.Duties); !slices.Equal(x, y) {
		why = append(why, fmt.Sprintf("duties: stored %s, now %s", listOf(x), listOf(y)))
	}
	return why
}

func ruleKeys(rs []liaison.RuleRef) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = fmt.Sprintf("%s/%s (version %s, %s)", r.Pack, r.Rule, r.Version, r.Effect)
	}
	return out
}

func dutyKeys(ds []liaison.Duty) []string {
	out := make([]string, len(ds))
	for i, du := range ds {
		out[i] = fmt.Sprintf("%q (%s)", du.Text, du.Citation)
		if du.Due != nil {
			out[i] += " due " + du.Due.UTC().Format(time.RFC3339)
		}
	}
	return out
}

// packChanges lists the pack versions that differ between two decisions'
// packs: changed text, another version in force, added or gone.
func packChanges(then, now []liaison.PackVersion) []string {
	var out []string
	for _, p := range then {
		i := slices.IndexFunc(now, func(q liaison.PackVersion) bool { return q.ID == p.ID })
		switch {
		case i < 0:
			out = append(out, fmt.Sprintf("pack %s (version %s) is no longer in force", p.ID, p.Version))
		case now[i].Version != p.Version:
			out = append(out, fmt.Sprintf("pack %s: version %s, now %s", p.ID, p.Version, now[i].Version))
		case now[i].SHA256 != p.SHA256:
			out = append(out, fmt.Sprintf("pack %s: version %s changed (file sha256 %.12s…, now %.12s…)", p.ID, p.Version, p.SHA256, now[i].SHA256))
		}
	}
	for _, q := range now {
		if !slices.ContainsFunc(then, func(p liaison.PackVersion) bool { return p.ID == q.ID }) {
			out = append(out, fmt.Sprintf("pack %s (version %s) is new in force", q.ID, q.Version))
		}
	}
	return out
}

func listOf(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, "; ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
