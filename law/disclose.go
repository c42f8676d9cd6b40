package law

import (
	"slices"

	"liaison"
)

// disclose returns what an action decided with outcome may tell the
// federal side, of the facts the agency holds: the least the recipient
// needs. A release notification tells the release date and time; an
// information request, the items it asked for (the rules that permit
// sharing read request.info_requested, so a permitted answer permits
// each item asked). Nothing for a forbidden, conflicting or undetermined
// action, nor for an action that sends no facts about the person.
func disclose(req *liaison.Request, outcome liaison.Outcome) []liaison.InfoItem {
	if outcome != liaison.Permitted && outcome != liaison.Required {
		return nil
	}
	switch req.Action {
	case liaison.NotifyRelease:
		return []liaison.InfoItem{"release_date", "release_time"}
	case liaison.ShareInfo:
		if req.Request != nil {
			return slices.Clone(req.Request.InfoRequested)
		}
	}
	return nil
}
