//go:build race

package desk_test

// raceEnabled: the race detector may add allocations.
const raceEnabled = true
