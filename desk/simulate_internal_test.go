package desk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"liaison"
	"liaison/law"
	"liaison/ledger"
	"liaison/packs"
)

// TestDecodeRecordAsEncodingJSON: the simulation's decoder reads a stored
// request as encoding/json does, every field.
func TestDecodeRecordAsEncodingJSON(t *testing.T) {
	at := time.Date(2021, 6, 1, 9, 30, 0, 0, time.UTC)
	rr := liaison.RequestRecord{ID: "req_1", Agency: "agy_1", Person: "per_1", IdempotencyKey: "k",
		Request: liaison.FederalRequest{Kind: "detainer", Form: "I-247A", Issuer: "ICE", ProbableCauseBasis: []liaison.PCBasis{"biometric_match"},
			InfoRequested: []liaison.InfoItem{"release_date"}, Warrant: &liaison.Warrant{Kind: "administrative", Form: "I-200"}},
		Actions: []liaison.Action{"honor_detainer", "notify_release"},
		Subject: &liaison.Subject{Custody: &liaison.Custody{Status: "in_custody", ScheduledRelease: at.Add(48 * time.Hour), ReleaseReason: "bail"},
			Convictions: []liaison.Offense{{Offense: "PC 211", Jurisdiction: "us/ca", Level: "felony", Date: at.AddDate(-5, 0, 0),
				Categories: []liaison.Category{"serious_felony"}}}, PendingCharges: []liaison.Offense{}},
		Agreements: []liaison.Agreement{}, Context: &liaison.Context{},
		ReceivedBy: liaison.Actor{ID: "tok_1", Role: liaison.RoleClerk}, RecordedAt: at}
	body, err := ledger.MarshalCanonical(rr)
	if err != nil {
		t.Fatal(err)
	}
	var v1, v2 liaison.RequestRecord
	if err := json.Unmarshal(body, &v1); err != nil {
		t.Fatal(err)
	}
	if err := decodeRecord(body, &v2); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v1, v2) {
		t.Errorf("decodeRecord = %+v\nencoding/json = %+v", v2, v1)
	}
	var d1, d2 simDecision
	dr := liaison.DecisionRecord{ID: "dec_1", Action: "notify_release", AsOf: at, Engine: "liaison-engine/2", Facts: "fct_1", PackSet: "abc",
		Decision: liaison.Decision{Outcome: liaison.Permitted, Explanation: "x", Decisive: []liaison.RuleRef{{Pack: "p", Rule: "r", Version: "1"}}}}
	if body, err = ledger.MarshalCanonical(dr); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &d1); err != nil {
		t.Fatal(err)
	}
	if err := decodeSimDecision(jsontext.NewDecoder(bytes.NewReader(nil)), body, &d2); err != nil {
		t.Fatal(err)
	}
	// Of the decisive rules, the pack and rule only.
	for i := range d1.Decision.Decisive {
		r := d1.Decision.Decisive[i]
		d1.Decision.Decisive[i] = liaison.RuleRef{Pack: r.Pack, Rule: r.Rule}
	}
	if !reflect.DeepEqual(d1, d2) || d2.ID != "dec_1" || !d2.AsOf.Equal(at) || d2.Facts != "fct_1" || d2.PackSet != "abc" ||
		d2.Decision.Outcome != liaison.Permitted || len(d2.Decision.Decisive) != 1 || d2.Decision.Decisive[0].Rule != "r" {
		t.Errorf("decodeRecord(decision) = %+v, encoding/json %+v", d2, d1)
	}
}

// BenchmarkReplay is BenchmarkSimulate without the store: the same kind
// of jobs (a Boston request of 2021 and its two decisions, stored with
// today's pack set) held in memory, decoded and decided on GOMAXPROCS
// goroutines. With BenchmarkSimulate it says where a replay's time goes:
// reading the store, or decoding and deciding.
func BenchmarkReplay(b *testing.B) {
	now, err := law.Load(packs.FS())
	if err != nil {
		b.Fatal(err)
	}
	proposal, err := law.LoadLayers(law.Layer{Name: "bundled", FS: packs.FS()},
		law.Layer{Name: "proposal", FS: os.DirFS("../examples/proposals/boston-without-2019")})
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2021, 3, 4, 17, 0, 0, 0, time.UTC)
	agency := &liaison.AgencyRecord{ID: "agy_1", Jurisdiction: "us/ma/boston", Type: "police", TimeZone: "America/New_York"}
	const jobs = 1000
	var all []simJob
	for i := range jobs {
		rr := liaison.RequestRecord{ID: fmt.Sprint("req_", i), Agency: agency.ID, IdempotencyKey: fmt.Sprint("k", i),
			Request: liaison.FederalRequest{Kind: "detainer", Form: "I-247A", Issuer: "ICE", ProbableCauseBasis: []liaison.PCBasis{"biometric_match"},
				InfoRequested: []liaison.InfoItem{"release_date"}, Warrant: &liaison.Warrant{Kind: "administrative", Form: "I-200"}},
			Actions:    []liaison.Action{"honor_detainer", "notify_release"},
			Subject:    &liaison.Subject{Custody: &liaison.Custody{Status: "eligible_for_release"}, Convictions: []liaison.Offense{}},
			RecordedAt: at}
		body, err := ledger.MarshalCanonical(rr)
		if err != nil {
			b.Fatal(err)
		}
		j := simJob{agency: agency, id: rr.ID, request: body}
		for k, a := range rr.Actions {
			asOf := at.Add(time.Duration(i) * time.Minute)
			d, err := now.Decide(decisionRequest(agency, &rr, a, asOf), law.Options{Explain: true})
			if err != nil {
				b.Fatal(err)
			}
			d.Normalize()
			d.Compact()
			dr := liaison.DecisionRecord{ID: fmt.Sprintf("dec_%d_%d", i, k), Agency: agency.ID, Request: rr.ID, Action: a, Stage: liaison.StageIntake,
				AsOf: asOf, Decision: *d, PackSet: now.Hash(), Engine: law.EngineVersion}
			db, err := ledger.MarshalCanonical(dr)
			if err != nil {
				b.Fatal(err)
			}
			j.decisions = append(j.decisions, db)
		}
		all = append(all, j)
	}
	// As `liaison simulate` runs (see cmd/liaison/simulate.go).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	workers := runtime.GOMAXPROCS(0)
	decided := 0
	b.ResetTimer()
	for b.Loop() {
		var wg sync.WaitGroup
		var next atomic.Int64
		results := make([]int, workers)
		for w := range workers {
			wg.Go(func() {
				res := &simResult{counts: map[simKey]int{}}
				for {
					i := int(next.Add(1)) - 1
					if i >= len(all) {
						return
					}
					n, err := replayJob(&all[i], SimulateOptions{}, now, proposal, res)
					if err != nil {
						b.Error(err)
						return
					}
					results[w] += n
				}
			})
		}
		wg.Wait()
		for _, n := range results {
			decided += n
		}
	}
	b.ReportMetric(float64(decided)/b.Elapsed().Seconds(), "decisions/s")
}
