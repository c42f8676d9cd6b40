-- Leaf format 2: from here on a leaf commits to the whole row of its record
-- (kind, id, agency, person, parent, key, at, body; see ledger.Record.Commitment),
-- not only to its kind, id and body. No table changes: leaves written before
-- stay in format 1 and still verify (see docs/design.md).
--
-- The migration's number is the change: a build older than format 2 refuses a
-- database at this version ("newer than this build knows"), instead of
-- appending format 1 leaves after format 2 ones and reporting those as changed.
SELECT 1;
