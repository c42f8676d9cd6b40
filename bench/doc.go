// Package bench compares liaison's engine with two peers, OPA (Rego) and
// cedar-go, on one policy written three times: as law packs
// (testdata/packs), in Rego (testdata/policy.rego) and in Cedar
// (testdata/policy.cedar). It lives in its own module so that the product
// never depends on the peers.
//
// The package holds a request generator and one adapter per peer; the
// differential test and the benchmarks are in bench_test.go. README.md
// explains the mapping between the three policies and records the numbers.
package bench
