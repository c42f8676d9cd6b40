// Package history generates years of demo history through the desk: three
// agencies under different law, and people, bookings, federal requests,
// custody events, decisions, actions and duties from 2012 to today, each
// record made by the desk (decided by the engine, logged) with a clock that
// steps through the years. The draws are seeded (math/rand/v2's PCG) and
// shaped like the public datasets in ../shared/data, as summed up in
// shape.json.
//
// What is reproducible: Plan is a pure function of the seed, the number of
// cases and today, so the same options give the same people, bookings,
// requests, times and steps; Generate then gives the same decisions (by
// agency, date, action and outcome) and the same number of records of
// each kind. Record ids, salts and sealed fields are random, as the desk
// makes them.
package history
