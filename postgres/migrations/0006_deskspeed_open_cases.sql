-- The open cases: every request that no record of kind case_closed names
-- (see liaison.OpenCaseIndex). The queue finds an agency's newest open
-- cases here instead of examining its requests one by one. The table is
-- derived from the records: an append that writes a request or a
-- case_closed record updates it in the same transaction, and `log verify`
-- checks it against them.
CREATE TABLE open_cases (
	request    TEXT PRIMARY KEY,
	agency     TEXT NOT NULL,
	leaf_index BIGINT NOT NULL
);
CREATE INDEX open_cases_by_agency ON open_cases (agency, leaf_index);
CREATE INDEX open_cases_by_leaf ON open_cases (leaf_index);
INSERT INTO open_cases (request, agency, leaf_index)
	SELECT r.id, r.agency, r.leaf_index FROM records r
	WHERE r.kind = 'request'
	AND NOT EXISTS (SELECT 1 FROM records c WHERE c.kind = 'case_closed' AND c.key = r.id);
