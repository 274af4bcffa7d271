-- Messaging: chats and their members, messages, the chats' change log (the outbox streams
-- "chat/<id>", kept), and the mirror of the directory's roster that the roster chats follow.

CREATE TABLE chats (
  id uuid PRIMARY KEY,
  school_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('class_students', 'class_parents', 'staff', 'channel')),
  class_id uuid,
  academic_year int NOT NULL DEFAULT 0,
  title text NOT NULL,
  archived boolean NOT NULL DEFAULT false,
  read_only boolean NOT NULL DEFAULT false,
  -- The sequence of the chat's latest change; the row's lock orders the chat's changes.
  last_sequence bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX chats_of_class ON chats (class_id, kind) WHERE class_id IS NOT NULL;
CREATE UNIQUE INDEX chats_of_school ON chats (school_id, kind) WHERE class_id IS NULL;

-- One row per person and chat, kept after he leaves (sync tells clients which chats are gone).
CREATE TABLE chat_members (
  chat_id uuid NOT NULL REFERENCES chats (id),
  user_id uuid NOT NULL,
  role text NOT NULL CHECK (role IN ('reader', 'member', 'moderator')),
  active boolean NOT NULL,
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
  -- The content (parta.messaging.v1.Message with only its `content` set); NULL once deleted.
  content bytea,
  created_at timestamptz NOT NULL,
  edited_at timestamptz,
  deleted_at timestamptz,
  deleted_by uuid,
  PRIMARY KEY (chat_id, sequence),
  UNIQUE (chat_id, author_id, request_id)
);

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
