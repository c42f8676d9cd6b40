package web

import (
	"net/http"

	"liaison/law"
)

// ruleVersion is one version of a rule, as its pack says it.
type ruleVersion struct {
	Version  string
	From, To string
	Rule     *law.Rule
}

type ruleData struct {
	Pack     *law.Pack
	Rule     string
	Versions []ruleVersion
}

// rule shows the text of a rule decisions cite: what it says, its
// citation and the words of the law it rests on, in each version.
func (s *Site) rule(w http.ResponseWriter, r *http.Request, ss *session) {
	data := ruleData{Rule: r.PathValue("rule")}
	for _, p := range s.cfg.Desk.Law().Packs() {
		if p.ID != r.PathValue("pack") {
			continue
		}
		data.Pack = p
		for _, v := range p.Versions {
			for _, ru := range v.Rules {
				if ru.ID == data.Rule {
					rv := ruleVersion{Version: v.Version, From: v.EffectiveFrom.String(), Rule: ru}
					if v.EffectiveTo != nil {
						rv.To = v.EffectiveTo.String()
					}
					data.Versions = append(data.Versions, rv)
				}
			}
		}
	}
	if data.Pack == nil || len(data.Versions) == 0 {
		s.errorPage(w, r, ss, http.StatusNotFound, "No rule "+data.Rule+" in pack "+r.PathValue("pack")+".")
		return
	}
	s.render(w, r, http.StatusOK, "rule", view{Title: "Rule " + data.Rule, Actor: actorOf(ss), Data: data})
}
