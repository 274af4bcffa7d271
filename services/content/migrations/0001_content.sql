-- Content: items and their versions, the blobs their bytes are stored as, and uploads in
-- progress. The bytes themselves live in the blob store (a folder by default), named by their
-- SHA-256; a blob row exists while its file may be referred to.

-- One row per stored blob. A version refers to its blob (no cascade: a blob cannot go while a
-- version refers to it). Whoever puts a blob's file in place or removes it holds this row's
-- lock, so a removal never races an upload of the same bytes.
CREATE TABLE blobs (
  sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size bigint NOT NULL CHECK (size > 0),
  created_at timestamptz NOT NULL
);

CREATE TABLE items (
  id uuid PRIMARY KEY,
  owner_user_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('file', 'document', 'image', 'audio', 'video')),
  title text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX items_by_owner ON items (owner_user_id, created_at DESC, id DESC);

CREATE TABLE versions (
  id uuid PRIMARY KEY,
  item_id uuid NOT NULL REFERENCES items (id) ON DELETE CASCADE,
  number int NOT NULL CHECK (number > 0),
  file_name text NOT NULL,
  size bigint NOT NULL,
  media_type text NOT NULL,
  sha256 text NOT NULL REFERENCES blobs (sha256),
  -- The virus scan's verdict on the bytes (one per blob: every version of a blob shares it).
  scan_state text NOT NULL CHECK (scan_state IN ('pending', 'clean', 'infected')),
  -- What the scanner found, for an infected version.
  scan_signature text NOT NULL DEFAULT '',
  uploader_id uuid NOT NULL,
  created_at timestamptz NOT NULL,
  UNIQUE (item_id, number)
);
CREATE INDEX versions_by_blob ON versions (sha256);
CREATE INDEX versions_pending_scan ON versions (created_at) WHERE scan_state = 'pending';

-- An upload: its bytes so far are in the blob store's staging file of the same id. `committed`
-- bytes count; bytes up to `held_end` are written but wait for their checksum (ConfirmUpload).
-- A complete upload names its version and is kept until it expires, so that a retry and
-- GetUpload find the result.
CREATE TABLE uploads (
  id uuid PRIMARY KEY,
  owner_user_id uuid NOT NULL,
  request_id text NOT NULL,
  -- What the creating request asked (without its id), to tell a retry from a reused id.
  request_fingerprint bytea NOT NULL,
  item_id uuid,
  file_name text NOT NULL,
  size bigint NOT NULL CHECK (size > 0),
  declared_media_type text NOT NULL,
  committed bigint NOT NULL DEFAULT 0,
  held_end bigint NOT NULL DEFAULT 0,
  version_id uuid,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  UNIQUE (owner_user_id, request_id),
  CHECK (0 <= committed AND committed <= held_end AND held_end <= size)
);
CREATE INDEX uploads_by_expiry ON uploads (expires_at);
CREATE INDEX uploads_open_by_owner ON uploads (owner_user_id) WHERE version_id IS NULL;
