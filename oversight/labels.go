package oversight

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The figures keep codes (honor_detainer, serious_felony, needs_facts):
// the kept summary, `liaison report`'s CSV and JSON and the dashboard's
// CSV downloads say them as the records do. The dashboard's page and the
// HTML report show readers words instead, at display time only
// (Displayed).

// actionLabels are the actions, as a reader of the figures would say them.
var actionLabels = map[string]string{
	"honor_detainer":              "Hold past release (detainer)",
	"notify_release":              "Notify of a release",
	"transfer_custody":            "Hand over custody",
	"share_info":                  "Share information",
	"allow_interview":             "Allow an interview",
	"grant_access":                "Grant access to the facility",
	"inquire_status":              "Ask about immigration status",
	"arrest_civil":                "Civil immigration arrest",
	"arrest_criminal_immigration": "Arrest for an immigration crime",
	"assist_operation":            "Assist a federal operation",
	"enter_287g":                  "Enter a 287(g) agreement",
	"perform_287g":                "Act under a 287(g) agreement",
	"terminate_287g":              "End a 287(g) agreement",
	"enter_detention_agreement":   "Enter a detention agreement",
	"use_federal_interpreter":     "Use a federal interpreter",
	"none":                        "None given",
}

// wordLabels are the words of a code that are not written in lower case.
var wordLabels = map[string]string{"dui": "DUI"}

// Label is how a page shows a code of the figures: an action in words,
// any other code (a kind of request, an outcome, a result, an offence
// category, "charged: " one) with spaces for underscores and a capital
// first letter. What is not a code (a month, a form, a citation, a
// length) is left as it is.
func Label(code string) string {
	if l, ok := actionLabels[code]; ok {
		return l
	}
	prefix := ""
	if rest, ok := strings.CutPrefix(code, "charged: "); ok {
		prefix, code = "Charged: ", rest
	}
	if code == "" || strings.ContainsFunc(code, func(r rune) bool { return r != '_' && r != ' ' && !unicode.IsLower(r) && !unicode.IsDigit(r) }) {
		return prefix + code
	}
	words := strings.Fields(strings.ReplaceAll(code, "_", " "))
	for i, w := range words {
		if l, ok := wordLabels[w]; ok {
			words[i] = l
		}
	}
	out := strings.Join(words, " ")
	if prefix != "" {
		return prefix + out
	}
	r, n := utf8.DecodeRuneInString(out)
	return string(unicode.ToUpper(r)) + out[n:]
}

// Displayed returns t with its rows and columns labelled for a page (the
// table and its Chart); t itself, which the CSV writes, keeps the codes.
func Displayed(t *Published) *Published {
	shown := *t
	shown.Rows, shown.Cols = labels(t.Rows), labels(t.Cols)
	return &shown
}

func labels(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = Label(c)
	}
	return out
}
