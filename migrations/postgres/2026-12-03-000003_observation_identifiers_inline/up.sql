-- Each observation carries a copy of its business identifiers, as a JSON array of {"system", "value"} objects in
-- the order they were stored, so that rendering a page of observations reads no other table. Identifiers never
-- change after an observation is stored; observation_identifiers stays the index that enforces their uniqueness
-- and answers searches by identifier, and both are written in the same transaction.
ALTER TABLE observations ADD COLUMN identifiers TEXT NOT NULL DEFAULT '[]';

UPDATE observations o
SET identifiers = i.list
FROM (
    SELECT observation_id, json_agg(json_build_object('system', system, 'value', value) ORDER BY id)::text AS list
    FROM observation_identifiers
    GROUP BY observation_id
) i
WHERE i.observation_id = o.id;
