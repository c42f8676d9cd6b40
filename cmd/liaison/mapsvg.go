package main

import (
	"io"

	"liaison"
	"liaison/law"
	"liaison/law/usmap"
	"liaison/web"
)

// writeMapSVG draws the map of action as a US map (package usmap), with
// the same links as the map page's (web.MapLinks): the SVG the page
// shows, byte for byte.
func writeMapSVG(w io.Writer, m *law.LawMap, action liaison.Action) error {
	return usmap.Write(w, m, action, web.MapLinks(m, action))
}
