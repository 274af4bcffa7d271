-- Erasure of a person (identity's AccountErased): his messages are found by author, and the
-- service's place in identity's account events is kept with the changes it made
-- (libs/pg/event_cursor.h).
CREATE INDEX messages_by_live_author ON messages (author_id) WHERE deleted_at IS NULL;
CREATE TABLE event_cursors (stream text PRIMARY KEY, sequence bigint NOT NULL);

-- A school's line to the platform's support: one chat per school, its admins and the operators
-- who took it up.
ALTER TABLE chats DROP CONSTRAINT chats_kind_check;
ALTER TABLE chats ADD CONSTRAINT chats_kind_check
  CHECK (kind IN ('class_students', 'class_parents', 'staff', 'channel', 'group', 'direct',
                  'family', 'support'));
CREATE UNIQUE INDEX chats_of_support ON chats (school_id) WHERE kind = 'support';
-- The operators who took up a school's support chat, in the order they did.
CREATE TABLE support_operators (
  chat_id    uuid NOT NULL REFERENCES chats (id),
  user_id    uuid NOT NULL,
  joined_at  timestamptz NOT NULL,
  PRIMARY KEY (chat_id, user_id)
);
