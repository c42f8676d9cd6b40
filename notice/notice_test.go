package notice_test

import (
	"errors"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"liaison"
	"liaison/law"
	"liaison/notice"
	"liaison/packs"
)

func bundled(t *testing.T) *notice.Catalog {
	t.Helper()
	c, err := notice.Bundled()
	if err != nil {
		t.Fatalf("Bundled() = %v", err)
	}
	return c
}

// data fills every part a notice can have.
func data() notice.Data {
	return notice.Data{Person: "Ana Pérez", Booking: "B-1024", Agency: "County Jail",
		Request: notice.Request{Kind: "detainer", Form: "I-247A", Issuer: "ICE", Received: time.Date(2026, 12, 2, 17, 30, 0, 0, time.UTC)},
		Intent:  notice.Comply, Release: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC), Due: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)}
}

// TestEveryNoticeEveryLanguage renders every notice in every language, and
// checks each carries its own text, not another language's.
func TestEveryNoticeEveryLanguage(t *testing.T) {
	c := bundled(t)
	langs := c.Languages()
	if len(langs) < 2 || langs[0].Code != "en" || langs[1].Code != "es" {
		t.Fatalf("Languages() = %v, want en and es at least", langs)
	}
	for _, n := range c.Notices() {
		seen := map[string]string{}
		for _, l := range langs {
			var b strings.Builder
			if err := c.RenderPage(&b, n.ID, l.Code, data()); err != nil {
				t.Errorf("RenderPage(%s, %s) = %v", n.ID, l.Code, err)
				continue
			}
			page := b.String()
			if !strings.Contains(page, `lang="`+l.Code+`"`) {
				t.Errorf("RenderPage(%s, %s): no lang=%q", n.ID, l.Code, l.Code)
			}
			title := regexp.MustCompile(`<h1>(.*)</h1>`).FindStringSubmatch(page)
			if title == nil {
				t.Errorf("RenderPage(%s, %s): no title", n.ID, l.Code)
				continue
			}
			if other, ok := seen[title[1]]; ok {
				t.Errorf("RenderPage(%s): %s and %s have the same title %q", n.ID, other, l.Code, title[1])
			}
			seen[title[1]] = l.Code
		}
	}
}

