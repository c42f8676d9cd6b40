package sqlstore

// Groups returns the number of append transactions the store has committed.
func (s *Store) Groups() int64 { return s.groups.Load() }

// The queries of List and ByKey, for the query-plan tests.
var (
	ListQuery  = listQuery
	ByKeyQuery = byKeyQuery
)

// OpenCasesQuery is openCasesQuery, for TestQueryPlans.
var OpenCasesQuery = openCasesQuery

// LastWord is lastWord, for TestQueryPlans.
var LastWord = lastWord
