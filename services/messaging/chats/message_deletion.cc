#include "services/messaging/chats/message_deletion.h"

#include "libs/pg/time.h"
#include "services/messaging/chats/chat_log.h"
#include "services/messaging/chats/message_rows.h"

namespace parta::messaging {

namespace {

events::v1::ChatChange Deletion(const std::string& actor, const std::string& message_id,
                                int64_t sequence) {
  events::v1::ChatChange change;
  change.set_actor_id(actor);
  change.mutable_message_deleted()->set_message_id(message_id);
  change.mutable_message_deleted()->set_message_sequence(sequence);
  return change;
}

}  // namespace

void DeleteForEveryone(pqxx::transaction_base& tx, Chat& chat, v1::Message& message,
                       const std::string& actor, absl::Time now, IdGenerator& ids) {
  bool reported = !tx.exec_params("SELECT 1 FROM reports WHERE message_id = $1 AND state = 'open'",
                                  message.id())
                       .empty();
  if (reported) {
    std::string last = StoredPart(message);
    tx.exec_params(
        "INSERT INTO message_versions (message_id, content, reason, replaced_at) "
        "VALUES ($1, $2, 'deleted', " PARTA_PG_TS("$3") ")",
        message.id(), pqxx::binarystring(last.data(), last.size()), pg::ToMicros(now));
  }
  tx.exec_params("UPDATE messages SET content = NULL, body = NULL, deleted_at = " PARTA_PG_TS(
                     "$3") ", deleted_by = $4 WHERE chat_id = $1 AND id = $2",
                 chat.id, message.id(), pg::ToMicros(now), actor);
  tx.exec_params("DELETE FROM chat_pins WHERE chat_id = $1 AND message_id = $2", chat.id,
                 message.id());
  AppendChange(tx, chat, Deletion(actor, message.id(), message.sequence()), ids, now);
  message.clear_content();
  message.clear_forwarded_from();
  message.clear_attachment_ids();
  message.clear_reactions();
  message.clear_pinned();
  message.set_deleted(true);
}

int DeleteAllForEveryone(pqxx::transaction_base& tx, Chat& chat, const std::string& author,
                         absl::Time now, IdGenerator& ids) {
  const pqxx::result live = tx.exec_params(
      "SELECT id::text, sequence FROM messages WHERE chat_id = $1 AND author_id = $2 AND "
      "deleted_at IS NULL ORDER BY sequence",
      chat.id, author);
  if (live.empty()) return 0;
  // What an open report is about keeps its last content as a version, as DeleteForEveryone.
  tx.exec_params(
      "INSERT INTO message_versions (message_id, content, reason, replaced_at) "
      "SELECT m.id, m.content, 'deleted', " PARTA_PG_TS("$3") " FROM messages m "
      "WHERE m.chat_id = $1 AND m.author_id = $2 AND m.deleted_at IS NULL AND "
      "m.content IS NOT NULL AND EXISTS (SELECT 1 FROM reports r WHERE r.message_id = m.id "
      "AND r.state = 'open')",
      chat.id, author, pg::ToMicros(now));
  tx.exec_params("DELETE FROM chat_pins p USING messages m WHERE p.chat_id = $1 AND "
                 "m.id = p.message_id AND m.author_id = $2 AND m.deleted_at IS NULL",
                 chat.id, author);
  tx.exec_params("UPDATE messages SET content = NULL, body = NULL, deleted_at = " PARTA_PG_TS(
                     "$3") ", deleted_by = $2 WHERE chat_id = $1 AND author_id = $2 AND "
                     "deleted_at IS NULL",
                 chat.id, author, pg::ToMicros(now));
  ChangeBatch changes;
  for (const pqxx::row& row : live) {
    changes.Append(chat, Deletion(author, row[0].as<std::string>(), row[1].as<int64_t>()), ids,
                   now);
  }
  changes.Write(tx);
  return static_cast<int>(live.size());
}

}  // namespace parta::messaging
