// Package oversight computes de-identified figures from the desk's records
// — requests received, decisions, actions, hold lengths, hand-overs by the
// offence that allowed them, duties met on time or late — per agency and
// month, and publishes them under disclosure control: small counts are
// shown as "<k", with complementary suppression so that no total or
// difference reveals them (see disclose.go).
//
// The figures are folded from the records in log order into a Summary,
// which keeps counts per agency × month × figure × row × column and the few
// open facts a later record completes (a scheduled release, a duty's
// deadline, a custody span and its ICE detainer). A Summary covers a prefix of the log, its first Size leaves,
// and cites the tree head at that size: anyone can fold the same records
// and get the same counts. A Summarizer keeps the latest Summary, carries
// it on from where it stopped with the records appended since, and keeps
// it in the store now and then (SummaryStore) so that a new process starts
// from there; Verify folds every record again and reports a kept summary
// that differs.
//
// Nothing personal enters a Summary: no name, booking number, date of
// birth, free text or timestamp finer than the month. Open facts are
// keyed by record ids (which the public log does not reveal) and are never
// published.
package oversight

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"liaison"
)

// The figures a Summary counts. Each count has a row and a column whose
// meaning depends on the figure.
const (
	// FigRequests: requests received; row: kind, column: form.
	FigRequests = "requests"
	// FigDecisions: decisions recorded; row: action, column: outcome.
	FigDecisions = "decisions"
	// FigActions: what became of actions; row: action, column: one of
	// the Action* results.
	FigActions = "actions"
	// FigHolds: holds past a scheduled release; row: a HoldBins label.
	FigHolds = "holds"
	// FigTransfers: hand-overs to federal custody (a hold or a transfer
	// carried out); row: the offence category that allowed it.
	FigTransfers = "transfers"
	// FigDuties: duties with a deadline, done; row: the duty's
	// citation, column: DutyOnTime or DutyLate.
	FigDuties = "duties"
)

// The columns of FigActions.
const (
	ActionCarriedOut = "carried_out"
	ActionOverride   = "carried_out_on_override"
	ActionRefused    = "refused"
	ActionNeedsFacts = "needs_facts"
	ActionFailed     = "failed"
)

// The columns of FigDuties.
const (
	DutyOnTime = "on_time"
	DutyLate   = "late"
)

// HoldBins are the bins of hold lengths: the time a person stayed in
// custody past their scheduled release, in hours, each bin up to (not
// including) its bound; the last has none.
var HoldBins = []struct {
	Label string
	Below time.Duration
}{
	{"under 12 hours", 12 * time.Hour},
	{"12 to 24 hours", 24 * time.Hour},
	{"24 to 48 hours", 48 * time.Hour},
	{"48 to 72 hours", 72 * time.Hour},
	{"72 hours or more", 0},
}

// Key names one count.
type Key struct {
	Agency string
	Month  string // "2006-01", UTC; the agency's local month for FigDetainedFirstDay
	Figure string
	Row    string
	Col    string
}

// Agency is what a Summary knows of an agency: its public name and
// jurisdiction.
type Agency struct {
	Name         string               `json:"name"`
	Jurisdiction liaison.Jurisdiction `json:"jurisdiction"`
	// TimeZone is the agency's recorded zone, for its month starts.
	TimeZone string `json:"time_zone,omitempty"`
}

// Summary is the figures folded from the first Size leaves of the log.
type Summary struct {
	Size     int64             `json:"size"`
	Agencies map[string]Agency `json:"agencies"`
	Counts   map[Key]int64     `json:"-"`
	// Scheduled is each person in custody with a release scheduled, and
	// when (until their custody ends); Duties each duty that may yet be
	// done on time or late. Open facts, never published.
	Scheduled map[string]time.Time `json:"scheduled"`
	Duties    map[string]openDuty  `json:"duties"`
	// Custody is each person booked and not yet released or transferred;
	// ICEDetainers the earliest ICE detainer received for each person
	// since their last custody ended; Latest the latest time the folded
	// custody events and requests name. Open facts, for
	// FigDetainedFirstDay (see detained.go).
	Custody      map[string]custody   `json:"custody"`
	ICEDetainers map[string]time.Time `json:"ice_detainers"`
	Latest       time.Time            `json:"latest,omitzero"`
}

type openDuty struct {
	Agency   string    `json:"agency"`
	Citation string    `json:"citation"`
	Due      time.Time `json:"due,omitzero"`
}

// NewSummary returns the summary of an empty log.
func NewSummary() *Summary {
	return &Summary{Agencies: map[string]Agency{}, Counts: map[Key]int64{},
		Scheduled: map[string]time.Time{}, Duties: map[string]openDuty{},
		Custody: map[string]custody{}, ICEDetainers: map[string]time.Time{}}
}

