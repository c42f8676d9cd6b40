// Package history generates years of demo history through the desk: three
// agencies under different law, and people, bookings, federal requests,
// custody events, decisions, actions and duties from 2012 to today, each
// record made by the desk (decided by the engine, logged) with a clock that
// steps through the years. The draws are seeded (math/rand/v2's PCG) and
// shaped like the public datasets in ../shared/data, as summed up in
// shape.json.
package history
