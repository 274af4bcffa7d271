#include "services/messaging/chats/support_chats.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/core/page_token.h"
#include "libs/core/status.h"
#include "libs/pg/time.h"
#include "services/messaging/chats/chat_log.h"
#include "services/messaging/chats/school_roles.h"

namespace parta::messaging {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kSupportChatTitle[] = "Поддержка Parta";
constexpr char kList[] = "support_chats";

absl::Status OperatorOnly() {
  return PermissionDenied("OPERATOR_ONLY", "only platform operators answer support chats");
}

}  // namespace

absl::StatusOr<v1::Chat> SupportChats::Open(const std::string& caller,
                                            const std::string& school_id) {
  if (!IsUuid(school_id)) return InvalidArgument("INVALID_SCHOOL_ID", "school_id is a UUID");
  bool changed = false;
  absl::StatusOr<v1::Chat> chat =
      pool_.TransactFor<v1::Chat>([&](pqxx::work& tx) -> absl::StatusOr<v1::Chat> {
        changed = false;
        if (!HoldsRole(tx, school_id, caller, SchoolRole::kAdmin)) {
          return PermissionDenied("NOT_SCHOOL_ADMIN", "only the school's admins write to support");
        }
        const absl::Time now = clock_.Now();
        tx.exec_params(
            "INSERT INTO chats (id, school_id, kind, title, created_at, updated_at) "
            "VALUES ($1, $2, 'support', $3, " PARTA_PG_TS("$4") ", " PARTA_PG_TS("$4") ") "
            "ON CONFLICT (school_id) WHERE kind = 'support' DO NOTHING",
            ids_.NewId(), school_id, std::string(kSupportChatTitle), pg::ToMicros(now));
        const std::string chat_id =
            tx.exec_params1("SELECT id::text FROM chats WHERE school_id = $1 AND kind = 'support'",
                            school_id)[0]
                .as<std::string>();
        std::optional<ChatAccess> access = LockChat(tx, chat_id, caller);
        if (!access) return Internal("CHAT_NOT_FOUND", "the support chat vanished");
        // Every admin of the school, as the roster mirror knows them (later changes follow
        // RosterChats::SyncSchoolMember).
        for (const pqxx::row& row :
             tx.exec_params("SELECT user_id::text FROM roster_roles WHERE school_id = $1 AND "
                            "role = 'admin' ORDER BY user_id",
                            school_id)) {
          const int64_t before = access->chat.last_sequence;
          SetMember(tx, access->chat, row[0].as<std::string>(), ChatRole::kMember, ids_, now);
          changed = changed || access->chat.last_sequence != before;
        }
        std::optional<ChatAccess> mine = ReadChat(tx, chat_id, caller);
        return ChatToProto(*mine);
      });
  if (chat.ok() && changed) committed_();
  return chat;
}

