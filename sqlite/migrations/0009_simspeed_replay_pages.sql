-- The replay rows as pages (liaison.ReplayIndex): one agency's rows, up
-- to a fixed number of them, encoded by the desk into one body of small
-- integers, which name the strings of replay_strings (actions, outcomes,
-- decisive rules, pack sets, fact sets, time paths). A simulation reads a
-- page at a time instead of a row: reading 100,000 rows is about a
-- hundred reads. The rows of migration 0008 are dropped and derived again
-- (replay_head back to 0) on the next simulation; `log verify` derives
-- the pages and strings again and reports any that differ.
DROP TABLE replay_rows;
DROP TABLE replay_facts;
CREATE TABLE replay_strings (
	id    INTEGER PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE replay_pages (
	agency     TEXT NOT NULL,
	page       INTEGER NOT NULL,
	first_leaf INTEGER NOT NULL,
	last_leaf  INTEGER NOT NULL,
	from_as_of INTEGER NOT NULL,
	to_as_of   INTEGER NOT NULL,
	n_rows     INTEGER NOT NULL,
	body       BLOB NOT NULL,
	PRIMARY KEY (agency, page)
);
UPDATE replay_head SET size = 0;
