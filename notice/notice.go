// Package notice renders the notices to the person that the bundled law
// packs call for (the TRUTH Act's consent form and copy of the request,
// Texas's notice of a detainer hold, ...), as printable HTML in every
// language it has text for, each citing the law that requires it.
//
// A pack's duty names its notice (`notice: ca-request-copy`); the notices
// themselves, language-independent, are in notices.yaml, and the words the
// person reads are in text/<language>.yaml, one file per language: adding
// a language is adding a file (docs/notices.md).
package notice

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-yaml"

	"liaison"
)

//go:embed notices.yaml notice.html notice.css text/*.yaml
var bundled embed.FS

// A Notice is one notice to the person, whatever the language.
type Notice struct {
	ID           string               `yaml:"id"`
	Jurisdiction liaison.Jurisdiction `yaml:"jurisdiction"`
	// Citation is the law that requires the notice; Citations are other
	// provisions that require the same notice (a renumbering, a parallel
	// duty of another agency).
	Citation  string   `yaml:"citation"`
	Citations []string `yaml:"citations"`
	// Quote is the law's own words for the notice, in English.
	Quote  string `yaml:"quote"`
	Source string `yaml:"source"`
	// Says are the law's own words for what the notice must tell, which
	// the English text keeps as they are (the other languages translate it).
	Says []string `yaml:"says"`
	// StaffNote is shown to staff on screen and never printed.
	StaffNote string `yaml:"staff_note"`
	// Rule, for a notice no duty names, is the pack rule ("pack/rule")
	// whose condition asks for it.
	Rule string `yaml:"rule"`
	// Parts are the sections the notice has beside its text: request (the
	// request's kind, form, sender and date), intent (whether the agency
	// will comply), release (the release date), choices (boxes to mark),
	// lines (blank lines to fill in), signatures.
	Parts []string `yaml:"parts"`
}

var partNames = []string{"request", "intent", "release", "choices", "lines", "signatures"}

// Has reports whether the notice has the part.
func (n *Notice) Has(part string) bool { return slices.Contains(n.Parts, part) }

// Cites reports whether the notice is the one a duty citing citation asks for.
func (n *Notice) Cites(citation string) bool {
	return citation == n.Citation || slices.Contains(n.Citations, citation)
}

// A Language is one language the notices are written in.
type Language struct {
	Code string // the file's name: "es" for text/es.yaml
	Name string // in the language itself: "Español"
}

// text is one language's file.
type text struct {
	Name    string            `yaml:"name"`
	Date    string            `yaml:"date"`
	Months  []string          `yaml:"months"`
	Labels  map[string]string `yaml:"labels"`
	Kinds   map[string]string `yaml:"kinds"`
	Issuers map[string]string `yaml:"issuers"`
	Intents map[string]string `yaml:"intents"`
	// Actions name each action a request may ask for, and ActionIntents
	// say, after one, what the agency will do about it (intent partly).
	Actions       map[string]string      `yaml:"actions"`
	ActionIntents map[string]string      `yaml:"action_intents"`
	Notices       map[string]*noticeText `yaml:"notices"`
}

type noticeText struct {
	Title   string   `yaml:"title"`
	Body    []string `yaml:"body"`
	Choices []string `yaml:"choices"`
	Lines   []string `yaml:"lines"`
}

var labelNames = []string{"person", "booking", "agency", "request", "form", "issuer", "received", "release", "due", "intent",
	"choices", "signature_person", "signature_staff", "date", "legal_basis", "law_words", "print", "disclaimer"}

var placeholders = []string{"agency", "issuer", "kind"}

// intents are the intents a notice states, in the order the text files
// give them; the first three are also an action's.
var intents = []Intent{Comply, Decline, Undecided, Partly}

// A Catalog holds the notices and their text in every language.
type Catalog struct {
	notices []*Notice
	byID    map[string]*Notice
	langs   []Language
	texts   map[string]*text
	tmpl    *template.Template
	css     string
}

// Bundled returns the catalog built into the binary (parsed once).
func Bundled() (*Catalog, error) { return bundledOnce() }

var bundledOnce = sync.OnceValues(func() (*Catalog, error) { return Open(bundled) })

