-- Roster sync (SyncRoster): a regional system's own ids. People keep theirs on their managed
-- record (found again by it, or adopted by name and birth date from an earlier import); classes
-- in a table of their own.
ALTER TABLE managed_people ADD COLUMN external_id text;
CREATE UNIQUE INDEX managed_people_by_external_id ON managed_people (school_id, external_id)
  WHERE external_id IS NOT NULL;

CREATE TABLE synced_classes (
  school_id uuid NOT NULL REFERENCES schools (id),
  external_id text NOT NULL,
  class_id uuid NOT NULL,
  PRIMARY KEY (school_id, external_id)
);
