-- Messaging: chats and their members, messages, the chats' change log (the outbox streams
-- "chat/<id>", kept), and the mirror of the directory's roster that the roster chats follow.

CREATE TABLE chats (
  id uuid PRIMARY KEY,
  school_id uuid NOT NULL,
  kind text NOT NULL
    CHECK (kind IN ('class_students', 'class_parents', 'staff', 'channel', 'group', 'direct')),
  class_id uuid,
  academic_year int NOT NULL DEFAULT 0,
  title text NOT NULL,
  avatar_content_id text NOT NULL DEFAULT '',
  archived boolean NOT NULL DEFAULT false,
  read_only boolean NOT NULL DEFAULT false,
  -- parta.messaging.v1.ChatSettings without read_only (a column of its own); empty: defaults.
  settings bytea NOT NULL DEFAULT '',
  -- Direct chats: "<school>/<smaller account id>/<larger account id>", one chat per pair.
  direct_key text UNIQUE,
  -- The sequence of the chat's latest change; the row's lock orders the chat's changes.
  last_sequence bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX chats_of_class ON chats (class_id, kind) WHERE class_id IS NOT NULL;
CREATE UNIQUE INDEX chats_of_school ON chats (school_id, kind)
  WHERE class_id IS NULL AND kind IN ('staff', 'channel');

-- One row per person and chat, kept after he leaves (sync tells clients which chats are gone).
CREATE TABLE chat_members (
  chat_id uuid NOT NULL REFERENCES chats (id),
  user_id uuid NOT NULL,
  role text NOT NULL CHECK (role IN ('reader', 'member', 'moderator', 'owner')),
  active boolean NOT NULL,
  muted_until timestamptz,
  -- The first sequence he may see (the chat's history limit when he joined).
  history_start bigint NOT NULL,
  read_sequence bigint NOT NULL DEFAULT 0,
  -- The member's chat-list version when this row last changed (join, leave, role).
  list_version bigint NOT NULL,
  changed_at timestamptz NOT NULL,
  PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX chat_members_by_user ON chat_members (user_id, list_version);

-- A person's chat-list version: bumped whenever he joins or leaves a chat.
CREATE TABLE chat_lists (
  user_id uuid PRIMARY KEY,
  version bigint NOT NULL
);

CREATE TABLE messages (
  chat_id uuid NOT NULL REFERENCES chats (id),
  sequence bigint NOT NULL,
  id uuid NOT NULL UNIQUE,
  author_id uuid NOT NULL,
  request_id text NOT NULL,
  -- SHA-256 of what was asked (content and reply), to tell a retry from a reused request id.
  request_hash bytea NOT NULL,
  reply_to uuid,
  -- What the author posted (parta.messaging.v1.Message with its content, forward origin,
  -- attachments and acknowledgement request set); NULL once deleted.
  content bytea,
  -- The words people search: the text, a poll's question and options, an award's comment.
  body text,
  search tsvector GENERATED ALWAYS AS (to_tsvector('russian', coalesce(body, ''))) STORED,
  poll_closed boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  edited_at timestamptz,
  deleted_at timestamptz,
  deleted_by uuid,
  PRIMARY KEY (chat_id, sequence),
  UNIQUE (chat_id, author_id, request_id)
);

CREATE INDEX messages_search ON messages USING gin (search);

-- Earlier versions, for moderators: each edit's previous content, and a deleted message's last
-- content while a report about it is open.
CREATE TABLE message_versions (
  message_id uuid NOT NULL REFERENCES messages (id),
  version serial,
  content bytea NOT NULL,
  reason text NOT NULL CHECK (reason IN ('edited', 'deleted')),
  replaced_at timestamptz NOT NULL,
  PRIMARY KEY (message_id, version)
);

CREATE TABLE message_reactions (
  message_id uuid NOT NULL REFERENCES messages (id),
  user_id uuid NOT NULL,
  emoji text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (message_id, user_id, emoji)
);

CREATE TABLE chat_pins (
  chat_id uuid NOT NULL REFERENCES chats (id),
  message_id uuid NOT NULL REFERENCES messages (id),
  pinned_by uuid NOT NULL,
  pinned_at timestamptz NOT NULL,
  PRIMARY KEY (chat_id, message_id)
);

CREATE TABLE poll_votes (
  message_id uuid NOT NULL REFERENCES messages (id),
  user_id uuid NOT NULL,
  options int[] NOT NULL,
  voted_at timestamptz NOT NULL,
  PRIMARY KEY (message_id, user_id)
);

CREATE TABLE acknowledgements (
  message_id uuid NOT NULL REFERENCES messages (id),
  user_id uuid NOT NULL,
  acknowledged_at timestamptz NOT NULL,
  PRIMARY KEY (message_id, user_id)
);

-- The per-school moderation queue.
CREATE TABLE reports (
  id uuid PRIMARY KEY,
  school_id uuid NOT NULL,
  chat_id uuid NOT NULL REFERENCES chats (id),
  message_id uuid NOT NULL REFERENCES messages (id),
  author_id uuid NOT NULL,
  reporter_id uuid NOT NULL,
  reason text NOT NULL,
  state text NOT NULL CHECK (state IN ('open', 'kept', 'removed', 'removed_and_muted')),
  -- The message as reported (parta.messaging.v1.Message); cleared when resolved.
  evidence bytea,
  created_at timestamptz NOT NULL,
  resolved_by uuid,
  resolved_at timestamptz,
  UNIQUE (message_id, reporter_id)
);
CREATE INDEX reports_queue ON reports (school_id, (state = 'open') DESC, created_at);

-- Every moderation action, kept.
CREATE TABLE moderation_log (
  id bigserial PRIMARY KEY,
  school_id uuid NOT NULL,
  chat_id uuid NOT NULL,
  actor_id uuid NOT NULL,
  action text NOT NULL,
  message_id uuid,
  target_user_id uuid,
  details text NOT NULL DEFAULT '',
  at timestamptz NOT NULL
);
CREATE INDEX moderation_log_by_school ON moderation_log (school_id, id);

-- The outbox of libs/pg. Streams "chat/<id>" are the chats' change logs, numbered by
-- chats.last_sequence and kept; "user/<id>" streams carry follow/unfollow instructions for
-- gateways and are purged after publishing.
CREATE TABLE outbox_streams (stream text PRIMARY KEY, last_sequence bigint NOT NULL);
CREATE TABLE outbox (
  stream text NOT NULL,
  sequence bigint NOT NULL,
  event_type text NOT NULL,
  payload bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  PRIMARY KEY (stream, sequence)
);
CREATE INDEX outbox_unpublished ON outbox (stream, sequence) WHERE published_at IS NULL;

-- The directory's roster as its events describe it, per school stream cursor.
CREATE TABLE directory_cursors (
  stream text PRIMARY KEY,
  sequence bigint NOT NULL
);
CREATE TABLE roster_roles (
  school_id uuid NOT NULL,
  user_id uuid NOT NULL,
  role text NOT NULL,
  PRIMARY KEY (school_id, user_id, role)
);
CREATE TABLE roster_classes (
  id uuid PRIMARY KEY,
  school_id uuid NOT NULL,
  display_name text NOT NULL,
  academic_year int NOT NULL,
  class_teacher_id uuid,
  archived boolean NOT NULL
);
CREATE INDEX roster_classes_by_school ON roster_classes (school_id);
CREATE TABLE roster_students (
  class_id uuid NOT NULL,
  user_id uuid NOT NULL,
  PRIMARY KEY (class_id, user_id)
);
CREATE INDEX roster_students_by_user ON roster_students (user_id);
CREATE TABLE roster_teachers (
  class_id uuid NOT NULL,
  user_id uuid NOT NULL,
  subject text NOT NULL,
  PRIMARY KEY (class_id, user_id, subject)
);
-- Confirmed parent links only (pending parents see nothing).
CREATE TABLE roster_parents (
  parent_id uuid NOT NULL,
  student_id uuid NOT NULL,
  PRIMARY KEY (parent_id, student_id)
);
CREATE INDEX roster_parents_by_student ON roster_parents (student_id);
