package desk

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"liaison"
	"liaison/ledger"
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
	if err := decodeRecord(body, &d2); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d1, d2) || d2.ID != "dec_1" || !d2.AsOf.Equal(at) || d2.Facts != "fct_1" || d2.PackSet != "abc" ||
		d2.Decision.Outcome != liaison.Permitted || len(d2.Decision.Decisive) != 1 || d2.Decision.Decisive[0].Rule != "r" {
		t.Errorf("decodeRecord(decision) = %+v, encoding/json %+v", d2, d1)
	}
}
