-- The catalogue fields of items, the text of versions that search reads, and schools' libraries.

ALTER TABLE items
  ADD COLUMN description text NOT NULL DEFAULT '',
  ADD COLUMN subject text NOT NULL DEFAULT '',
  ADD COLUMN grades int[] NOT NULL DEFAULT '{}',
  -- parta.content.v1.AgeLabel's number: 0 unlabelled, 1 = 0+ … 5 = 18+ (ordered by age).
  ADD COLUMN age_label smallint NOT NULL DEFAULT 0 CHECK (age_label BETWEEN 0 AND 5),
  ADD COLUMN licence text NOT NULL DEFAULT '',
  ADD COLUMN language text NOT NULL DEFAULT 'ru';

-- The start of a plain-text version's text (what search reads of it); NULL for other types.
ALTER TABLE versions ADD COLUMN text_content text;

-- An item shown in a school's library, with the words search finds it by: its title (weight A),
-- subject and description (B) and its newest version's text (C), in the `russian`
-- configuration. Kept current when the item changes or gets a version.
CREATE TABLE library_entries (
  item_id uuid NOT NULL REFERENCES items (id) ON DELETE CASCADE,
  school_id uuid NOT NULL,
  published_by uuid NOT NULL,
  published_at timestamptz NOT NULL,
  search tsvector NOT NULL DEFAULT ''::tsvector,
  PRIMARY KEY (school_id, item_id)
);
CREATE INDEX library_entries_by_item ON library_entries (item_id);
CREATE INDEX library_entries_search ON library_entries USING gin (search);
