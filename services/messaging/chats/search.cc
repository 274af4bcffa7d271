#include "services/messaging/chats/search.h"

#include "libs/core/page_token.h"
#include "libs/core/status.h"
#include "libs/pg/prepared.h"
#include "services/messaging/chats/chat_log.h"
#include "services/messaging/chats/message_rows.h"
#include "services/messaging/domain/policy.h"
#include "services/messaging/domain/validation.h"

namespace parta::messaging {

absl::StatusOr<v1::SearchMessagesResponse> Search::Messages(const std::string& caller,
                                                            const v1::SearchMessagesRequest& req) {
  RETURN_IF_ERROR(ValidateQuery(req.query()));
  if (!req.chat_id().empty()) RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  if (!req.before_message_id().empty()) RETURN_IF_ERROR(ValidateMessageId(req.before_message_id()));
  ASSIGN_OR_RETURN(int page_size, PageSize(req.page_size(), 20, 100));
  return pool_.TransactFor<v1::SearchMessagesResponse>(
      [&](pqxx::work& tx) -> absl::StatusOr<v1::SearchMessagesResponse> {
        tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
        if (!req.chat_id().empty()) {
          std::optional<ChatAccess> access = ReadChat(tx, req.chat_id(), caller);
          if (!access || !access->member) {
            return NotChatMember();
          }
        }
        // Message ids are UUIDv7: ordered by time, so "before this id" pages newest first.
        pqxx::result rows = pg::ExecPrepared(
            tx, "messaging_search",
            std::string("SELECT ") + kMessageColumns +
                ", m.chat_id::text FROM messages m JOIN chat_members cm "
                "ON cm.chat_id = m.chat_id AND cm.user_id = $1::uuid AND cm.active "
                "WHERE m.search @@ websearch_to_tsquery('russian', $2) "
                "AND m.deleted_at IS NULL AND m.sequence >= cm.history_start "
                "AND ($3 = '' OR m.chat_id = nullif($3, '')::uuid) "
                "AND ($4 = '' OR m.id < nullif($4, '')::uuid) "
                "ORDER BY m.id DESC LIMIT $5",
            caller, req.query(), req.chat_id(), req.before_message_id(), page_size);
        v1::SearchMessagesResponse response;
        std::vector<v1::Message*> found;
        for (const pqxx::row& row : rows) {
          v1::Message* message = response.add_messages();
          *message = MessageFromRow(row[kMessageColumnCount].as<std::string>(), row);
          found.push_back(message);
        }
        Decorate(tx, caller, found);
        return response;
      });
}

}  // namespace parta::messaging
