#include "services/messaging/chats/account_erasure.h"

#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "libs/pg/event_cursor.h"
#include "services/messaging/chats/chat_log.h"
#include "services/messaging/chats/message_deletion.h"

namespace parta::messaging {

AccountErasure::AccountErasure(pg::Pool& pool, IdGenerator& ids, const Clock& clock,
                               std::function<void()> committed)
    : pool_(pool), ids_(ids), clock_(clock), committed_(std::move(committed)) {}

absl::Status AccountErasure::Erase(const std::string& stream, int64_t sequence,
                                   const std::string& account_id) {
  ASSIGN_OR_RETURN(int64_t cursor, pg::ReadCursor(pool_, stream));
  if (cursor >= sequence) return absl::OkStatus();  // applied before
  int chats = 0;
  std::string previous;
  while (true) {
    ASSIGN_OR_RETURN(std::optional<std::string> chat_id, EraseFromNextChat(account_id));
    if (!chat_id) break;
    if (*chat_id == previous) {  // a step that leaves something behind would never end
      return Internal("ERASURE_STUCK", "a chat keeps something of an erased person");
    }
    previous = *std::move(chat_id);
    ++chats;
    committed_();
  }
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    if (!pg::AdvanceCursor(tx, stream, sequence)) return absl::OkStatus();
    // What is his alone, outside any chat.
    tx.exec_params("DELETE FROM chat_lists WHERE user_id = $1", account_id);
    return absl::OkStatus();
  }));
  log::Info("person erased from messaging").With("account_id", account_id).With("chats", chats);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> AccountErasure::EraseFromNextChat(
    const std::string& account_id) {
  using Erased = std::optional<std::string>;
  return pool_.TransactFor<Erased>([&](pqxx::work& tx) -> absl::StatusOr<Erased> {
    // A chat where something of his is left: a live message, a membership, a reaction, a vote
    // or an acknowledgement.
    pqxx::result next = tx.exec_params(
        "SELECT chat_id::text FROM messages WHERE author_id = $1 AND deleted_at IS NULL "
        "UNION SELECT chat_id::text FROM chat_members WHERE user_id = $1 AND active "
        "UNION SELECT m.chat_id::text FROM message_reactions r JOIN messages m "
        "ON m.id = r.message_id WHERE r.user_id = $1 "
        "UNION SELECT m.chat_id::text FROM poll_votes v JOIN messages m "
        "ON m.id = v.message_id WHERE v.user_id = $1 "
        "UNION SELECT m.chat_id::text FROM acknowledgements a JOIN messages m "
        "ON m.id = a.message_id WHERE a.user_id = $1 "
        "LIMIT 1",
        account_id);
    if (next.empty()) return std::nullopt;
    const std::string chat_id = next[0][0].as<std::string>();
    std::optional<ChatAccess> access = LockChat(tx, chat_id, account_id);
    if (!access) return Internal("CHAT_NOT_FOUND", "a chat of the person vanished");
    const absl::Time now = clock_.Now();
    DeleteAllForEveryone(tx, access->chat, account_id, now, ids_);
    // Earlier versions of his words, except what an open report keeps as evidence.
    tx.exec_params(
        "DELETE FROM message_versions v USING messages m WHERE v.message_id = m.id AND "
        "m.chat_id = $1 AND m.author_id = $2 AND NOT EXISTS (SELECT 1 FROM reports r WHERE "
        "r.message_id = m.id AND r.state = 'open')",
        chat_id, account_id);
    for (const char* table : {"message_reactions", "poll_votes", "acknowledgements"}) {
      tx.exec_params(absl::StrCat("DELETE FROM ", table,
                                  " t USING messages m WHERE t.message_id = m.id AND "
                                  "m.chat_id = $1 AND t.user_id = $2"),
                     chat_id, account_id);
    }
    RemoveMember(tx, access->chat, account_id, ids_, now);
    return chat_id;
  });
}

}  // namespace parta::messaging
