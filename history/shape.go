package history

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// Shape is the small table of distributions the generator draws from,
// derived from the public datasets in ../shared/data by TestShape (run it
// with -update to write shape.json again; the data are not shipped).
type Shape struct {
	Sources map[string]string `json:"sources"`
	// DetainerShare is the share of jail bookings that carried an ICE hold.
	DetainerShare float64 `json:"detainer_share"`
	// Years weighs the number of detainers by calendar year; years the
	// data do not reach carry the last year's weight.
	Years map[string]float64 `json:"years"`
	// Offences are the most serious charge of bookings with a detainer, by
	// kind, with their share.
	Offences []Share `json:"offences"`
	// CustodyDays are the deciles (0, 10, ..., 100th percentile) of days
	// from booking to the end of the detainer.
	CustodyDays []float64 `json:"custody_days"`
	// Outcomes are how detainers ended, grouped: to_ice (released to
	// ICE), withdrawn (lifted or withdrawn by ICE, or in error), other
	// custody (released to the state prison or another agency).
	Outcomes []Share `json:"outcomes"`
	// NotificationShare is the share of requests that asked only to be
	// told of the release (Form I-247N) among the Priority Enforcement
	// Program's forms (I-247D and I-247N, 2015-2017).
	NotificationShare float64 `json:"notification_share"`
	// ReleaseReasons are how people leave jail when no one takes custody.
	ReleaseReasons []Share `json:"release_reasons"`
}

// A Share is one value with its share of the whole.
type Share struct {
	Name  string  `json:"name"`
	Share float64 `json:"share"`
}

//go:embed shape.json
var shapeJSON []byte

// LoadShape returns the bundled shape.
func LoadShape() (*Shape, error) {
	var s Shape
	if err := json.Unmarshal(shapeJSON, &s); err != nil {
		return nil, fmt.Errorf("history: shape.json: %w", err)
	}
	return &s, nil
}
