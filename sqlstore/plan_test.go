package sqlstore_test

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"liaison"
	"liaison/sqlite"
	"liaison/sqlstore"
)

// TestQueryPlans checks that SQLite answers List's and ByKey's queries from
// the indexes made for them. The indexes on agency, person, parent and key
// are partial (migration 0002): SQLite uses one only when the query implies
// its condition, which a change to either could silently break, turning
// every list of an agency's records into a scan of the whole table.
func TestQueryPlans(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plans.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	for _, c := range []struct {
		name  string
		query string
		args  []any
		index string
	}{
		{"kind", "", nil, "records_by_kind"},
		{"agency", "", nil, "records_by_agency"},
		{"kind and agency", "", nil, "records_by_kind_agency"},
		{"person", "", nil, "records_by_person"},
		{"parent", "", nil, "records_by_parent"},
		{"key", sqlstore.ByKeyQuery, []any{"request", "k-1"}, "records_kind_key_key"},
		{"open cases", "", nil, "open_cases_by_leaf"},
		{"open cases of an agency", "", nil, "open_cases_by_agency"},
		// log verify's check of the open cases, once per request.
		{"a case's latest close or reopening", "SELECT " + sqlstore.LastWord("'req_1'"), nil, "records_by_parent"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.query == "" {
				var f liaison.Filter
				switch c.name {
				case "kind":
					f.Kind = liaison.KindDuty
				case "agency":
					f.Agency = "agy_1"
				case "kind and agency":
					f.Kind, f.Agency = liaison.KindDuty, "agy_1"
				case "person":
					f.Person = "per_1"
				case "parent":
					f.Parent = "req_1"
				}
				c.query, c.args = sqlstore.ListQuery(f, 100)
				switch c.name {
				case "open cases":
					c.query, c.args = sqlstore.OpenCasesQuery("", 1<<62, 25)
				case "open cases of an agency":
					c.query, c.args = sqlstore.OpenCasesQuery("agy_1", 1<<62, 25)
				}
			}
			rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+c.query, c.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			got := strings.Join(plan, "; ")
			if !strings.Contains(got, "INDEX "+c.index) {
				t.Errorf("plan of %s\n= %s\nwant a search of index %s", c.query, got, c.index)
			}
			if strings.HasPrefix(c.name, "open cases") && !strings.Contains(got, "SEARCH r USING INDEX sqlite_autoindex_records_1 (kind=? AND id=?)") {
				t.Errorf("plan of %s\n= %s\nwant each row's request found by (kind, id)", c.query, got)
			}
		})
	}
}
