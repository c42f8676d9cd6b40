-- liaison's records and the Merkle log that commits to them. See package
-- sqlstore for how they are written and package ledger for the log.

-- records: every record liaison writes, never changed or deleted.
CREATE TABLE records (
    leaf_index bigint PRIMARY KEY,         -- the record's leaf in the log
    kind       text NOT NULL,
    id         text NOT NULL,
    agency     text NOT NULL DEFAULT '',
    person     text NOT NULL DEFAULT '',
    parent     text NOT NULL DEFAULT '',
    key        text,                       -- NULL when the record has none
    body       bytea NOT NULL,             -- canonical JSON (RFC 8785)
    salt       bytea NOT NULL CHECK (octet_length(salt) = 32),
    at         timestamptz NOT NULL,
    -- The store maps a violation of these two to an error on "id" or "key"
    -- by their names.
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
    idx        bigint PRIMARY KEY,
    kind       text NOT NULL,
    id         text NOT NULL,
    commitment bytea NOT NULL,
    CONSTRAINT leaves_kind_id_key UNIQUE (kind, id)
);

-- hashes: the tree's stored hashes, at tlog.StoredHashIndex positions.
CREATE TABLE hashes (
    idx  bigint PRIMARY KEY,
    hash bytea NOT NULL
);

-- checkpoints: every signed checkpoint (a C2SP signed note), by tree size.
CREATE TABLE checkpoints (
    size       bigint PRIMARY KEY,
    note       bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- log_head: the committed tree size, one row. Every append locks it
-- (SELECT … FOR UPDATE), reads it and advances it in its transaction, so
-- appends from every node are serialized.
CREATE TABLE log_head (
    id   integer PRIMARY KEY CHECK (id = 1),
    size bigint NOT NULL
);
INSERT INTO log_head (id, size) VALUES (1, 0);