// TestMissingTranslation: a language file without the text of one notice
// is refused, naming the notice; with it, the language is one more file.
func TestMissingTranslation(t *testing.T) {
	fsys := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS("."), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		b, err := os.ReadFile(p)
		fsys[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	en := string(fsys["text/en.yaml"].Data)
	fsys["text/xx.yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(en, "name: English", "name: Test", 1))}
	c, err := notice.Open(fsys)
	if err != nil {
		t.Fatalf("Open(with a complete third language) = %v", err)
	}
	if got := c.Languages(); len(got) != 3 || got[2] != (notice.Language{Code: "xx", Name: "Test"}) {
		t.Errorf("Languages() = %v, want en, es and xx", got)
	}
	i, j := strings.Index(en, "  or-status-notice:"), strings.Index(en, "  nj-request-notice:")
	fsys["text/xx.yaml"] = &fstest.MapFile{Data: []byte(en[:i] + en[j:])}
	if _, err := notice.Open(fsys); err == nil || !strings.Contains(err.Error(), "text/xx.yaml: no translation of notice or-status-notice") {
		t.Errorf("Open(without or-status-notice in xx) = %v, want it to name the missing translation", err)
	}
	fsys["text/xx.yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(en, "{agency} has received", "{agencia} has received", 1))}
	if _, err := notice.Open(fsys); err == nil || !strings.Contains(err.Error(), "unknown placeholder {agencia}") {
		t.Errorf("Open(with {agencia}) = %v, want an unknown placeholder", err)
	}
}

// TestEveryNoticeCitesItsLaw: each notice names the law that requires it,
// with the law's words and their source, on the page in every language.
func TestEveryNoticeCitesItsLaw(t *testing.T) {
	c := bundled(t)
	for _, n := range c.Notices() {
		if n.Citation == "" || n.Quote == "" || !strings.HasPrefix(n.Source, "http") {
			t.Errorf("notice %s: citation %q, quote %q, source %q: want all three", n.ID, n.Citation, n.Quote, n.Source)
		}
		for _, l := range c.Languages() {
			var b strings.Builder
			if err := c.Render(&b, n.ID, l.Code, data()); err != nil {
				t.Fatal(err)
			}
			if cite := "<cite>" + escape(n.Citation) + "</cite>"; !strings.Contains(b.String(), cite) {
				t.Errorf("Render(%s, %s) lacks %s", n.ID, l.Code, cite)
			}
		}
	}
	// The duty's citation is shown when it is one of the notice's.
	var b strings.Builder
	d := data()
	d.Citation = "Tex. Code Crim. Proc. art. 2A.060(a)(2)"
	if err := c.Render(&b, "tx-detainer-hold", "en", d); err != nil || !strings.Contains(b.String(), "<cite>"+d.Citation+"</cite>") {
		t.Errorf("Render(tx-detainer-hold, citation %q) = %v, want it cited", d.Citation, err)
	}
}

func escape(s string) string {
	return strings.NewReplacer("'", "&#39;", "&", "&amp;", "<", "&lt;").Replace(s)
}

// personDuties are the duties of the bundled packs that give the person a
// notice, by ../shared/law/notices.md, and the notice each names.
var personDuties = map[string]string{
	"us-ca-truth-act/consent-form":                       "ca-interview-consent",
	"us-ca-truth-act/copy-of-request":                    "ca-request-copy",
	"us-ca-truth-act/release-notice-to-person":           "ca-release-notice",
	"us-ca-values-act/cdcr-copy-of-request":              "ca-request-copy",
	"us-tx-ccp-detainer-duty/comply-with-detainer":       "tx-detainer-hold",
	"us-or-sanctuary-promise/status-question-exceptions": "or-status-notice",
	"us-nj-immigrant-trust-directive/notice-to-detainee": "nj-request-notice",
	"us-ice-detainer-forms/detainer-notice-of-action":    "detainer-copy",
}

// toPerson finds a duty's text that has the agency tell or give the
// person something: a second look, beside the table above, so that a new
// pack's notice duty without a notice fails here.
var toPerson = regexp.MustCompile(`(?i)\b(give|tell|inform|serve|notify)\b[^.]*\b(the person|the detainee|the individual|on the person)\b`)

// TestPackDutiesHaveNotices checks every duty of the bundled packs that is
// a notice to the person names its notice, which cites the duty's law.
func TestPackDutiesHaveNotices(t *testing.T) {
	c := bundled(t)
	set, err := law.Load(packs.FS())
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	rules := map[string]*law.Rule{}
	found := map[string]bool{}
	for _, pk := range set.Packs() {
		for _, v := range pk.Versions {
			for _, r := range v.Rules {
				rules[r.Key()] = r
				for _, du := range r.Duties {
					want, listed := personDuties[r.Key()]
					cite := du.Citation
					if cite == "" {
						cite = r.Citation
					}
					switch {
					case du.Notice == "" && listed:
						t.Errorf("%s (version %s): duty %q names no notice, want %s", r.Key(), v.Version, du.Text, want)
					case du.Notice == "" && toPerson.MatchString(du.Text) && !strings.Contains(du.Text, "judge"):
						t.Errorf("%s: duty %q reads as a notice to the person but names none (add notice: and list it in personDuties)", r.Key(), du.Text)
					case du.Notice != "" && du.Notice != want:
						t.Errorf("%s: duty names notice %q, want %q", r.Key(), du.Notice, want)
					case du.Notice != "":
						n, ok := c.Notice(du.Notice)
						if !ok {
							t.Errorf("%s: duty names notice %q, which the catalog lacks", r.Key(), du.Notice)
						} else if !n.Cites(cite) {
							t.Errorf("%s: duty cites %q, notice %s cites %q %v", r.Key(), cite, n.ID, n.Citation, n.Citations)
						}
						named[du.Notice], found[r.Key()] = true, true
					}
				}
			}
		}
	}
	for key := range personDuties {
		if !found[key] {
			t.Errorf("no duty of %s names a notice", key)
		}
	}
	for _, n := range c.Notices() {
		switch {
		case named[n.ID] && n.Rule != "":
			t.Errorf("notice %s: named by a duty and by rule %s: one or the other", n.ID, n.Rule)
		case named[n.ID]:
		case n.Rule == "":
			t.Errorf("notice %s: no pack duty names it", n.ID)
		case rules[n.Rule] == nil:
			t.Errorf("notice %s: rule %s is in no bundled pack", n.ID, n.Rule)
		case !n.Cites(rules[n.Rule].Citation):
			t.Errorf("notice %s cites %q, its rule %s %q", n.ID, n.Citation, n.Rule, rules[n.Rule].Citation)
		}
	}
}

// TestDecisionNamesNotice: a decision's duty carries its notice, and For
// finds it.
func TestDecisionNamesNotice(t *testing.T) {
	set, err := law.Load(packs.FS())
	if err != nil {
		t.Fatal(err)
	}
	req, err := liaison.DecodeRequest([]byte(`{"as_of": "2024-03-01T10:00:00Z", "jurisdiction": "us/ca", "agency": {"type": "jail"},
		"action": "honor_detainer", "request": {"kind": "detainer", "form": "I-247A", "issuer": "ICE"}}`))
	if err != nil {
		t.Fatal(err)
	}
	d, err := set.Decide(req, law.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, du := range d.Duties {
		if id, ok := notice.For(du); ok {
			got = append(got, id)
		}
	}
	if !strings.Contains(strings.Join(got, " "), "ca-request-copy") {
		t.Errorf("Decide(CA detainer, 2024): duties' notices %v, want ca-request-copy", got)
	}
	if id, ok := notice.For(liaison.Duty{Notice: "no-such-notice"}); ok {
		t.Errorf("For(no-such-notice) = %q, true", id)
	}
}

// TestMarkupIsText: a name, an agency or a placeholder's value holding
// markup is shown as text.
func TestMarkupIsText(t *testing.T) {
	c := bundled(t)
	d := data()
	d.Person = `<script>alert("x")</script>`
	d.Agency = `<img src=x onerror=alert(1)> Jail`
	d.Booking = `"><b>`
	for _, n := range c.Notices() {
		var b strings.Builder
		if err := c.RenderPage(&b, n.ID, "en", d); err != nil {
			t.Fatal(err)
		}
		page := b.String()
		for _, bad := range []string{"<script>", "<img", `"><b>`} {
			if strings.Contains(page, bad) {
				t.Errorf("RenderPage(%s) holds %q as markup", n.ID, bad)
			}
		}
		if !strings.Contains(page, "&lt;script&gt;") || !strings.Contains(page, "&lt;img src=x onerror=alert(1)&gt; Jail") {
			t.Errorf("RenderPage(%s) does not show the name and agency as text", n.ID)
		}
	}
}

// TestSpanishAccents: Spanish text keeps its accents, as UTF-8 on a UTF-8 page.
func TestSpanishAccents(t *testing.T) {
	c := bundled(t)
	var b strings.Builder
	if err := c.RenderPage(&b, "ca-interview-consent", "es", data()); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{`<meta charset="utf-8">`, "Propósito de la entrevista", "Inmigración", "Ana Pérez", "2 de diciembre de 2026, 17:30 UTC", "No acepto ser entrevistado por ICE."} {
		if !strings.Contains(page, want) {
			t.Errorf("RenderPage(ca-interview-consent, es) lacks %q", want)
		}
	}
}

// TestPrintStylesheet: the page carries the print rules inline, and
// StyleHash admits them.
func TestPrintStylesheet(t *testing.T) {
	c := bundled(t)
	var b strings.Builder
	if err := c.RenderPage(&b, "tx-detainer-hold", "en", data()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "<style>"+string(c.Stylesheet())+"</style>") || !strings.Contains(string(c.Stylesheet()), "@media print") {
		t.Error("RenderPage: no inline print stylesheet")
	}
	if h := c.StyleHash(); !strings.HasPrefix(h, "'sha256-") {
		t.Errorf("StyleHash() = %q", h)
	}
}

func TestRenderErrors(t *testing.T) {
	c := bundled(t)
	d := data()
	for _, tc := range []struct {
		id, lang string
		edit     func(*notice.Data)
		kind     liaison.ErrorKind
	}{
		{"no-such", "en", nil, liaison.NotFound},
		{"ca-request-copy", "xx", nil, liaison.NotFound},
		{"ca-request-copy", "en", func(d *notice.Data) { d.Intent = "" }, liaison.Invalid},
		{"ca-release-notice", "en", func(d *notice.Data) { d.Release = time.Time{} }, liaison.Invalid},
	} {
		dd := d
		if tc.edit != nil {
			tc.edit(&dd)
		}
		err := c.Render(&strings.Builder{}, tc.id, tc.lang, dd)
		var le *liaison.Error
		if !errors.As(err, &le) || le.Kind != tc.kind {
			t.Errorf("Render(%s, %s) = %v, want a %s error", tc.id, tc.lang, err, tc.kind)
		}
	}
}

// TestIntentOf: what staff did decides the intent, then the law where it
// leaves no choice; a request whose actions differ is complied with in part.
func TestIntentOf(t *testing.T) {
	hold, notify := liaison.HonorDetainer, liaison.NotifyRelease
	for _, tc := range []struct {
		name  string
		st    []notice.Standing
		whole notice.Intent
		each  []notice.Intent
	}{
		{"nothing asked", nil, notice.Undecided, nil},
		{"required, not yet done", []notice.Standing{{Action: hold, Outcome: liaison.Required}}, notice.Comply, []notice.Intent{notice.Comply}},
		{"forbidden", []notice.Standing{{Action: hold, Outcome: liaison.Forbidden}}, notice.Decline, []notice.Intent{notice.Decline}},
		{"conflict is counsel's to resolve", []notice.Standing{{Action: hold, Outcome: liaison.Conflict}}, notice.Undecided, []notice.Intent{notice.Undecided}},
		{"permitted, not yet chosen", []notice.Standing{{Action: notify, Outcome: liaison.Permitted}}, notice.Undecided, []notice.Intent{notice.Undecided}},
		{"undetermined", []notice.Standing{{Action: notify, Outcome: liaison.Undetermined, Status: liaison.ActionNeedsFacts}}, notice.Undecided, []notice.Intent{notice.Undecided}},
		{"sent, not yet delivered", []notice.Standing{{Action: notify, Outcome: liaison.Permitted, Status: liaison.ActionPending}}, notice.Comply, []notice.Intent{notice.Comply}},
		{"refused though permitted", []notice.Standing{{Action: notify, Outcome: liaison.Permitted, Status: liaison.ActionRefused}}, notice.Decline, []notice.Intent{notice.Decline}},
		{"hold forbidden, release date given", []notice.Standing{{Action: hold, Outcome: liaison.Forbidden}, {Action: notify, Outcome: liaison.Permitted, Status: liaison.ActionDoneOffline}},
			notice.Partly, []notice.Intent{notice.Decline, notice.Comply}},
		{"both refused", []notice.Standing{{Action: hold, Outcome: liaison.Forbidden, Status: liaison.ActionRefused}, {Action: notify, Outcome: liaison.Forbidden}},
			notice.Decline, []notice.Intent{notice.Decline, notice.Decline}},
		{"one carried out, one not decided", []notice.Standing{{Action: hold, Outcome: liaison.Permitted, Status: liaison.ActionCarriedOut}, {Action: notify, Outcome: liaison.Permitted}},
			notice.Partly, []notice.Intent{notice.Comply, notice.Undecided}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			whole, each := notice.IntentOf(tc.st)
			var got []notice.Intent
			for i, a := range each {
				if a.Action != tc.st[i].Action {
					t.Errorf("IntentOf action %d = %s, want %s", i, a.Action, tc.st[i].Action)
				}
				got = append(got, a.Intent)
			}
			if whole != tc.whole || !slices.Equal(got, tc.each) {
				t.Errorf("IntentOf(%+v) = %s, %v; want %s, %v", tc.st, whole, got, tc.whole, tc.each)
			}
		})
	}
}

// TestPartlyIntent: the copy of a detainer whose hold the agency refuses
// but whose release date it gives says so, action by action, in each
// language; without the actions it is refused.
func TestPartlyIntent(t *testing.T) {
	c := bundled(t)
	whole, each := notice.IntentOf([]notice.Standing{{Action: liaison.HonorDetainer, Outcome: liaison.Forbidden},
		{Action: liaison.NotifyRelease, Outcome: liaison.Permitted, Status: liaison.ActionDoneOffline}})
	d := data()
	d.Intent, d.Actions = whole, each
	for lang, want := range map[string][]string{
		"en": {"County Jail intends to comply with part of this request:",
			"<li>Keep you in custody after you would otherwise be released: County Jail will not do this.</li>",
			"<li>Tell U.S. Immigration and Customs Enforcement (ICE) when you will be released: County Jail will do this.</li>"},
		"es": {"County Jail tiene la intención de cumplir con parte de esta solicitud:",
			"<li>Mantenerle bajo custodia cuando de otro modo sería liberado: County Jail no lo hará.</li>",
			"Avisar a Servicio de Inmigración y Control de Aduanas de los Estados Unidos (ICE) cuándo será liberado: County Jail lo hará.</li>"},
	} {
		var b strings.Builder
		if err := c.Render(&b, "ca-request-copy", lang, d); err != nil {
			t.Fatalf("Render(ca-request-copy, %s) = %v", lang, err)
		}
		for _, w := range want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("Render(ca-request-copy, %s) lacks %q:\n%s", lang, w, b.String())
			}
		}
		if strings.Contains(b.String(), "intends to comply with this request") || strings.Contains(b.String(), "cumplir con esta solicitud") {
			t.Errorf("Render(ca-request-copy, %s) says the agency complies with the whole request", lang)
		}
	}
	d.Actions = nil
	if err := c.Render(&strings.Builder{}, "ca-request-copy", "en", d); liaison.KindOf(err) != liaison.Invalid {
		t.Errorf("Render(partly without actions) = %v, want invalid", err)
	}
}

// TestLawWords: where the law gives the notice's words, the English text
// keeps them, so that the notice says what the law says.
func TestLawWords(t *testing.T) {
	c := bundled(t)
	for _, n := range c.Notices() {
		if n.ID != "detainer-copy" && len(n.Says) == 0 {
			t.Errorf("notice %s lists none of the law's words (says)", n.ID)
		}
		var b strings.Builder
		if err := c.Render(&b, n.ID, "en", data()); err != nil {
			t.Fatal(err)
		}
		body, _, _ := strings.Cut(b.String(), `<footer`) // not the law's words quoted in the footer
		text := strings.Join(strings.Fields(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(body, " ")), " ")
		text = strings.ReplaceAll(text, "&#39;", "'")
		for _, w := range n.Says {
			if !strings.Contains(text, w) {
				t.Errorf("notice %s (en) does not say %q", n.ID, w)
			}
		}
	}
}

// TestUndecidedIntent: a copy of the request given before the agency has
// decided says so (Cal. Gov. Code 7283.1(b) asks whether it intends to
// comply) and tells the person how to learn the decision: staff print the
// notice again, with the intent as it stands then. It promises no later
// notice, which no duty of the desk would bring.
func TestUndecidedIntent(t *testing.T) {
	c := bundled(t)
	d := data()
	d.Intent, d.Actions = notice.IntentOf([]notice.Standing{{Action: liaison.NotifyRelease, Outcome: liaison.Undetermined, Status: liaison.ActionNeedsFacts}})
	for lang, want := range map[string]struct{ says, not string }{
		"en": {"County Jail has not yet decided whether it will comply with this request. You may ask its staff for this notice again at any time", "You will be told"},
		"es": {"County Jail aún no ha decidido si cumplirá con esta solicitud. Puede pedir a su personal este aviso de nuevo", "Se le informará"},
	} {
		var b strings.Builder
		if err := c.Render(&b, "ca-request-copy", lang, d); err != nil {
			t.Fatalf("Render(ca-request-copy, %s) = %v", lang, err)
		}
		if !strings.Contains(b.String(), want.says) || strings.Contains(b.String(), want.not) {
			t.Errorf("Render(ca-request-copy, %s, undecided) = %s\nwant %q and not %q", lang, b.String(), want.says, want.not)
		}
	}
}
