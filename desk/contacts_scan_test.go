package desk_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
)

// mbox writes n messages of ten lines each (eleven with a broken header): of every ten, three from an officer to ICE, one
// from CBP to an officer, one with a broken header, one to ICE with no
// usable date, and four between officers. Bodies name a person and start
// a line with "From " (escaped, as mbox does).
func mbox(n int) []byte {
	var b bytes.Buffer
	date := time.Date(2019, 10, 1, 9, 0, 0, 0, time.UTC)
	for i := range n {
		fmt.Fprintf(&b, "From sender@example %s\n", date.Format(time.ANSIC))
		d := date.Add(time.Duration(i) * time.Minute).Format(time.RFC1123Z)
		from, to := fmt.Sprintf("officer%d@pd.example", i%7), "colleague@pd.example"
		switch i % 10 {
		case 0, 1, 2:
			to = fmt.Sprintf("agent%d@ice.dhs.gov", i%3)
		case 3:
			from = "officer@cbp.dhs.gov"
		case 4:
			fmt.Fprintf(&b, "This header line has no colon\n")
		case 5:
			to, d = "agent@ice.dhs.gov", "sometime last week"
		}
		fmt.Fprintf(&b, "From: %s\nTo: %s\nDate: %s\nMessage-ID: <%d@pd.example>\nSubject: release of J. Doe\n\nJ. Doe is released tomorrow at 6.\n>From the desk.\n\n", from, to, d, i)
	}
	return b.Bytes()
}

func scanMbox(t testing.TB, d *desk.Desk, agency string, data []byte) *desk.ScanReport {
	t.Helper()
	rep, err := d.ScanMail(context.Background(), supervisor, agency, nil, func(fn func(desk.Mail) error) error {
		return desk.ReadMbox(bytes.NewReader(data), fn)
	})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// A scan of 3000 messages makes exactly the expected drafts, reports each
// malformed message with its position, stores no body or subject in clear,
// and run again adds nothing.
func TestScanMail(t *testing.T) {
	e, d, a := bostonDesk(t, time.Date(2026, 1, 5, 15, 0, 0, 0, time.UTC))
	ctx := context.Background()
	data := mbox(3000)
	rep := scanMbox(t, d, a.ID, data)
	if rep.Messages != 3000 || rep.Matched != 1200 || rep.Created != 1200 || rep.Existing != 0 || len(rep.Malformed) != 600 {
		t.Fatalf("scan = %d messages, %d matched, %d created, %d existing, %d malformed; want 3000, 1200, 1200, 0, 600",
			rep.Messages, rep.Matched, rep.Created, rep.Existing, len(rep.Malformed))
	}
	if m := rep.Malformed[0]; m.Position != "message 5 (line 41)" || !strings.Contains(m.Error, "header") {
		t.Errorf("first malformed = %+v, want message 5 at line 41, a header error", m)
	}
	if m := rep.Malformed[1]; m.Position != "message 6 (line 52)" || !strings.Contains(m.Error, "date") {
		t.Errorf("second malformed = %+v, want message 6 at line 52 (after its ten lines and the extra one of message 5), a date error", m)
	}
	recs, err := e.store.List(ctx, liaison.Filter{Kind: liaison.KindContactDraft, Agency: a.ID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1000 {
		t.Fatalf("listed %d drafts, want a full page", len(recs))
	}
	var cbp, outgoing int
	for _, r := range recs {
		if bytes.Contains(r.Body, []byte("Doe")) || bytes.Contains(r.Body, []byte("release")) {
			t.Fatalf("draft %s holds the message in clear: %s", r.ID, r.Body)
		}
		if bytes.Contains(r.Body, []byte(`"counterpart":"cbp"`)) {
			cbp++
		}
		if bytes.Contains(r.Body, []byte(`"outgoing":true`)) {
			outgoing++
		}
	}
	if cbp != 250 || outgoing != 750 {
		t.Errorf("first 1000 drafts: %d from CBP, %d outgoing; want 250, 750", cbp, outgoing)
	}
	drafts, next, err := d.Drafts(ctx, auditor, a.ID, desk.Page{Limit: 1000})
	if err != nil || len(drafts) != 1000 || next == "" || drafts[0].MessageID != "<0@pd.example>" || drafts[0].Officer != "officer0@pd.example" || drafts[0].Federal != "agent0@ice.dhs.gov" {
		t.Errorf("Drafts = %d, %q, %v; first %+v", len(drafts), next, err, drafts[0])
	}
	if rest, next, err := d.Drafts(ctx, auditor, a.ID, desk.Page{Cursor: next, Limit: 1000}); err != nil || len(rest) != 200 || next != "" {
		t.Errorf("Drafts, page 2 = %d, %q, %v; want the last 200", len(rest), next, err)
	}
	again := scanMbox(t, d, a.ID, data)
	if again.Created != 0 || again.Existing != 1200 || len(again.Malformed) != 600 {
		t.Errorf("scan again = %d created, %d existing, %d malformed; want 0, 1200, 600", again.Created, again.Existing, len(again.Malformed))
	}
	if _, err := d.ScanMail(ctx, clerk, a.ID, nil, func(func(desk.Mail) error) error { return nil }); liaison.KindOf(err) != liaison.Denied {
		t.Errorf("a clerk's scan = %v, want denied", err)
	}
}

// BenchmarkScanMail reports messages scanned per second (a new agency's
// mbox of 3000 messages, 1200 drafts stored, each iteration).
func BenchmarkScanMail(b *testing.B) {
	e := newEnv(b)
	e.clock.t = time.Date(2026, 1, 5, 15, 0, 0, 0, time.UTC)
	d := e.desk(b)
	data := mbox(3000)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		a, err := d.CreateAgency(ctx, admin, desk.AgencyInput{Name: fmt.Sprint("Boston ", i), Jurisdiction: "us/ma/boston", Type: "police"})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if rep := scanMbox(b, d, a.ID, data); rep.Created != 1200 {
			b.Fatalf("created %d drafts", rep.Created)
		}
	}
	b.ReportMetric(float64(3000*b.N)/b.Elapsed().Seconds(), "messages/s")
}
