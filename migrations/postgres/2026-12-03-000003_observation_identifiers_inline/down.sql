ALTER TABLE observations DROP COLUMN identifiers;
