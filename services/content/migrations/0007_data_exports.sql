-- Archives of a person's data (152-FZ art. 14), asked for by him or his parent: built in the
-- background from what every service holds, kept as a file of the one who asked until they
-- expire.
CREATE TABLE data_exports (
  id uuid PRIMARY KEY,
  person_id uuid NOT NULL,
  requested_by uuid NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'ready', 'failed', 'expired')),
  created_at timestamptz NOT NULL,
  -- A builder holds a pending export until then; one that crashed lets it go when it passes.
  lease_until timestamptz,
  attempts int NOT NULL DEFAULT 0,
  ready_at timestamptz,
  expires_at timestamptz,
  item_id uuid,
  version_id uuid,
  size bigint,
  failure text NOT NULL DEFAULT ''
);
CREATE INDEX data_exports_by_requester ON data_exports (requested_by, created_at DESC, id DESC);
CREATE INDEX data_exports_waiting ON data_exports (created_at) WHERE state = 'pending';
CREATE INDEX data_exports_expiring ON data_exports (expires_at) WHERE state = 'ready';
-- One export of a person per asker in the making at a time: asking again answers it.
CREATE UNIQUE INDEX data_exports_one_pending ON data_exports (requested_by, person_id)
  WHERE state = 'pending';
