-- Leaner indexes: every index entry is a B-tree write in every append.
--
-- Most records have no key and many have no agency, person or parent; their
-- entries in those indexes served no query (Store.List filters only on
-- values that are set, ByKey never looks up an empty key). The indexes now
-- hold only the records that have a value; the queries name the same
-- condition, so that the planner can use them.
DROP INDEX records_kind_key_key;
CREATE UNIQUE INDEX records_kind_key_key ON records (kind, key) WHERE key IS NOT NULL;
DROP INDEX records_by_agency;
CREATE INDEX records_by_agency ON records (agency, leaf_index) WHERE agency <> '';
DROP INDEX records_by_person;
CREATE INDEX records_by_person ON records (person, leaf_index) WHERE person <> '';
DROP INDEX records_by_parent;
CREATE INDEX records_by_parent ON records (parent, leaf_index) WHERE parent <> '';

-- A leaf names its record by (kind, id) and by its index, which is the
-- record's leaf_index; an audit joins them on the index, so the leaves need
-- no second index of their own.
ALTER TABLE leaves DROP CONSTRAINT leaves_kind_id_key;