func mustBundled() *Catalog {
	c, err := Bundled()
	if err != nil {
		panic(err) // TestBundled keeps the embedded files valid
	}
	return c
}

// Open reads a catalog from fsys: notices.yaml, notice.html, notice.css
// and text/*.yaml. It fails, naming each, when a language lacks the text
// of a notice, a label, a request kind or an issuer, or uses an unknown
// placeholder.
func Open(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{byID: map[string]*Notice{}, texts: map[string]*text{}}
	data, err := fs.ReadFile(fsys, "notices.yaml")
	if err != nil {
		return nil, fmt.Errorf("read notices: %w", err)
	}
	if err := yaml.UnmarshalWithOptions(data, &c.notices, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("notices.yaml: %w", err)
	}
	var errs []error
	for _, n := range c.notices {
		if n.ID == "" || n.Citation == "" {
			errs = append(errs, fmt.Errorf("notices.yaml: notice %q needs an id and the citation of the law that requires it", n.ID))
		}
		if c.byID[n.ID] != nil {
			errs = append(errs, fmt.Errorf("notices.yaml: notice %s twice", n.ID))
		}
		for _, p := range n.Parts {
			if !slices.Contains(partNames, p) {
				errs = append(errs, fmt.Errorf("notices.yaml: notice %s: part %q is not one of %s", n.ID, p, strings.Join(partNames, ", ")))
			}
		}
		c.byID[n.ID] = n
	}
	files, err := fs.Glob(fsys, "text/*.yaml")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("notices: no text/*.yaml")
	}
	for _, f := range files {
		code := strings.TrimSuffix(path.Base(f), ".yaml")
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
		var t text
		if err := yaml.UnmarshalWithOptions(data, &t, yaml.Strict()); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		errs = append(errs, c.check(f, &t)...)
		c.texts[code] = &t
		c.langs = append(c.langs, Language{Code: code, Name: t.Name})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	page, err := fs.ReadFile(fsys, "notice.html")
	if err != nil {
		return nil, fmt.Errorf("read notice.html: %w", err)
	}
	if c.tmpl, err = template.New("notice.html").Parse(string(page)); err != nil {
		return nil, fmt.Errorf("notice.html: %w", err)
	}
	css, err := fs.ReadFile(fsys, "notice.css")
	if err != nil {
		return nil, fmt.Errorf("read notice.css: %w", err)
	}
	c.css = string(css)
	return c, nil
}

// check lists what a language's file lacks.
func (c *Catalog) check(file string, t *text) []error {
	var errs []error
	miss := func(format string, a ...any) { errs = append(errs, fmt.Errorf(file+": "+format, a...)) }
	if t.Name == "" || t.Date == "" || len(t.Months) != 12 {
		miss("needs name, date and the 12 months")
	}
	for _, l := range labelNames {
		if t.Labels[l] == "" {
			miss("no label %s", l)
		}
	}
	for _, k := range liaison.RequestKind("").Enum() {
		if t.Kinds[k] == "" {
			miss("no words for the request kind %s", k)
		}
	}
	for _, k := range liaison.Issuer("").Enum() {
		if t.Issuers[k] == "" {
			miss("no words for the issuer %s", k)
		}
	}
	for _, k := range intents {
		if t.Intents[string(k)] == "" {
			miss("no words for the intent %s", k)
		} else if err := checkPlaceholders(t.Intents[string(k)]); err != nil {
			miss("intents.%s: %v", k, err)
		}
	}
	for _, k := range intents[:3] {
		if t.ActionIntents[string(k)] == "" {
			miss("no words for the intent %s about one action (action_intents)", k)
		} else if err := checkPlaceholders(t.ActionIntents[string(k)]); err != nil {
			miss("action_intents.%s: %v", k, err)
		}
	}
	for _, k := range liaison.Action("").Enum() {
		if t.Actions[k] == "" {
			miss("no words for the action %s", k)
		}
	}
	for _, n := range c.notices {
		nt := t.Notices[n.ID]
		if nt == nil || nt.Title == "" || len(nt.Body) == 0 {
			miss("no translation of notice %s (title and body)", n.ID)
			continue
		}
		if n.Has("choices") != (len(nt.Choices) > 0) {
			miss("notice %s: choices are given exactly when the notice has the part choices", n.ID)
		}
		if n.Has("lines") != (len(nt.Lines) > 0) {
			miss("notice %s: lines are given exactly when the notice has the part lines", n.ID)
		}
		for _, s := range slices.Concat([]string{nt.Title}, nt.Body, nt.Choices, nt.Lines) {
			if err := checkPlaceholders(s); err != nil {
				miss("notice %s: %v", n.ID, err)
			}
		}
	}
	for id := range t.Notices {
		if c.byID[id] == nil {
			miss("text of notice %s, which notices.yaml does not have", id)
		}
	}
	return errs
}

