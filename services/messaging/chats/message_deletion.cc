#include "services/messaging/chats/message_deletion.h"

#include "libs/pg/time.h"
#include "services/messaging/chats/chat_log.h"
#include "services/messaging/chats/message_rows.h"

namespace parta::messaging {

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
  events::v1::ChatChange change;
  change.set_actor_id(actor);
  change.mutable_message_deleted()->set_message_id(message.id());
  change.mutable_message_deleted()->set_message_sequence(message.sequence());
  AppendChange(tx, chat, std::move(change), ids, now);
  message.clear_content();
  message.clear_forwarded_from();
  message.clear_attachment_ids();
  message.clear_reactions();
  message.clear_pinned();
  message.set_deleted(true);
}

}  // namespace parta::messaging