// MarshalJSON writes the summary with its counts as numbers: "strings"
// lists each name once, and "counts" holds six numbers per count, the
// indexes in "strings" of its agency, month, figure, row and column, then
// the count; counts sorted by key. Numbers decode several times as fast as
// rows of strings, and a process that starts reads the kept summary
// before it answers (see BenchmarkDashboard in package web).
func (s *Summary) MarshalJSON() ([]byte, error) {
	type plain Summary
	index := map[string]int64{}
	var names []string
	id := func(v string) int64 {
		i, ok := index[v]
		if !ok {
			i = int64(len(names))
			index[v] = i
			names = append(names, v)
		}
		return i
	}
	counts := make([]int64, 0, 6*len(s.Counts))
	for _, k := range slices.SortedFunc(maps.Keys(s.Counts), compareKeys) {
		counts = append(counts, id(k.Agency), id(k.Month), id(k.Figure), id(k.Row), id(k.Col), s.Counts[k])
	}
	if names == nil {
		names = []string{}
	}
	return json.Marshal(struct {
		*plain
		Format  int      `json:"format"`
		Strings []string `json:"strings"`
		Counts  []int64  `json:"counts"`
	}{(*plain)(s), summaryFormat, names, counts})
}

// summaryFormat is the version of the kept summary's JSON: a summary of
// another is folded again (see Summarizer.load).
const summaryFormat = 2

// olderFormat reports whether body is a kept summary in a format an
// earlier build wrote (1 to summaryFormat-1), which this one folds again
// rather than reads. Anything else that does not decode is damage.
func olderFormat(body []byte) bool {
	var v struct {
		Format int `json:"format"`
	}
	return json.Unmarshal(body, &v) == nil && v.Format >= 1 && v.Format < summaryFormat
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *Summary) UnmarshalJSON(b []byte) error {
	type plain Summary
	var v struct {
		*plain
		Format  int      `json:"format"`
		Strings []string `json:"strings"`
		Counts  []int64  `json:"counts"`
	}
	*s = *NewSummary()
	v.plain = (*plain)(s)
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v.Format != summaryFormat {
		return fmt.Errorf("summary format %d, want %d", v.Format, summaryFormat)
	}
	if len(v.Counts)%6 != 0 {
		return fmt.Errorf("summary counts: %d numbers, not six per count", len(v.Counts))
	}
	s.Counts = make(map[Key]int64, len(v.Counts)/6)
	name := func(i int64) (string, error) {
		if i < 0 || i >= int64(len(v.Strings)) {
			return "", fmt.Errorf("summary counts: no string %d", i)
		}
		return v.Strings[i], nil
	}
	for c := v.Counts; len(c) > 0; c = c[6:] {
		var f [5]string
		for i := range f {
			var err error
			if f[i], err = name(c[i]); err != nil {
				return err
			}
		}
		s.Counts[Key{f[0], f[1], f[2], f[3], f[4]}] = c[5]
	}
	return nil
}