func checkPlaceholders(s string) error {
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return fmt.Errorf("unclosed { in %q", s)
		}
		if name := s[i+1 : i+j]; !slices.Contains(placeholders, name) {
			return fmt.Errorf("unknown placeholder {%s} in %q (known: %s)", name, s, strings.Join(placeholders, ", "))
		}
		s = s[i+j+1:]
	}
}

// Notices lists the notices.
func (c *Catalog) Notices() []*Notice { return slices.Clone(c.notices) }

// Notice returns the notice with the id.
func (c *Catalog) Notice(id string) (*Notice, bool) { n, ok := c.byID[id]; return n, ok }

// Languages lists the languages, by code.
func (c *Catalog) Languages() []Language {
	return slices.SortedFunc(slices.Values(c.langs), func(a, b Language) int { return strings.Compare(a.Code, b.Code) })
}

// For returns the notice a decision's duty asks for, if it asks for one
// this catalog has.
func (c *Catalog) For(d liaison.Duty) (string, bool) {
	if _, ok := c.byID[d.Notice]; !ok {
		return "", false
	}
	return d.Notice, true
}

// Intent is what the agency will do about the request, as the notice
// tells the person (Cal. Gov. Code 7283.1(b): "whether the law enforcement
// agency intends to comply").
type Intent string

// The intents a notice can state. Partly is the request's as a whole when
// the agency will do some of what it asks and not the rest (a detainer's
// hold refused, its release date given): the notice then says, action by
// action, which.
const (
	Comply    Intent = "comply"
	Decline   Intent = "decline"
	Undecided Intent = "undecided"
	Partly    Intent = "partly"
)

// Standing is where one action a request asks for stands: the outcome of
// the decision that stands for it, and the status of the latest attempt to
// carry it out ("" when none was made).
type Standing struct {
	Action  liaison.Action
	Outcome liaison.Outcome
	Status  liaison.ActionStatus
}

// ActionIntent is the agency's intent about one action a request asks for.
type ActionIntent struct {
	Action liaison.Action
	Intent Intent
}

// IntentOf is what the agency will do about a request whose actions stand
// as st, as a whole and action by action. What staff did decides: an
// action carried out (or sent, delivered, done otherwise than through the
// channel, or sent and failed to arrive) is complied with, a refused one
// is not. Where staff have done nothing yet, the law decides when it
// leaves no choice: a required action is complied with, a forbidden one is
// not. Otherwise (permitted: the agency's choice; conflict: counsel's to
// resolve; undetermined, or waiting for facts) the agency has not decided,
// and the notice says so. The whole is the actions' common intent, or
// Partly when they differ; Undecided for a request with no action.
func IntentOf(st []Standing) (Intent, []ActionIntent) {
	var whole Intent
	each := make([]ActionIntent, 0, len(st))
	for _, s := range st {
		in := Undecided
		switch s.Status {
		case liaison.ActionCarriedOut, liaison.ActionDoneOffline, liaison.ActionPending, liaison.ActionDelivered, liaison.ActionFailed:
			in = Comply
		case liaison.ActionRefused:
			in = Decline
		case "":
			switch s.Outcome {
			case liaison.Required:
				in = Comply
			case liaison.Forbidden:
				in = Decline
			}
		}
		each = append(each, ActionIntent{Action: s.Action, Intent: in})
		switch whole {
		case "":
			whole = in
		case in:
		default:
			whole = Partly
		}
	}
	if whole == "" {
		whole = Undecided
	}
	return whole, each
}

