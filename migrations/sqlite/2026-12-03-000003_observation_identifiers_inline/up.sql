-- Each observation carries a copy of its business identifiers, as a JSON array of {"system", "value"} objects in
-- the order they were stored, so that rendering a page of observations reads no other table. Identifiers never
-- change after an observation is stored; observation_identifiers stays the index that enforces their uniqueness
-- and answers searches by identifier, and both are written in the same transaction.
ALTER TABLE observations ADD COLUMN identifiers TEXT NOT NULL DEFAULT '[]';

UPDATE observations
SET identifiers = (
    SELECT json_group_array(json_object('system', system, 'value', value))
    FROM (SELECT system, value FROM observation_identifiers i WHERE i.observation_id = observations.id ORDER BY i.id)
)
WHERE id IN (SELECT observation_id FROM observation_identifiers);
