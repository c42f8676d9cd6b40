-- liaison's records and the Merkle log that commits to them. See package
-- sqlstore for how they are written and package ledger for the log.

-- records: every record liaison writes, never changed or deleted. The leaf
-- index is the rowid, so log order is the table's own order.
CREATE TABLE records (
    leaf_index INTEGER PRIMARY KEY,        -- the record's leaf in the log
    kind       TEXT NOT NULL,
    id         TEXT NOT NULL,
    agency     TEXT NOT NULL DEFAULT '',
    person     TEXT NOT NULL DEFAULT '',
    parent     TEXT NOT NULL DEFAULT '',
    key        TEXT,                       -- NULL when the record has none
    body       BLOB NOT NULL,              -- canonical JSON (RFC 8785)
    salt       BLOB NOT NULL CHECK (length(salt) = 32),
    at         INTEGER NOT NULL,           -- microseconds since 1970-01-01 UTC
    CONSTRAINT records_kind_id_key UNIQUE (kind, id)
);
-- NULL keys are distinct, so records without a key never collide.
CREATE UNIQUE INDEX records_kind_key_key ON records (kind, key);
-- For Store.List's filters, each in log order.
CREATE INDEX records_by_kind ON records (kind, leaf_index);
CREATE INDEX records_by_agency ON records (agency, leaf_index);
CREATE INDEX records_by_person ON records (person, leaf_index);
CREATE INDEX records_by_parent ON records (parent, leaf_index);

-- leaves: one per record, numbered 0, 1, 2… without gaps; the commitment is
-- the salted hash of the record (ledger.Record.Commitment).
CREATE TABLE leaves (
    idx        INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    id         TEXT NOT NULL,
    commitment BLOB NOT NULL
);
CREATE UNIQUE INDEX leaves_kind_id_key ON leaves (kind, id);

-- hashes: the tree's stored hashes, at tlog.StoredHashIndex positions.
CREATE TABLE hashes (
    idx  INTEGER PRIMARY KEY,
    hash BLOB NOT NULL
);

-- checkpoints: every signed checkpoint (a C2SP signed note), by tree size.
CREATE TABLE checkpoints (
    size       INTEGER PRIMARY KEY,
    note       BLOB NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- log_head: the committed tree size, one row. Every append reads and
-- advances it in the append's transaction.
CREATE TABLE log_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL
);
INSERT INTO log_head (id, size) VALUES (1, 0);
