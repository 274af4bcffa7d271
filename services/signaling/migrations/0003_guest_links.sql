-- Guest links: a host's code that lets one person without an account into his call's waiting
-- room, until it expires. Only the code's SHA-256 is kept.
CREATE TABLE call_guest_links (
  code_hash bytea PRIMARY KEY,
  call_id uuid NOT NULL REFERENCES calls (id),
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  -- The guest account the code made, once used: a code works once.
  used_by uuid,
  used_at timestamptz,
  CHECK ((used_by IS NULL) = (used_at IS NULL))
);
CREATE INDEX call_guest_links_call ON call_guest_links (call_id);

-- The guests of a call: they may touch that call (and nothing of its chat) as members would.
CREATE TABLE call_guests (
  call_id uuid NOT NULL REFERENCES calls (id),
  user_id uuid NOT NULL,
  display_name text NOT NULL,
  joined_at timestamptz NOT NULL,
  PRIMARY KEY (call_id, user_id)
);
