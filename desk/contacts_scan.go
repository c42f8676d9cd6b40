package desk

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"

	"liaison"
)

// DefaultFederalDomains are the domains a scan looks for when given none:
// DHS and its immigration components.
var DefaultFederalDomains = []string{"ice.dhs.gov", "cbp.dhs.gov", "dhs.gov"}

// Mail is one message of an export: where it is (a message number and
// line in an mbox file, or a file name) and its bytes.
type Mail struct {
	Position string
	Raw      []byte
}

// ScanReport says what a scan of an e-mail export found.
type ScanReport struct {
	Messages int `json:"messages"`
	// Matched were exchanged with a federal domain; of them, Created are
	// new drafts and Existing were stored by an earlier scan.
	Matched   int                     `json:"matched"`
	Created   int                     `json:"created"`
	Existing  int                     `json:"existing"`
	Malformed []MalformedMessage      `json:"malformed"`
	Drafts    []string                `json:"drafts"`
	drafts    []*liaison.StoredRecord // to append
}

// MalformedMessage is a message a scan skipped, with where it is and why.
type MalformedMessage struct {
	Position string `json:"position"`
	Error    string `json:"error"`
}

// scanBatch is how many drafts a scan appends in one write.
const scanBatch = 500

// ScanMail reads the messages each hands it and stores a draft contact
// (liaison.ContactDraftRecord) for each one exchanged with an address of
// domains (or a subdomain), for the agency. A message without a usable
// From, Date or header is reported with its position and skipped. Drafts
// are keyed by Message-ID (a message without one by the hash of its
// bytes): a scan run again stores nothing new.
func (d *Desk) ScanMail(ctx context.Context, by liaison.Actor, agency string, domains []string, each func(func(Mail) error) error) (*ScanReport, error) {
	if err := need(by, reviewRoles...); err != nil {
		return nil, err
	}
	agency, err := d.contactAgency(ctx, by, agency)
	if err != nil {
		return nil, err
	}
	if len(domains) == 0 {
		domains = DefaultFederalDomains
	}
	seen := map[string]bool{}
	if _, err := liaison.Each(ctx, d.store, liaison.Filter{Kind: liaison.KindContactDraft, Agency: agency}, 0,
		func(c liaison.ContactDraftRecord, _ int64) { seen[c.MessageID] = true }); err != nil {
		return nil, fmt.Errorf("scan mail: %w", err)
	}
	rep := &ScanReport{Malformed: []MalformedMessage{}, Drafts: []string{}}
	err = each(func(m Mail) error {
		rep.Messages++
		c, err := d.draft(by, agency, domains, m.Raw)
		if err != nil {
			rep.Malformed = append(rep.Malformed, MalformedMessage{Position: m.Position, Error: err.Error()})
			return nil
		}
		if c == nil {
			return nil
		}
		rep.Matched++
		if seen[c.MessageID] {
			rep.Existing++
			return nil
		}
		seen[c.MessageID] = true
		rec, err := d.record(liaison.KindContactDraft, c.ID, agency, "", "", agency+"/"+c.MessageID, c.RecordedAt, c)
		if err != nil {
			return err
		}
		rep.drafts = append(rep.drafts, rec)
		rep.Drafts = append(rep.Drafts, c.ID)
		if len(rep.drafts) >= scanBatch {
			return d.flushDrafts(ctx, rep)
		}
		return nil
	})
	if err == nil {
		err = d.flushDrafts(ctx, rep)
	}
	if err != nil {
		return nil, fmt.Errorf("scan mail: %w", err)
	}
	d.log.InfoContext(ctx, "scan mail", "agency", agency, "messages", rep.Messages, "created", rep.Created, "malformed", len(rep.Malformed))
	return rep, nil
}

// flushDrafts appends the drafts waiting in rep, in one write. When a
// scan running at the same time stored one of them first, each is
// appended alone and the ones stored already counted as existing.
func (d *Desk) flushDrafts(ctx context.Context, rep *ScanReport) error {
	recs := rep.drafts
	rep.drafts = nil
	if len(recs) == 0 {
		return nil
	}
	err := d.store.Append(ctx, recs...)
	if err == nil {
		rep.Created += len(recs)
		return nil
	}
	var e *liaison.Error
	if !errors.As(err, &e) || e.Kind != liaison.Conflicting {
		return err
	}
	for _, r := range recs {
		err := d.store.Append(ctx, r)
		switch {
		case err == nil:
			rep.Created++
		case liaison.KindOf(err) == liaison.Conflicting:
			rep.Existing++
			rep.Drafts = removeID(rep.Drafts, r.ID)
		default:
			return err
		}
	}
	return nil
}

