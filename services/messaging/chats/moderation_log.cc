#include "services/messaging/chats/moderation_log.h"

#include "libs/pg/time.h"

namespace parta::messaging {

void LogModeration(pqxx::transaction_base& tx, const ModerationEntry& entry, absl::Time at) {
  tx.exec_params(
      "INSERT INTO moderation_log (school_id, chat_id, actor_id, action, message_id, "
      "target_user_id, details, at) VALUES ($1, $2, $3, $4, nullif($5, '')::uuid, "
      "nullif($6, '')::uuid, $7, " PARTA_PG_TS("$8") ")",
      entry.school_id, entry.chat_id, entry.actor_id, entry.action, entry.message_id,
      entry.target_user_id, entry.details, pg::ToMicros(at));
}

}  // namespace parta::messaging
