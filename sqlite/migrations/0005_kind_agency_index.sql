-- An agency's records of one kind (its duties, its requests) in log order.
-- records_by_agency alone made such a list walk every record of the agency
-- to find the few of the kind: the web queue's due duties took seconds per
-- call in an agency of 100,000 cases (BenchmarkPages in package web).
CREATE INDEX records_by_kind_agency ON records (kind, agency, leaf_index) WHERE agency <> '';
