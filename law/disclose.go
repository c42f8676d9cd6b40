package law

import "liaison"

// disclose returns what an action decided with outcome may tell the
// federal side, of the facts the agency holds: the least the recipient
// needs. A release notification tells the release date and time; an
// information request, the items it asked for (the rules that permit
// sharing read request.info_requested, so a permitted answer permits
// each item asked). Nothing for a forbidden, conflicting or undetermined
// action, nor for an action that sends no facts about the person. The
// items are appended to dst (the decision's own room for them).
func disclose(dst []liaison.InfoItem, req *liaison.Request, outcome liaison.Outcome) []liaison.InfoItem {
	if outcome != liaison.Permitted && outcome != liaison.Required {
		return nil
	}
	switch req.Action {
	case liaison.NotifyRelease:
		return append(dst, "release_date", "release_time")
	case liaison.ShareInfo:
		if req.Request != nil {
			return append(dst, req.Request.InfoRequested...)
		}
	}
	return nil
}
