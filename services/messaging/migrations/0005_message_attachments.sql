-- Which messages carry which content versions (parta.content.v1.Version ids), so that
-- CheckAttachmentAccess answers the content service from the messages themselves: a version is
-- readable by whoever may read a message carrying it. A row is written with its message (a
-- forward's too: the forwarded message's attachments become readable where it is forwarded) and
-- never changes; deleting the message or leaving the chat ends access through the messages and
-- chat_members rows the check joins, with nothing here to update.
--
-- The check looks a version up by the primary key's first column, then the message by its own
-- key (chat_id, sequence) and the member by (chat_id, user_id): no other index is needed.
CREATE TABLE message_attachments (
  version_id uuid NOT NULL,
  chat_id uuid NOT NULL,
  sequence bigint NOT NULL,
  PRIMARY KEY (version_id, chat_id, sequence),
  FOREIGN KEY (chat_id, sequence) REFERENCES messages (chat_id, sequence)
);
