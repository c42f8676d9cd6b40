package law_test

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"liaison"
	"liaison/law"
	"liaison/packs"
)

func TestLoadPresets(t *testing.T) {
	ps, err := law.LoadPresets(packs.Cases())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	for _, want := range []string{"detainer-admin-warrant-bail-eligible", "interview-in-custody", "notify-serious-felony"} {
		if !slices.Contains(names, want) {
			t.Errorf("LoadPresets = %v, want %s among them", names, want)
		}
	}
	for name, body := range map[string]string{
		"no actions":   `{"title": "x", "actions": [], "request": {}}`,
		"sets a place": `{"title": "x", "actions": ["honor_detainer"], "request": {"jurisdiction": "us/ca"}}`,
		"bad fact":     `{"title": "x", "actions": ["honor_detainer"], "request": {"subject": {"custody": {"status": "asleep"}}}}`,
		"bad action":   `{"title": "x", "actions": ["honor_detainer", "hold"], "request": {}}`,
	} {
		if _, err := law.LoadPresets(fstest.MapFS{"p.json": {Data: []byte(body)}}); err == nil {
			t.Errorf("%s: LoadPresets = nil error, want one", name)
		}
	}
}

// The map of the fixture law: the town's ordinance of 2015 shows in 2016,
// and the change dates are those where some cell's answer changes.
func TestMap(t *testing.T) {
	s := mustLayers(t, layer("base"), layer("city"))
	ps, err := law.LoadPresets(fstest.MapFS{"d.json": {Data: []byte(`{"title": "a detainer", "actions": ["honor_detainer"],
		"request": {"agency": {"type": "jail"}, "subject": {"convictions": []}}}`)}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Map(ps[0], day("2016-01-01"), "us/zz/elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	got := map[liaison.Jurisdiction]liaison.Outcome{}
	for _, c := range m.Cells {
		got[c.Jurisdiction] = c.Outcome
	}
	want := map[liaison.Jurisdiction]liaison.Outcome{"us/zz": liaison.Permitted, "us/zz/town": liaison.Forbidden, "us/zz/elsewhere": liaison.Permitted}
	if len(got) != len(want) {
		t.Errorf("Map cells %v, want %v", got, want)
	}
	for j, o := range want {
		if got[j] != o {
			t.Errorf("Map cell %s = %s, want %s", j, got[j], o)
		}
	}
	if d := strings.Join(m.ChangeDates, " "); d != "2010-01-01 2015-06-01 2018-01-01" {
		t.Errorf("Map change dates = %s, want 2010-01-01 2015-06-01 2018-01-01", d)
	}
}