// Data is what a notice says about one person and one request. Every
// string is text: markup in it is shown as written.
type Data struct {
	Person  string // the person's name, unsealed by the caller
	Booking string
	Agency  string
	Request Request
	// Intent is required by notices with the part intent (see IntentOf);
	// Partly needs Actions, which say what the agency will do about each
	// action the request asks for.
	Intent  Intent
	Actions []ActionIntent
	// Release is the release date given to ICE (notices with the part release).
	Release time.Time
	// Due is when the notice must be given, if it has a due time.
	Due time.Time
	// Citation is the citation of the pack's duty that asks for the
	// notice, when it cites one of the notice's; otherwise the notice's own.
	Citation string
	// Location is the agency's time zone: times are written in it (nil: UTC).
	Location *time.Location
}

// Request is the federal request a notice is about.
type Request struct {
	Kind     liaison.RequestKind
	Form     liaison.Form
	Issuer   liaison.Issuer
	Received time.Time
}

// view is what the template sees.
type view struct {
	ID, Lang, Title, Agency, Person, Booking, Due string
	L                                             map[string]string
	StaffNote                                     string
	Request                                       *requestView
	Body, Choices, Lines                          []template.HTML
	Intent                                        template.HTML
	IntentActions                                 []intentLine
	Release                                       string
	Signatures                                    bool
	Citation, Quote, Source                       string
	CSS                                           template.CSS
}

type requestView struct{ Kind, Form, Issuer, Received string }

// intentLine is one action of a request complied with in part.
type intentLine struct{ Action, Intent template.HTML }

// Render writes the notice id in the language lang, for data, as an HTML
// fragment (an <article>); its styles are Stylesheet's.
func (c *Catalog) Render(w io.Writer, id, lang string, data Data) error {
	return c.render(w, "notice", id, lang, data)
}

// RenderPage writes the notice as a whole HTML page, its stylesheet
// inline (a Content-Security-Policy admits it with StyleHash), ready to print.
func (c *Catalog) RenderPage(w io.Writer, id, lang string, data Data) error {
	return c.render(w, "page", id, lang, data)
}

