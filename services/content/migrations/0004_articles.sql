-- Articles and links: items made in Parta rather than uploaded, with no versions, no scan and no
-- quota bytes. An article's HTML is sanitised before it is stored (articles/html_sanitizer.h);
-- its plain text is what search reads of it, as of a document's text.

ALTER TABLE items DROP CONSTRAINT items_kind_check;
ALTER TABLE items ADD CONSTRAINT items_kind_check
  CHECK (kind IN ('file', 'document', 'image', 'audio', 'video', 'article', 'link'));

-- A link's URL as written (checked: http or https with a host); NULL for every other kind.
ALTER TABLE items ADD COLUMN link_url text;
ALTER TABLE items ADD CONSTRAINT items_link_url_of_links
  CHECK ((kind = 'link') = (link_url IS NOT NULL));

-- An article's body: the sanitised HTML readers get, and its plain text for search. Kept apart
-- from `items` so that lists of items stay narrow.
CREATE TABLE articles (
  item_id uuid PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
  body_html text NOT NULL,
  body_text text NOT NULL
);

-- Creates of articles and links a client may retry after a lost answer: the request id, what
-- the request asked (without its id), and the item it made. Goes with the item.
CREATE TABLE item_requests (
  owner_user_id uuid NOT NULL,
  request_id text NOT NULL,
  request_fingerprint bytea NOT NULL,
  item_id uuid NOT NULL REFERENCES items (id) ON DELETE CASCADE,
  PRIMARY KEY (owner_user_id, request_id)
);
CREATE INDEX item_requests_by_item ON item_requests (item_id);
