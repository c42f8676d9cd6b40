package liaison_test

import (
	"encoding/json"
	"strings"
	"testing"

	"liaison"
)

// TestColumnsOf derives the columns from the desk's own record types, as
// the desk sets them when it writes them.
func TestColumnsOf(t *testing.T) {
	actor := liaison.Actor{ID: "tok-1", Role: liaison.RoleClerk}
	for _, tc := range []struct {
		kind string
		body any
		want liaison.Columns
	}{
		{liaison.KindAgency, liaison.AgencyRecord{ID: "ag-1", Name: "Sheriff"},
			liaison.Columns{Agency: "ag-1", Fixed: 15}},
		{liaison.KindPerson, liaison.PersonRecord{ID: "per-1", Agency: "ag-1"},
			liaison.Columns{Agency: "ag-1", Person: "per-1", Fixed: 15}},
		{liaison.KindCustodyEvent, liaison.CustodyEventRecord{ID: "ce-1", Agency: "ag-1", Person: "per-1", Kind: "booked"},
			liaison.Columns{Agency: "ag-1", Person: "per-1", Parent: "per-1", Fixed: 15}},
		{liaison.KindRequest, liaison.RequestRecord{ID: "req-1", Agency: "ag-1", Person: "per-1", IdempotencyKey: "ice-7",
			Request: liaison.FederalRequest{Kind: "detainer"}, ReceivedBy: actor},
			liaison.Columns{Agency: "ag-1", Person: "per-1", Key: "ag-1/ice-7", Fixed: 15}},
		{liaison.KindDecision, liaison.DecisionRecord{ID: "dec-1", Agency: "ag-1", Request: "req-1", Action: "honor_detainer"},
			liaison.Columns{Agency: "ag-1", Parent: "req-1", Fixed: liaison.ColumnAgency | liaison.ColumnParent | liaison.ColumnKey}},
		{liaison.KindAction, liaison.ActionRecord{ID: "act-1", Agency: "ag-1", Request: "req-1", Decision: "dec-1", Action: "notify_release"},
			liaison.Columns{Agency: "ag-1", Parent: "req-1", Fixed: liaison.ColumnAgency | liaison.ColumnParent | liaison.ColumnKey}},
		{liaison.KindDuty, liaison.DutyRecord{ID: "duty-1", Agency: "ag-1", Request: "req-1", Decision: "dec-1"},
			liaison.Columns{Agency: "ag-1", Parent: "req-1", Fixed: liaison.ColumnAgency | liaison.ColumnParent | liaison.ColumnKey}},
		{liaison.KindOverride, liaison.OverrideRecord{ID: "ovr-1", Agency: "ag-1", Request: "req-1", Action: "share_info"},
			liaison.Columns{Agency: "ag-1", Parent: "req-1", Fixed: liaison.ColumnAgency | liaison.ColumnParent | liaison.ColumnKey}},
		{liaison.KindDutyChange, liaison.DutyChangeRecord{ID: "dc-1", Agency: "ag-1", Duty: "duty-1", Status: liaison.DutyDone},
			liaison.Columns{Agency: "ag-1", Parent: "duty-1", Fixed: 15}},
		{liaison.KindDutyChange, liaison.DutyChangeRecord{ID: "dc-2", Agency: "ag-1", Duty: "duty-1", Status: liaison.DutyEscalated, Key: "duty-1/escalated"},
			liaison.Columns{Agency: "ag-1", Parent: "duty-1", Key: "duty-1/escalated", Fixed: 15}},
		{liaison.KindDelivery, liaison.DeliveryRecord{ID: "dl-1", Agency: "ag-1", Action: "act-1", Channel: "webhook"},
			liaison.Columns{Agency: "ag-1", Parent: "act-1", Fixed: 15}},
		{liaison.KindAction, liaison.ActionRecord{ID: "act-2", Agency: "ag-1", Request: "req-1", Action: "honor_detainer", IdempotencyKey: "a-1",
			Message: &liaison.Message{ID: "act-2", Agency: "ag-2", Request: "req-9", Action: "notify_release"}},
			liaison.Columns{Agency: "ag-1", Parent: "req-1", Key: "req-1/a-1", Fixed: liaison.ColumnAgency | liaison.ColumnParent | liaison.ColumnKey}},
		{liaison.KindDeliveryClaim, liaison.DeliveryClaimRecord{ID: "clm-1", Agency: "ag-1", Action: "act-1", Attempt: 2, Slot: "act-1/2", Node: "n"},
			liaison.Columns{Agency: "ag-1", Parent: "act-1", Key: "act-1/2", Fixed: 15}},
		{liaison.KindActionOutcome, liaison.ActionOutcomeRecord{ID: "aoc-1", Agency: "ag-1", Request: "req-1", Action: "act-1", Status: liaison.ActionDelivered, Attempts: 1},
			liaison.Columns{Agency: "ag-1", Parent: "req-1", Key: "act-1", Fixed: 15}},
		{liaison.KindChannel, liaison.ChannelRecord{ID: "chn-1", Agency: "ag-1", Kind: "webhook", URL: "https://x.example", SealedSecret: "abc"},
			liaison.Columns{Agency: "ag-1", Fixed: 15}},
		{liaison.KindRead, liaison.ReadRecord{ID: "rd-1", Agency: "ag-1", Person: "per-1", Request: "req-1"},
			liaison.Columns{Agency: "ag-1", Person: "per-1", Parent: "req-1", Fixed: 15}},
		{liaison.KindRead, liaison.ReadRecord{ID: "rd-2", Agency: "ag-1", Person: "per-1"},
			liaison.Columns{Agency: "ag-1", Person: "per-1", Parent: "per-1", Fixed: 15}},
		{liaison.KindToken, liaison.TokenRecord{ID: "tok-1", Role: liaison.RoleAdmin, Agency: "ag-1", Hash: "abc"},
			liaison.Columns{Agency: "ag-1", Key: "abc", Fixed: 15}},
		{liaison.KindTokenRevoked, map[string]any{"id": "rvk-1", "token": "tok-1", "actor": actor},
			liaison.Columns{Parent: "tok-1", Key: "tok-1", Fixed: liaison.ColumnPerson | liaison.ColumnParent | liaison.ColumnKey}},
		{liaison.KindPackSet, liaison.PackSetRecord{ID: "9f0a", Files: []liaison.PackFile{{Path: "us/x.yaml"}}},
			liaison.Columns{Key: "9f0a", Fixed: 15}},
		{liaison.KindFacts, liaison.FactsRecord{ID: "fct-1", Agency: "ag-1", Request: "req-1", IdempotencyKey: "f-1", Reason: "found later",
			FederalRequest: &liaison.FederalRequest{Kind: "detainer"}, Subject: &liaison.Subject{Age: 30}, RecordedBy: liaison.Actor{ID: "tok-1", Agency: "ag-2"}},
			liaison.Columns{Agency: "ag-1", Parent: "req-1", Key: "req-1/f-1", Fixed: liaison.ColumnAgency | liaison.ColumnParent | liaison.ColumnKey}},
		{liaison.KindBooking, liaison.BookingRecord{ID: "bkg-1", Agency: "ag-1", Number: "B-1", Person: "per-1"},
			liaison.Columns{Agency: "ag-1", Person: "per-1", Parent: "per-1", Key: "ag-1/B-1", Fixed: 15}},
		{liaison.KindContact, liaison.ContactRecord{ID: "con-1", Agency: "ag-1", Officer: "B-17", Person: "per-1", IdempotencyKey: "<m1@x>", RecordedBy: actor},
			liaison.Columns{Agency: "ag-1", Person: "per-1", Key: "ag-1/<m1@x>", Fixed: 15}},
		{liaison.KindContactFinding, liaison.ContactFindingRecord{ID: "cfd-1", Agency: "ag-1", Contact: "con-1", Finding: "lawful", Actor: actor},
			liaison.Columns{Agency: "ag-1", Parent: "con-1", Fixed: 15}},
		{liaison.KindContactDraft, liaison.ContactDraftRecord{ID: "cdr-1", Agency: "ag-1", MessageID: "<m1@x>", Officer: "a@bpd.example", RecordedBy: actor},
			liaison.Columns{Agency: "ag-1", Key: "ag-1/<m1@x>", Fixed: 15}},
		{liaison.KindSession, liaison.SessionRecord{ID: "ses-1", Agency: "ag-1", Hash: "abc", Actor: actor},
			liaison.Columns{Agency: "ag-1", Key: "abc", Fixed: 15}},
		{liaison.KindSessionSeen, liaison.SessionSeenRecord{ID: "ssn-1", Agency: "ag-1", Session: "ses-1"},
			liaison.Columns{Agency: "ag-1", Parent: "ses-1", Fixed: 15}},
		{liaison.KindSessionEnded, liaison.SessionEndedRecord{ID: "sen-1", Agency: "ag-1", Session: "ses-1", Reason: "signed out"},
			liaison.Columns{Agency: "ag-1", Parent: "ses-1", Key: "ses-1", Fixed: 15}},
		{liaison.KindSignInCode, liaison.SignInCodeRecord{ID: "sic-1", Agency: "ag-1", Hash: "def", Actor: actor},
			liaison.Columns{Agency: "ag-1", Key: "def", Fixed: 15}},
		{liaison.KindSignInCodeUsed, liaison.SignInCodeUsedRecord{ID: "scu-1", Agency: "ag-1", Code: "sic-1", Session: "ses-1"},
			liaison.Columns{Agency: "ag-1", Parent: "sic-1", Key: "sic-1", Fixed: 15}},
		{liaison.KindCaseClosed, liaison.CaseClosedRecord{ID: "ccl-1", Agency: "ag-1", Request: "req-1", Person: "per-1"},
			liaison.Columns{Agency: "ag-1", Person: "per-1", Parent: "req-1", Key: "req-1", Fixed: 15}},
		{liaison.KindCaseReopened, liaison.CaseReopenedRecord{ID: "cro-1", Agency: "ag-1", Request: "req-1", Person: "per-1", Key: liaison.CaseKey("req-1", 1)},
			liaison.Columns{Agency: "ag-1", Person: "per-1", Parent: "req-1", Key: "req-1/1", Fixed: 15}},
		{liaison.KindCaseClosed, liaison.CaseClosedRecord{ID: "ccl-2", Agency: "ag-1", Request: "req-1", Key: liaison.CaseKey("req-1", 12)},
			liaison.Columns{Agency: "ag-1", Parent: "req-1", Key: "req-1/12", Fixed: 15}},
		{liaison.KindCheckpoint, map[string]any{"size": 3, "hash": "aGFzaA==", "note": "n"}, liaison.Columns{Fixed: 15}},
		{"some_new_kind", map[string]any{"agency": "ag-1"}, liaison.Columns{}},
	} {
		body, err := json.Marshal(tc.body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := liaison.ColumnsOf(tc.kind, body)
		if err != nil || got != tc.want {
			t.Errorf("ColumnsOf(%s, %s) = %+v, %v, want %+v", tc.kind, body, got, err, tc.want)
		}
	}
	if _, err := liaison.ColumnsOf(liaison.KindToken, []byte("[1]")); liaison.KindOf(err) != liaison.Invalid {
		t.Errorf("ColumnsOf(token, [1]) = %v, want an error of kind invalid", err)
	}
	// A close or reopening keyed otherwise than its request in a round
	// would let a case close twice in one round, or reopen another's.
	for _, tc := range []struct{ kind, body string }{
		{liaison.KindCaseClosed, `{"id":"ccl-1","request":"req-1","key":"req-2"}`},
		{liaison.KindCaseClosed, `{"id":"ccl-1","request":"req-1","key":"req-1/0"}`},
		{liaison.KindCaseClosed, `{"id":"ccl-1","request":"req-1","key":"req-1/x"}`},
		{liaison.KindCaseReopened, `{"id":"cro-1","request":"req-1","key":"req-1"}`},
		{liaison.KindCaseReopened, `{"id":"cro-1","request":"req-1"}`},
		{liaison.KindCaseReopened, `{"id":"cro-1","request":"req-1","key":"req-1/01"}`},
	} {
		if _, err := liaison.ColumnsOf(tc.kind, []byte(tc.body)); liaison.KindOf(err) != liaison.Invalid {
			t.Errorf("ColumnsOf(%s, %s) = %v, want an error of kind invalid", tc.kind, tc.body, err)
		}
	}
}

func TestCheckColumns(t *testing.T) {
	body := []byte(`{"id":"per-1","agency":"ag-1"}`)
	r := &liaison.StoredRecord{Kind: liaison.KindPerson, ID: "per-1", Agency: "ag-1", Person: "per-1", Body: body}
	if err := r.CheckColumns(); err != nil {
		t.Errorf("CheckColumns(matching) = %v", err)
	}
	r.Agency = "ag-2"
	if err := r.CheckColumns(); liaison.KindOf(err) != liaison.Internal {
		t.Errorf("CheckColumns(agency moved) = %v, want an error of kind internal", err)
	}
	tok := &liaison.StoredRecord{Kind: liaison.KindToken, ID: "tok-1", Key: "the-attackers-hash", Body: []byte(`{"hash":"the-real-hash"}`)}
	err := tok.CheckColumns()
	if err == nil {
		t.Fatal("CheckColumns(token key changed) = nil")
	}
	if msg := err.Error(); strings.Contains(msg, "the-real-hash") || strings.Contains(msg, "the-attackers-hash") {
		t.Errorf("CheckColumns(token key changed) = %q: the message shows a key", msg)
	}
}
