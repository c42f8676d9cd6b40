-- The tree's stored hashes move into the rows of the leaves whose appends
-- made them, and the table hashes goes: one row fewer to write for each
-- stored hash, about two for each record.
--
-- Appending leaf n stores the hashes from tlog.StoredHashIndex(0, n) up to,
-- not including, tlog.StoredHashIndex(0, n + 1): the leaf's own hash (level
-- 0, which is the hash of its commitment and is not kept twice) and one for
-- each level at which leaf n completes a subtree. The column hashes holds
-- the latter, level 1 first, 32 bytes each. StoredHashIndex(0, n) is
-- n + (n >> 1) + (n >> 2) + ... (see golang.org/x/mod/sumdb/tlog).
ALTER TABLE leaves ADD COLUMN hashes BLOB NOT NULL DEFAULT x'';
UPDATE leaves AS l SET hashes = coalesce((
    SELECT CAST(group_concat(h.hash, '' ORDER BY h.idx) AS BLOB) FROM hashes h
    WHERE h.idx > (
        l.idx + (l.idx >> 1) + (l.idx >> 2) + (l.idx >> 3) + (l.idx >> 4) +
        (l.idx >> 5) + (l.idx >> 6) + (l.idx >> 7) + (l.idx >> 8) +
        (l.idx >> 9) + (l.idx >> 10) + (l.idx >> 11) + (l.idx >> 12) +
        (l.idx >> 13) + (l.idx >> 14) + (l.idx >> 15) + (l.idx >> 16) +
        (l.idx >> 17) + (l.idx >> 18) + (l.idx >> 19) + (l.idx >> 20) +
        (l.idx >> 21) + (l.idx >> 22) + (l.idx >> 23) + (l.idx >> 24) +
        (l.idx >> 25) + (l.idx >> 26) + (l.idx >> 27) + (l.idx >> 28) +
        (l.idx >> 29) + (l.idx >> 30) + (l.idx >> 31) + (l.idx >> 32) +
        (l.idx >> 33) + (l.idx >> 34) + (l.idx >> 35) + (l.idx >> 36) +
        (l.idx >> 37) + (l.idx >> 38) + (l.idx >> 39) + (l.idx >> 40) +
        (l.idx >> 41) + (l.idx >> 42) + (l.idx >> 43) + (l.idx >> 44) +
        (l.idx >> 45) + (l.idx >> 46) + (l.idx >> 47) + (l.idx >> 48) +
        (l.idx >> 49) + (l.idx >> 50) + (l.idx >> 51) + (l.idx >> 52) +
        (l.idx >> 53) + (l.idx >> 54) + (l.idx >> 55) + (l.idx >> 56) +
        (l.idx >> 57) + (l.idx >> 58) + (l.idx >> 59) + (l.idx >> 60) +
        (l.idx >> 61) + (l.idx >> 62)
    ) AND h.idx < (
        (l.idx + 1) + ((l.idx + 1) >> 1) + ((l.idx + 1) >> 2) + ((l.idx +
        1) >> 3) + ((l.idx + 1) >> 4) + ((l.idx + 1) >> 5) + ((l.idx +
        1) >> 6) + ((l.idx + 1) >> 7) + ((l.idx + 1) >> 8) + ((l.idx +
        1) >> 9) + ((l.idx + 1) >> 10) + ((l.idx + 1) >> 11) + ((l.idx +
        1) >> 12) + ((l.idx + 1) >> 13) + ((l.idx + 1) >> 14) + ((l.idx +
        1) >> 15) + ((l.idx + 1) >> 16) + ((l.idx + 1) >> 17) + ((l.idx +
        1) >> 18) + ((l.idx + 1) >> 19) + ((l.idx + 1) >> 20) + ((l.idx +
        1) >> 21) + ((l.idx + 1) >> 22) + ((l.idx + 1) >> 23) + ((l.idx +
        1) >> 24) + ((l.idx + 1) >> 25) + ((l.idx + 1) >> 26) + ((l.idx +
        1) >> 27) + ((l.idx + 1) >> 28) + ((l.idx + 1) >> 29) + ((l.idx +
        1) >> 30) + ((l.idx + 1) >> 31) + ((l.idx + 1) >> 32) + ((l.idx +
        1) >> 33) + ((l.idx + 1) >> 34) + ((l.idx + 1) >> 35) + ((l.idx +
        1) >> 36) + ((l.idx + 1) >> 37) + ((l.idx + 1) >> 38) + ((l.idx +
        1) >> 39) + ((l.idx + 1) >> 40) + ((l.idx + 1) >> 41) + ((l.idx +
        1) >> 42) + ((l.idx + 1) >> 43) + ((l.idx + 1) >> 44) + ((l.idx +
        1) >> 45) + ((l.idx + 1) >> 46) + ((l.idx + 1) >> 47) + ((l.idx +
        1) >> 48) + ((l.idx + 1) >> 49) + ((l.idx + 1) >> 50) + ((l.idx +
        1) >> 51) + ((l.idx + 1) >> 52) + ((l.idx + 1) >> 53) + ((l.idx +
        1) >> 54) + ((l.idx + 1) >> 55) + ((l.idx + 1) >> 56) + ((l.idx +
        1) >> 57) + ((l.idx + 1) >> 58) + ((l.idx + 1) >> 59) + ((l.idx +
        1) >> 60) + ((l.idx + 1) >> 61) + ((l.idx + 1) >> 62)
    )), x'');
DROP TABLE hashes;