func (c *Catalog) render(w io.Writer, tmpl, id, lang string, data Data) error {
	n, ok := c.byID[id]
	if !ok {
		return liaison.Errorf(liaison.NotFound, "notice", "no notice %q", id)
	}
	t, ok := c.texts[lang]
	if !ok {
		return liaison.Errorf(liaison.NotFound, "lang", "no text in language %q for notices (have %s)", lang, c.codes())
	}
	if n.Has("intent") && !slices.Contains(intents, data.Intent) {
		return liaison.Errorf(liaison.Invalid, "intent", "notice %s says whether the agency will comply: give intent comply, decline, undecided or partly", id)
	}
	if n.Has("intent") && data.Intent == Partly && len(data.Actions) == 0 {
		return liaison.Errorf(liaison.Invalid, "intent", "notice %s: intent partly needs what the agency will do about each action", id)
	}
	if n.Has("release") && data.Release.IsZero() {
		return liaison.Errorf(liaison.Invalid, "release", "notice %s gives the release date: give it", id)
	}
	nt := t.Notices[id]
	vars := map[string]string{"agency": data.Agency, "issuer": t.Issuers[string(data.Request.Issuer)], "kind": t.Kinds[string(data.Request.Kind)]}
	if vars["issuer"] == "" {
		vars["issuer"] = t.Issuers["other_federal"]
	}
	v := view{ID: id, Lang: lang, Title: nt.Title, Agency: data.Agency, Person: data.Person, Booking: data.Booking, L: t.Labels,
		StaffNote: n.StaffNote, Body: fill(nt.Body, vars), Choices: fill(nt.Choices, vars), Lines: fill(nt.Lines, vars),
		Signatures: n.Has("signatures"), Citation: n.Citation, Quote: n.Quote, Source: n.Source, CSS: template.CSS(c.css)}
	if data.Citation != "" && n.Cites(data.Citation) {
		v.Citation = data.Citation
	}
	if !data.Due.IsZero() {
		v.Due = t.when(data.Due, data.Location)
	}
	if n.Has("request") {
		r := &requestView{Kind: vars["kind"], Issuer: vars["issuer"]}
		if data.Request.Form != "" && data.Request.Form != "none" {
			r.Form = string(data.Request.Form)
		}
		if !data.Request.Received.IsZero() {
			r.Received = t.when(data.Request.Received, data.Location)
		}
		v.Request = r
	}
	if n.Has("intent") {
		v.Intent = fill([]string{t.Intents[string(data.Intent)]}, vars)[0]
		if data.Intent == Partly {
			for _, a := range data.Actions {
				words, ok := t.Actions[string(a.Action)]
				if !ok || !slices.Contains(intents[:3], a.Intent) {
					return liaison.Errorf(liaison.Invalid, "intent", "notice %s: action %q with intent %q: want an action and comply, decline or undecided", id, a.Action, a.Intent)
				}
				v.IntentActions = append(v.IntentActions, intentLine{Action: fill([]string{words}, vars)[0],
					Intent: fill([]string{t.ActionIntents[string(a.Intent)]}, vars)[0]})
			}
		}
	}
	if n.Has("release") {
		v.Release = t.when(data.Release, data.Location)
	}
	var buf bytes.Buffer
	if err := c.tmpl.ExecuteTemplate(&buf, tmpl, v); err != nil {
		return fmt.Errorf("render notice %s (%s): %w", id, lang, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func (c *Catalog) codes() string {
	var s []string
	for _, l := range c.Languages() {
		s = append(s, l.Code)
	}
	return strings.Join(s, ", ")
}

// fill replaces the placeholders of each text by their values, escaping
// both: the result is safe HTML whatever the values hold.
func fill(texts []string, vars map[string]string) []template.HTML {
	out := make([]template.HTML, len(texts))
	for i, s := range texts {
		var b strings.Builder
		for {
			j := strings.IndexByte(s, '{')
			k := strings.IndexByte(s[max(j, 0):], '}')
			if j < 0 || k < 0 {
				b.WriteString(template.HTMLEscapeString(s))
				break
			}
			b.WriteString(template.HTMLEscapeString(s[:j]))
			b.WriteString(template.HTMLEscapeString(vars[s[j+1:j+k]]))
			s = s[j+k+1:]
		}
		out[i] = template.HTML(b.String())
	}
	return out
}

// when writes a time in the language's date format, in loc.
func (t *text) when(at time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	at = at.In(loc)
	h12 := at.Hour() % 12
	if h12 == 0 {
		h12 = 12
	}
	ampm := "AM"
	if at.Hour() >= 12 {
		ampm = "PM"
	}
	return strings.NewReplacer("{day}", fmt.Sprint(at.Day()), "{month}", t.Months[at.Month()-1], "{year}", fmt.Sprint(at.Year()),
		"{hour}", fmt.Sprintf("%02d", at.Hour()), "{hour12}", fmt.Sprint(h12), "{minute}", fmt.Sprintf("%02d", at.Minute()),
		"{ampm}", ampm, "{zone}", at.Format("MST")).Replace(t.Date)
}

// Stylesheet is the notices' CSS, to serve beside Render's fragments.
func (c *Catalog) Stylesheet() []byte { return []byte(c.css) }

// StyleHash is the Content-Security-Policy source ('sha256-...') that
// admits RenderPage's inline stylesheet.
func (c *Catalog) StyleHash() string {
	h := sha256.Sum256([]byte(c.css))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}

// For returns the notice a duty asks for, from the bundled catalog.
func For(d liaison.Duty) (string, bool) { return mustBundled().For(d) }

// Languages lists the bundled catalog's languages.
func Languages() []Language { return mustBundled().Languages() }

// Render writes a notice of the bundled catalog as an HTML fragment (see
// Catalog.Render).
func Render(w io.Writer, id, lang string, data Data) error {
	return mustBundled().Render(w, id, lang, data)
}

// RenderPage writes a notice of the bundled catalog as a printable page.
func RenderPage(w io.Writer, id, lang string, data Data) error {
	return mustBundled().RenderPage(w, id, lang, data)
}
