package oversight

import "testing"

// TestLabelWords: the codes of the figures in words, for pages; what is
// not a code as it is.
func TestLabelWords(t *testing.T) {
	for code, want := range map[string]string{
		"honor_detainer":             "Hold past release (detainer)",
		"notification_request":       "Notification request",
		"charged: domestic_violence": "Charged: domestic violence",
		"charged: dui":               "Charged: DUI",
		"dui":                        "DUI",
		"none recorded":              "None recorded",
		"needs_facts":                "Needs facts",
		"2024-03":                    "2024-03",
		"I-247A":                     "I-247A",
		"Cal. Gov. Code 7283.1(b)":   "Cal. Gov. Code 7283.1(b)",
	} {
		if got := Label(code); got != want {
			t.Errorf("Label(%q) = %q, want %q", code, got, want)
		}
	}
}