func compareKeys(a, b Key) int {
	for _, c := range [][2]string{{a.Agency, b.Agency}, {a.Month, b.Month}, {a.Figure, b.Figure}, {a.Row, b.Row}, {a.Col, b.Col}} {
		if c[0] != c[1] {
			if c[0] < c[1] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// Getter reads one record by kind and id: a liaison.Store does.
type Getter interface {
	Get(ctx context.Context, kind, id string) (*liaison.StoredRecord, error)
}

// month is t's month in UTC: the finest time the figures publish.
func month(t time.Time) string { return t.UTC().Format("2006-01") }

func (s *Summary) add(agency string, t time.Time, fig, row, col string) {
	s.Counts[Key{agency, month(t), fig, row, col}]++
}

// Fold adds rec, the record at leaf index s.Size, to the figures; g reads
// the records it follows from (an action's request). Records must come in
// log order, every one of them: Fold advances Size past rec.
func (s *Summary) Fold(ctx context.Context, g Getter, rec *liaison.StoredRecord) error {
	if rec.Index != s.Size {
		return fmt.Errorf("fold %s %s: leaf %d, want %d", rec.Kind, rec.ID, rec.Index, s.Size)
	}
	if err := s.fold(ctx, g, rec); err != nil {
		return fmt.Errorf("fold %s %s: %w", rec.Kind, rec.ID, err)
	}
	s.Size++
	return nil
}

func (s *Summary) fold(ctx context.Context, g Getter, rec *liaison.StoredRecord) error {
	switch rec.Kind {
	case liaison.KindAgency:
		var a liaison.AgencyRecord
		if err := json.Unmarshal(rec.Body, &a); err != nil {
			return err
		}
		s.Agencies[a.ID] = Agency{Name: a.Name, Jurisdiction: a.Jurisdiction, TimeZone: a.TimeZone}
	case liaison.KindRequest:
		var r liaison.RequestRecord
		if err := json.Unmarshal(rec.Body, &r); err != nil {
			return err
		}
		at := r.Request.ReceivedAt
		if at.IsZero() {
			at = r.RecordedAt
		}
		s.add(r.Agency, at, FigRequests, orNone(string(r.Request.Kind)), orNone(string(r.Request.Form)))
		s.detainerFor(r, at)
	case liaison.KindDecision:
		var d liaison.DecisionRecord
		if err := json.Unmarshal(rec.Body, &d); err != nil {
			return err
		}
		s.add(d.Agency, d.AsOf, FigDecisions, string(d.Action), string(d.Decision.Outcome))
	case liaison.KindAction:
		var a liaison.ActionRecord
		if err := json.Unmarshal(rec.Body, &a); err != nil {
			return err
		}
		return s.action(ctx, g, a, a.Status, a.At)
	case liaison.KindActionOutcome:
		var o liaison.ActionOutcomeRecord
		if err := json.Unmarshal(rec.Body, &o); err != nil {
			return err
		}
		ar, err := g.Get(ctx, liaison.KindAction, o.Action)
		if err != nil {
			return err
		}
		var a liaison.ActionRecord
		if err := json.Unmarshal(ar.Body, &a); err != nil {
			return err
		}
		return s.action(ctx, g, a, o.Status, o.At)
	case liaison.KindCustodyEvent:
		var e liaison.CustodyEventRecord
		if err := json.Unmarshal(rec.Body, &e); err != nil {
			return err
		}
		s.custodyEvent(e)
		switch e.Kind {
		case "booked":
			delete(s.Scheduled, e.Person)
		case "release_scheduled":
			s.Scheduled[e.Person] = e.ScheduledRelease
		case "released", "transferred":
			if sched, ok := s.Scheduled[e.Person]; ok && e.At.After(sched) {
				s.add(e.Agency, e.At, FigHolds, holdBin(e.At.Sub(sched)), "")
			}
			delete(s.Scheduled, e.Person)
		}
	case liaison.KindDuty:
		var d liaison.DutyRecord
		if err := json.Unmarshal(rec.Body, &d); err != nil {
			return err
		}
		if d.Due == nil && d.Trigger == liaison.NoTrigger {
			return nil // a record-keeping duty: no deadline, ever
		}
		od := openDuty{Agency: d.Agency, Citation: d.Citation}
		if d.Due != nil {
			od.Due = *d.Due
		}
		s.Duties[d.ID] = od
	case liaison.KindDutyChange:
		var c liaison.DutyChangeRecord
		if err := json.Unmarshal(rec.Body, &c); err != nil {
			return err
		}
		od, ok := s.Duties[c.Duty]
		if !ok {
			return nil
		}
		if c.Due != nil {
			od.Due = *c.Due
			s.Duties[c.Duty] = od
		}
		switch c.Status {
		case liaison.DutyDone:
			delete(s.Duties, c.Duty)
			if od.Due.IsZero() {
				return nil
			}
			done := c.At
			if !c.GivenAt.IsZero() {
				done = c.GivenAt
			}
			col := DutyOnTime
			if done.After(od.Due) {
				col = DutyLate
			}
			s.add(od.Agency, done, FigDuties, od.Citation, col)
		case liaison.DutySuperseded:
			delete(s.Duties, c.Duty)
		}
	}
	return nil
}

// action counts what became of an action: its own status, or its
// outcome's for one that was pending.
func (s *Summary) action(ctx context.Context, g Getter, a liaison.ActionRecord, status liaison.ActionStatus, at time.Time) error {
	var col string
	switch status {
	case liaison.ActionCarriedOut, liaison.ActionDoneOffline, liaison.ActionDelivered:
		col = ActionCarriedOut
		if a.Override != "" {
			col = ActionOverride
		}
	case liaison.ActionRefused:
		col = ActionRefused
	case liaison.ActionNeedsFacts:
		col = ActionNeedsFacts
	case liaison.ActionFailed:
		col = ActionFailed
	default:
		return nil // pending: counted when its outcome is recorded
	}
	// Read what may fail first: a record is folded whole or not at all.
	category := ""
	if (col == ActionCarriedOut || col == ActionOverride) && (a.Action == liaison.HonorDetainer || a.Action == liaison.TransferCustody) {
		rr, err := g.Get(ctx, liaison.KindRequest, a.Request)
		if err != nil {
			return err
		}
		var r liaison.RequestRecord
		if err := json.Unmarshal(rr.Body, &r); err != nil {
			return err
		}
		category = offenceCategory(r)
	}
	s.add(a.Agency, at, FigActions, string(a.Action), col)
	if category != "" {
		s.add(a.Agency, at, FigTransfers, category, string(a.Action))
	}
	return nil
}

// offenceCategory is what allowed a hand-over, as the request recorded
// it: a judicial warrant, else the category of the person's first
// conviction that has one, else of their first pending charge that has
// one, else "none recorded". Facts added after intake are not read.
func offenceCategory(r liaison.RequestRecord) string {
	if w := r.Request.Warrant; w != nil && w.Kind == "judicial" {
		return "judicial warrant"
	}
	if r.Subject != nil {
		for _, o := range r.Subject.Convictions {
			if len(o.Categories) > 0 {
				return string(o.Categories[0])
			}
		}
		for _, o := range r.Subject.PendingCharges {
			if len(o.Categories) > 0 {
				return "charged: " + string(o.Categories[0])
			}
		}
	}
	return "none recorded"
}

func holdBin(d time.Duration) string {
	for _, b := range HoldBins {
		if b.Below == 0 || d < b.Below {
			return b.Label
		}
	}
	panic("oversight: HoldBins has no open last bin")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
