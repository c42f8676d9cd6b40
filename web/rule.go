package web

import (
	"net/http"
	"strconv"
	"strings"

	"liaison/law"
)

// ruleVersion is one version of a rule, as its pack says it.
type ruleVersion struct {
	Version  string
	From, To string
	Rule     *law.Rule
	// Readable is the rule's condition in words; CEL its conditions as
	// written.
	Readable law.Clause
	CEL      []string
	// Exceptions are the rules that defeat this one, as links.
	Exceptions []ruleLink
	// MaxHold is the longest hold the rule allows, in words ("" for none).
	MaxHold string
}

// ruleLink is a rule named on another's page.
type ruleLink struct{ Pack, Rule string }

type ruleData struct {
	Pack     *law.Pack
	Summary  packSummary
	Rule     string
	Versions []ruleVersion
	// Tests are the pack tests whose decisions the rule held in.
	Tests []testRow
}

// rule shows a rule decisions cite, to anyone: what it says, its citation
// and the words of the law it rests on, its condition in words and in
// CEL, its exceptions and duties, in each version; and the pack tests
// that exercise it.
func (s *Site) rule(w http.ResponseWriter, r *http.Request, ss *session) {
	data := ruleData{Rule: r.PathValue("rule")}
	if p := findPack(s.cfg.Desk.Law(), r.PathValue("pack")); p != nil {
		data.Pack, data.Summary = p, summarize(p)
		for _, v := range p.Versions {
			for _, ru := range v.Rules {
				if ru.ID != data.Rule {
					continue
				}
				rv := ruleVersion{Version: v.Version, From: v.EffectiveFrom.String(), Rule: ru, Readable: ru.Readable()}
				if v.EffectiveTo != nil {
					rv.To = v.EffectiveTo.String()
				}
				if l := ru.Limits; l != nil && l.MaxHoldHours != nil {
					rv.MaxHold = strconv.FormatFloat(*l.MaxHoldHours, 'f', -1, 64) + " hours"
					if len(l.HoldHoursExclude) > 0 {
						rv.MaxHold += ", not counting " + strings.Join(l.HoldHoursExclude, " and ")
					}
				}
				for _, c := range ru.When {
					rv.CEL = append(rv.CEL, strings.TrimSpace(c.CEL))
				}
				for _, e := range ru.Exceptions {
					pack, rule, ok := strings.Cut(e, "/")
					if !ok {
						pack, rule = p.ID, e
					}
					rv.Exceptions = append(rv.Exceptions, ruleLink{pack, rule})
				}
				data.Versions = append(data.Versions, rv)
			}
		}
	}
	if data.Pack == nil || len(data.Versions) == 0 {
		s.errorPage(w, r, ss, http.StatusNotFound, "No rule "+data.Rule+" in pack "+r.PathValue("pack")+".")
		return
	}
	tests, err := s.testsOf(data.Pack.ID + "/" + data.Rule)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	data.Tests = tests
	s.render(w, r, http.StatusOK, "rule", view{Title: "Rule " + data.Rule, Actor: actorOf(ss), Nav: "law", Data: data})
}
