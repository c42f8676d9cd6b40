package ledger

// The two paths of MarshalCanonical, for the tests that compare them.
var (
	MarshalSlow = marshalSlow
	MarshalFast = marshalFast
)
