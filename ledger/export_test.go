package ledger

// MarshalCanonicalTwoPass exports the two-pass path for benchmarks.
var MarshalCanonicalTwoPass = marshalCanonicalTwoPass