func removeID(ids []string, id string) []string {
	for i, x := range ids {
		if x == id {
			return append(ids[:i], ids[i+1:]...)
		}
	}
	return ids
}

// draft reads one message: a draft when it was exchanged with a federal
// domain, nil when not, an error when it is malformed.
func (d *Desk) draft(by liaison.Actor, agency string, domains []string, raw []byte) (*liaison.ContactDraftRecord, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("header: %v", err)
	}
	from, err := mail.ParseAddressList(msg.Header.Get("From"))
	if err != nil || len(from) == 0 {
		return nil, fmt.Errorf("from: %q is not an address", msg.Header.Get("From"))
	}
	var to []*mail.Address
	for _, h := range []string{"To", "Cc"} {
		if v := msg.Header.Get(h); v != "" {
			l, err := mail.ParseAddressList(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", strings.ToLower(h), err)
			}
			to = append(to, l...)
		}
	}
	officer, federal, outgoing := "", "", false
	if federalDomain(from[0].Address, domains) {
		federal = from[0].Address
		for _, a := range to {
			if !federalDomain(a.Address, domains) {
				officer = a.Address
				break
			}
		}
	} else {
		for _, a := range to {
			if federalDomain(a.Address, domains) {
				federal, officer, outgoing = a.Address, from[0].Address, true
				break
			}
		}
	}
	if federal == "" || officer == "" {
		return nil, nil
	}
	at, err := msg.Header.Date()
	if err != nil {
		return nil, fmt.Errorf("date: %v", err)
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		return nil, fmt.Errorf("body: %v", err)
	}
	mid := strings.TrimSpace(msg.Header.Get("Message-Id"))
	if mid == "" {
		sum := sha256.Sum256(raw)
		mid = "sha256:" + hex.EncodeToString(sum[:])
	}
	id, err := d.newID("cdr")
	if err != nil {
		return nil, err
	}
	return &liaison.ContactDraftRecord{ID: id, Agency: agency, MessageID: mid, At: at.UTC(), Outgoing: outgoing,
		Officer: strings.ToLower(officer), Federal: strings.ToLower(federal), Counterpart: counterpartOf(federal),
		SubjectHash: hashHex([]byte(msg.Header.Get("Subject"))), BodyHash: hashHex(body),
		RecordedBy: by, RecordedAt: d.now().UTC()}, nil
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// federalDomain says whether addr is at one of domains or a subdomain.
func federalDomain(addr string, domains []string) bool {
	_, host, ok := strings.Cut(strings.ToLower(addr), "@")
	if !ok {
		return false
	}
	for _, d := range domains {
		d = strings.ToLower(d)
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// counterpartOf is the counterpart an address shows: CBP by its domain;
// any other is for the reviewer to say.
func counterpartOf(addr string) liaison.Counterpart {
	if federalDomain(addr, []string{"cbp.dhs.gov"}) {
		return "cbp"
	}
	return "other"
}

// ReadMbox hands fn each message of an mbox file (mboxo or mboxrd: a
// line "From " starts a message; ">From " lines are unescaped), with its
// position: its number and the line it starts on.
func ReadMbox(r io.Reader, fn func(Mail) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var cur bytes.Buffer
	n, line, start := 0, 0, 0
	in, partial := false, false
	emit := func() error {
		if !in {
			return nil
		}
		n++
		raw := bytes.Clone(cur.Bytes())
		cur.Reset()
		return fn(Mail{Position: fmt.Sprintf("message %d (line %d)", n, start), Raw: raw})
	}
	for {
		l, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: the rest of it follows.
			if in {
				cur.Write(l)
			}
			partial = true
			continue
		}
		if partial {
			partial = false
			if in {
				cur.Write(l)
			}
			line++
		} else if len(l) > 0 {
			line++
			switch {
			case bytes.HasPrefix(l, []byte("From ")):
				if err := emit(); err != nil {
					return err
				}
				in, start = true, line
			case in:
				if bytes.HasPrefix(bytes.TrimLeft(l, ">"), []byte("From ")) {
					l = l[1:]
				}
				cur.Write(l)
			}
		}
		if err == io.EOF {
			return emit()
		}
		if err != nil {
			return err
		}
	}
}
