-- The replay rows: what a simulation reads of each stored decision
-- (liaison.ReplayIndex), its facts as they stood split into a fact set
-- without times, stored once (replay_facts, keyed by its SHA-256), and
-- the times. Derived from the records by the desk, filled up to
-- replay_head.size on first use and after; `log verify` derives them
-- again and reports a row or fact set that differs.
CREATE TABLE replay_facts (
	key  TEXT PRIMARY KEY,
	body TEXT NOT NULL
);
CREATE TABLE replay_rows (
	leaf_index INTEGER PRIMARY KEY,
	agency     TEXT NOT NULL,
	id         TEXT NOT NULL,
	request    TEXT NOT NULL,
	action     TEXT NOT NULL,
	as_of      INTEGER NOT NULL,
	facts      TEXT NOT NULL,
	times      TEXT NOT NULL,
	outcome    TEXT NOT NULL,
	decisive   TEXT NOT NULL,
	pack_set   TEXT NOT NULL,
	engine     TEXT NOT NULL
);
CREATE INDEX replay_rows_by_agency ON replay_rows (agency, leaf_index);
CREATE TABLE replay_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	size INTEGER NOT NULL
);
INSERT INTO replay_head (id, size) VALUES (1, 0);
