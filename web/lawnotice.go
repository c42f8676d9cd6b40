package web

import (
	"bytes"
	"html/template"
	"net/http"
	"slices"

	"liaison"
	"liaison/notice"
)

type lawNoticeData struct {
	ID       string
	Lang     string
	Language string
	Langs    []notice.Language
	Notice   template.HTML
}

// lawNotice shows a notice a rule's duty asks for, blank (no person, no
// agency, no request), in the language asked for: what the person would
// be given, for anyone to read.
func (s *Site) lawNotice(w http.ResponseWriter, r *http.Request, ss *session) {
	id := r.PathValue("id")
	lang := r.URL.Query().Get("lang")
	langs := notice.Languages()
	i := slices.IndexFunc(langs, func(l notice.Language) bool { return l.Code == lang })
	if i < 0 {
		lang, i = "en", slices.IndexFunc(langs, func(l notice.Language) bool { return l.Code == "en" })
	}
	var buf bytes.Buffer
	// Blanks to fill in, in any language, where a case gives names.
	const blank = "__________"
	if err := notice.Render(&buf, id, lang, notice.Data{Person: blank, Agency: blank, Intent: notice.Undecided}); err != nil {
		if liaison.KindOf(err) == liaison.NotFound {
			s.errorPage(w, r, ss, http.StatusNotFound, "No notice "+id+".")
			return
		}
		s.fail(w, r, ss, err)
		return
	}
	data := lawNoticeData{ID: id, Lang: lang, Langs: langs, Notice: template.HTML(buf.String())} // rendered by html/template in package notice
	if i >= 0 {
		data.Language = langs[i].Name
	}
	// The title "Notice" brings the notices' stylesheet and print button (layout.html).
	s.render(w, r, http.StatusOK, "law_notice", view{Title: "Notice", Actor: actorOf(ss), Nav: "law", Data: data})
}
