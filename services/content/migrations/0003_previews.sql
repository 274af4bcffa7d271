-- Renditions: the thumbnail and the preview made of a clean image or PDF, shown to others
-- instead of the file (re-encoded pixels with no metadata). Their bytes are blobs like the
-- versions' (shared by identical renditions); a blob is not removed while a rendition refers to
-- it.

CREATE TABLE renditions (
  version_id uuid NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
  -- parta.content.v1.RenditionKind, by name.
  name text NOT NULL CHECK (name IN ('thumbnail', 'preview')),
  -- No cascade: a blob cannot go while a rendition refers to it.
  sha256 text NOT NULL REFERENCES blobs (sha256),
  media_type text NOT NULL,
  width int NOT NULL CHECK (width > 0),
  height int NOT NULL CHECK (height > 0),
  size bigint NOT NULL CHECK (size > 0),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (version_id, name)
);
CREATE INDEX renditions_by_blob ON renditions (sha256);

-- The versions that want renditions and what became of them: `waiting` until the maker renders
-- them (`done`), or gives up (`failed`, with the reason for the operator: bytes no renderer
-- reads, too many pixels, or `attempts` tries that ended without an answer — a crash or a time
-- limit — so a file that cannot be rendered is never tried for ever). Several instances share
-- the queue: one claims a waiting job until `claimed_until` (a lease longer than a rendering may
-- take), and the others pass it by until the lease ends (its holder crashed or hung).
CREATE TABLE rendition_jobs (
  version_id uuid PRIMARY KEY REFERENCES versions (id) ON DELETE CASCADE,
  state text NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'done', 'failed')),
  attempts int NOT NULL DEFAULT 0,
  error text NOT NULL DEFAULT '',
  queued_at timestamptz NOT NULL DEFAULT now(),
  claimed_until timestamptz
);
CREATE INDEX rendition_jobs_waiting ON rendition_jobs (queued_at) WHERE state = 'waiting';

-- A version is queued when it is (or becomes) clean and is a picture or a PDF: whatever writes a
-- version or its scan verdict, nothing pending or infected is ever queued, and the maker finds
-- its work by an index instead of searching all versions.
CREATE FUNCTION queue_renditions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.scan_state = 'clean'
     AND (NEW.media_type LIKE 'image/%' OR NEW.media_type = 'application/pdf') THEN
    INSERT INTO rendition_jobs (version_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER versions_queue_renditions AFTER INSERT OR UPDATE OF scan_state ON versions
  FOR EACH ROW EXECUTE FUNCTION queue_renditions();

-- Versions stored before renditions existed get theirs too.
INSERT INTO rendition_jobs (version_id)
  SELECT id FROM versions
  WHERE scan_state = 'clean' AND (media_type LIKE 'image/%' OR media_type = 'application/pdf');
