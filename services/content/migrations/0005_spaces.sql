-- Where items live beyond a person's flat list: folders of «Мои файлы», the platform library
-- («Библиотека ЦОК») with its editors, reviews and reports, and what a school decides about its
-- space (who sees its library, its logo and cover).

-- A folder of a person's files. Names are unique among their siblings, ignoring case (`name_key`:
-- the name in NFC, Unicode case-folded by the service, whatever the database's locale); a folder
-- goes only when empty, so nothing is deleted by deleting its folder.
CREATE TABLE folders (
  id uuid PRIMARY KEY,
  owner_user_id uuid NOT NULL,
  parent_id uuid REFERENCES folders (id),
  name text NOT NULL,
  name_key text NOT NULL,
  -- The creating request's id and what it asked, to tell a retry from a reused id.
  request_id text NOT NULL,
  request_fingerprint bytea NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (owner_user_id, request_id)
);
CREATE UNIQUE INDEX folders_sibling_names
  ON folders (owner_user_id, coalesce(parent_id, '00000000-0000-0000-0000-000000000000'),
              name_key);
CREATE INDEX folders_by_parent ON folders (parent_id);

-- An item's folder; NULL at the top of «Мои файлы». Moving an item is not a change of the item
-- (the move does not set its updated_at), so it never sends a published item back to review.
ALTER TABLE items ADD COLUMN folder_id uuid REFERENCES folders (id);
CREATE INDEX items_by_folder ON items (owner_user_id, folder_id, created_at DESC, id DESC);

-- People who review the platform library, named by operators.
CREATE TABLE library_editors (
  user_id uuid PRIMARY KEY,
  granted_by uuid NOT NULL,
  granted_at timestamptz NOT NULL
);

-- An item offered to the platform library: submitted by its owner, then published or rejected
-- (with a reason) by an editor. No row: a draft. Search words as for schools' libraries.
CREATE TABLE platform_entries (
  item_id uuid PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
  state text NOT NULL CHECK (state IN ('submitted', 'published', 'rejected')),
  submitted_by uuid NOT NULL,
  submitted_at timestamptz NOT NULL,
  reviewed_by uuid,
  reviewed_at timestamptz,
  reason text NOT NULL DEFAULT '',
  search tsvector NOT NULL DEFAULT ''::tsvector
);
CREATE INDEX platform_entries_by_state ON platform_entries (state, submitted_at);
CREATE INDEX platform_entries_search ON platform_entries USING gin (search)
  WHERE state = 'published';

-- What an editor approved is what readers get: any change to a published item (its catalogue
-- fields, its text, a new version: every statement that sets its updated_at, even to the same
-- instant) sends it back to review.
CREATE FUNCTION platform_entry_back_to_review() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE platform_entries SET state = 'submitted', submitted_at = NEW.updated_at,
         reviewed_by = NULL, reviewed_at = NULL, reason = ''
   WHERE item_id = NEW.id AND state = 'published';
  RETURN NEW;
END $$;
CREATE TRIGGER items_changed_after_review
  AFTER UPDATE OF updated_at ON items
  FOR EACH ROW EXECUTE FUNCTION platform_entry_back_to_review();

-- A reader's report on a published item of the platform library, until an editor resolves it.
CREATE TABLE item_reports (
  id uuid PRIMARY KEY,
  item_id uuid NOT NULL REFERENCES items (id) ON DELETE CASCADE,
  reporter_id uuid NOT NULL,
  category text NOT NULL,
  comment text NOT NULL,
  created_at timestamptz NOT NULL,
  state text NOT NULL CHECK (state IN ('open', 'dismissed', 'upheld')),
  resolved_by uuid,
  resolved_at timestamptz,
  resolution text NOT NULL DEFAULT ''
);
-- One open report per reader and item: reporting again answers the open one.
CREATE UNIQUE INDEX item_reports_one_open ON item_reports (item_id, reporter_id)
  WHERE state = 'open';
CREATE INDEX item_reports_open ON item_reports (created_at, id) WHERE state = 'open';

-- What a school decided about its space. No row: members-only library, no logo, no cover.
CREATE TABLE school_spaces (
  school_id uuid PRIMARY KEY,
  -- Everyone signed in may search the library and open what it shows, not only members.
  library_public boolean NOT NULL DEFAULT false,
  -- Items of the school's profile, shown to anyone (even without signing in).
  logo_item_id uuid REFERENCES items (id) ON DELETE SET NULL,
  cover_item_id uuid REFERENCES items (id) ON DELETE SET NULL,
  updated_by uuid NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX school_spaces_logo ON school_spaces (logo_item_id);
CREATE INDEX school_spaces_cover ON school_spaces (cover_item_id);