absl::StatusOr<v1::ListSupportChatsResponse> SupportChats::List(
    const auth::Claims& caller, const v1::ListSupportChatsRequest& req) {
  if (!caller.is_operator) return OperatorOnly();
  ASSIGN_OR_RETURN(int page_size, PageSize(req.page_size(), 50, 200));
  ASSIGN_OR_RETURN(std::vector<std::string> key,
                   DecodePageToken(req.page_token(), kList, caller.subject, 3));
  int after_rank = -1;
  int64_t after_key = 0;
  std::string after_id;
  if (!key.empty()) {
    if (!absl::SimpleAtoi(key[0], &after_rank) || !absl::SimpleAtoi(key[1], &after_key) ||
        !IsUuid(key[2])) {
      return InvalidPageToken();
    }
    after_id = key[2];
  }
  return pool_.TransactFor<v1::ListSupportChatsResponse>(
      [&](pqxx::work& tx) -> absl::StatusOr<v1::ListSupportChatsResponse> {
        // Waiting first, the oldest wait first (rank 0, by time); then the rest, the latest
        // first (rank 1, by minus time); the id breaks ties.
        pqxx::result rows = tx.exec_params(
            "WITH last AS (SELECT DISTINCT ON (m.chat_id) m.chat_id, m.author_id, "
            "(extract(epoch FROM m.created_at) * 1000000)::bigint AS at FROM messages m "
            "JOIN chats c ON c.id = m.chat_id WHERE c.kind = 'support' AND m.deleted_at IS NULL "
            "ORDER BY m.chat_id, m.sequence DESC), "
            "ranked AS (SELECT l.chat_id, l.at, NOT EXISTS (SELECT 1 FROM support_operators o "
            "WHERE o.chat_id = l.chat_id AND o.user_id = l.author_id) AS waiting FROM last l) "
            "SELECT chat_id::text, at, waiting, CASE WHEN waiting THEN 0 ELSE 1 END AS rank, "
            "CASE WHEN waiting THEN at ELSE -at END AS key FROM ranked "
            "WHERE (CASE WHEN waiting THEN 0 ELSE 1 END, CASE WHEN waiting THEN at ELSE -at END, "
            "chat_id::text) > ($1::int, $2::bigint, $3::text) ORDER BY rank, key, chat_id::text "
            "LIMIT $4",
            after_rank, after_key, after_id, page_size + 1);
        v1::ListSupportChatsResponse response;
        for (int i = 0; i < static_cast<int>(rows.size()) && i < page_size; ++i) {
          const std::string chat_id = rows[i][0].as<std::string>();
          std::optional<ChatAccess> access = ReadChat(tx, chat_id, caller.subject);
          if (!access) continue;
          v1::SupportChat& out = *response.add_chats();
          *out.mutable_chat() = ChatToProto(*access);
          *out.mutable_last_message_time() =
              TimeUtil::MicrosecondsToTimestamp(rows[i][1].as<int64_t>());
          out.set_awaiting_answer(rows[i][2].as<bool>());
          for (const pqxx::row& answered : tx.exec_params(
                   "SELECT m.author_id::text FROM messages m JOIN support_operators o ON "
                   "o.chat_id = m.chat_id AND o.user_id = m.author_id WHERE m.chat_id = $1 "
                   "GROUP BY m.author_id ORDER BY min(m.sequence)",
                   chat_id)) {
            out.add_answered_by(answered[0].as<std::string>());
          }
        }
        if (static_cast<int>(rows.size()) > page_size) {
          const pqxx::row& last = rows[page_size - 1];
          response.set_next_page_token(EncodePageToken(
              kList, caller.subject,
              {last[3].as<std::string>(), last[4].as<std::string>(), last[0].as<std::string>()}));
        }
        return response;
      });
}

absl::StatusOr<v1::Chat> SupportChats::Join(const auth::Claims& caller,
                                            const std::string& chat_id) {
  if (!caller.is_operator) return OperatorOnly();
  if (!IsUuid(chat_id)) return InvalidArgument("INVALID_CHAT_ID", "chat_id is a UUID");
  bool changed = false;
  absl::StatusOr<v1::Chat> chat =
      pool_.TransactFor<v1::Chat>([&](pqxx::work& tx) -> absl::StatusOr<v1::Chat> {
        std::optional<ChatAccess> access = LockChat(tx, chat_id, caller.subject);
        if (!access || access->chat.kind != ChatKind::kSupport) {
          return NotFound("CHAT_NOT_FOUND", "no support chat has this id");
        }
        const absl::Time now = clock_.Now();
        tx.exec_params("INSERT INTO support_operators (chat_id, user_id, joined_at) "
                       "VALUES ($1, $2, " PARTA_PG_TS("$3") ") ON CONFLICT DO NOTHING",
                       chat_id, caller.subject, pg::ToMicros(now));
        const int64_t before = access->chat.last_sequence;
        SetMember(tx, access->chat, caller.subject, ChatRole::kModerator, ids_, now);
        changed = access->chat.last_sequence != before;
        std::optional<ChatAccess> mine = ReadChat(tx, chat_id, caller.subject);
        return ChatToProto(*mine);
      });
  if (chat.ok() && changed) committed_();
  return chat;
}

}  // namespace parta::messaging
