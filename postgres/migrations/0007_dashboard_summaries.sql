-- summaries: the oversight figures (package oversight) folded from the
-- records of the log's first size leaves, as JSON. Derived data, not a
-- record: each row can be recomputed from the records it summarizes, and
-- `liaison report --verify` does so and reports a row that differs.
CREATE TABLE summaries (
    size BIGINT PRIMARY KEY,
    body BYTEA NOT NULL
);
