#include "services/messaging/chats/inbox.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "libs/pg/prepared.h"
#include "libs/realtime/channels.h"
#include "services/messaging/chats/change_visibility.h"
#include "services/messaging/chats/chat_log.h"
#include "libs/core/page_token.h"
#include "services/messaging/domain/policy.h"
#include "services/messaging/domain/validation.h"

namespace parta::messaging {
namespace {

constexpr int kMaxSyncCursors = 2000;
constexpr int kDefaultChatsPage = 100;
constexpr int kMaxChatsPage = 500;
constexpr absl::string_view kChatsList = "chats";
constexpr int kDefaultChannelsPage = 500;
constexpr int kMaxChannelsPage = 1000;
constexpr absl::string_view kChannelsList = "subscriptions";
constexpr absl::string_view kNoChat = "00000000-0000-0000-0000-000000000000";

// After the chat's columns: the member's unread count, and the tables they come from.
constexpr char kUnreadAndMemberships[] =
    ", (SELECT count(*) FROM messages x WHERE x.chat_id = c.id "
    "AND x.sequence > m.read_sequence AND x.author_id <> m.user_id AND x.deleted_at IS NULL) "
    "FROM chat_members m JOIN chats c ON c.id = m.chat_id ";

// The caller's active chats with unread counts, the most recently changed first.
std::vector<std::pair<ChatAccess, int>> ActiveChats(pqxx::transaction_base& tx,
                                                    const std::string& caller) {
  pqxx::result rows = pg::ExecPrepared(
      tx, "messaging_active_chats",
      absl::StrCat("SELECT ", kChatAccessColumns,
                   kUnreadAndMemberships,
                   "WHERE m.user_id = $1::uuid AND m.active ORDER BY c.updated_at DESC, c.id"),
      caller);
  std::vector<std::pair<ChatAccess, int>> chats;
  for (const pqxx::row& row : rows) {
    chats.emplace_back(ChatAccessFromRow(row), row[kChatAccessColumnCount].as<int>());
  }
  return chats;
}

// A page of the caller's active chats with unread counts, by chat id after `after`: a chat's
// activity does not move it, so a listing walked while messages arrive sees every chat once.
// Reads `limit` + 1 rows: the one beyond says whether a page follows.
std::vector<std::pair<ChatAccess, int>> ActiveChatsPage(pqxx::transaction_base& tx,
                                                        const std::string& caller,
                                                        absl::string_view after, int limit) {
  pqxx::result rows = pg::ExecPrepared(
      tx, "messaging_active_chats_page",
      absl::StrCat("SELECT ", kChatAccessColumns,
                   kUnreadAndMemberships,
                   "WHERE m.user_id = $1::uuid AND m.active AND m.chat_id > $2::uuid "
                   "ORDER BY m.chat_id LIMIT $3"),
      caller, std::string(after), limit + 1);
  std::vector<std::pair<ChatAccess, int>> chats;
  for (const pqxx::row& row : rows) {
    chats.emplace_back(ChatAccessFromRow(row), row[kChatAccessColumnCount].as<int>());
  }
  return chats;
}

int64_t ChatListVersion(pqxx::transaction_base& tx, const std::string& caller) {
  pqxx::result rows =
      pg::ExecPrepared(tx, "messaging_chat_list_version",
                       "SELECT version FROM chat_lists WHERE user_id = $1::uuid", caller);
  return rows.empty() ? 0 : rows[0][0].as<int64_t>();
}

int UnreadIn(pqxx::transaction_base& tx, const ChatAccess& access, const std::string& caller) {
  return pg::ExecPrepared(tx, "messaging_unread",
                          "SELECT count(*) FROM messages WHERE chat_id = $1::uuid "
                          "AND sequence > $2 AND author_id <> $3::uuid AND deleted_at IS NULL",
                          access.chat.id, access.member->read_sequence, caller)[0][0]
      .as<int>();
}

struct ChangePage {
  std::vector<events::v1::Event> events;
  bool has_more = false;
};

// The chat's changes after `after` (none before `history_start`), at most `limit`, as the
// reader may see them.
ChangePage ReadChanges(pqxx::transaction_base& tx, const std::string& chat_id, int64_t after,
                       int64_t history_start, int limit) {
  after = std::max(after, history_start - 1);
  pqxx::result rows = pg::ExecPrepared(
      tx, "messaging_read_changes",
      "SELECT payload FROM outbox WHERE stream = $1 AND sequence > $2 ORDER BY sequence LIMIT $3",
      ChatStream(chat_id), after, limit + 1);
  ChangePage page;
  page.has_more = static_cast<int>(rows.size()) > limit;
  for (int i = 0; i < static_cast<int>(rows.size()) && i < limit; ++i) {
    pqxx::binarystring payload(rows[i][0]);
    page.events.emplace_back().ParseFromString(payload.str());
  }
  RedactForReader(tx, chat_id, history_start, page.events);
  return page;
}

}  // namespace

Inbox::Inbox(pg::Pool& pool, IdGenerator& ids, const Clock& clock, std::function<void()> committed)
    : pool_(pool), ids_(ids), clock_(clock), committed_(std::move(committed)) {}

absl::StatusOr<v1::ListChatsResponse> Inbox::ListChats(const std::string& caller,
                                                       const v1::ListChatsRequest& req) {
  ASSIGN_OR_RETURN(int page_size, PageSize(req.page_size(), kDefaultChatsPage, kMaxChatsPage));
  ASSIGN_OR_RETURN(std::vector<std::string> key,
                   DecodePageToken(req.page_token(), kChatsList, caller, 1));
  std::string after = key.empty() ? std::string(kNoChat) : key[0];
  if (!IsUuid(after)) return InvalidPageToken();
  return pool_.TransactFor<v1::ListChatsResponse>(
      [&](pqxx::work& tx) -> absl::StatusOr<v1::ListChatsResponse> {
        tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
        v1::ListChatsResponse response;
        std::vector<std::pair<ChatAccess, int>> chats =
            ActiveChatsPage(tx, caller, after, page_size);
        bool more = static_cast<int>(chats.size()) > page_size;
        if (more) chats.resize(page_size);
        for (const auto& [access, unread] : chats) {
          *response.add_chats() = ChatToProto(access, unread);
        }
        if (more) {
          response.set_next_page_token(
              EncodePageToken(kChatsList, caller, {chats.back().first.chat.id}));
        }
        response.set_chat_list_version(ChatListVersion(tx, caller));
        return response;
      });
}

absl::StatusOr<v1::Chat> Inbox::GetChat(const std::string& caller, const std::string& chat_id) {
  RETURN_IF_ERROR(ValidateChatId(chat_id));
  return pool_.TransactFor<v1::Chat>([&](pqxx::work& tx) -> absl::StatusOr<v1::Chat> {
    std::optional<ChatAccess> access = ReadChat(tx, chat_id, caller);
    if (!access || !access->member) return NotChatMember();
    return ChatToProto(*access, UnreadIn(tx, *access, caller));
  });
}

absl::StatusOr<v1::Chat> Inbox::MarkRead(const std::string& caller,
                                         const v1::MarkReadRequest& req) {
  RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  bool appended = false;
  absl::StatusOr<v1::Chat> chat =
      pool_.TransactFor<v1::Chat>([&](pqxx::work& tx) -> absl::StatusOr<v1::Chat> {
        appended = false;
        std::optional<ChatAccess> access = LockChat(tx, req.chat_id(), caller);
        if (!access || !access->member) return NotChatMember();
        if (req.sequence() < 0 || req.sequence() > access->chat.last_sequence) {
          return InvalidArgument("INVALID_SEQUENCE",
                                 absl::StrCat("sequence must be 0-", access->chat.last_sequence));
        }
        if (req.sequence() > access->member->read_sequence) {
          events::v1::ChatChange change;
          change.set_actor_id(caller);
          change.mutable_read_cursor_moved()->set_user_id(caller);
          change.mutable_read_cursor_moved()->set_read_sequence(req.sequence());
          AppendChange(tx, access->chat, std::move(change), ids_, clock_.Now());
          tx.exec_params(
              "UPDATE chat_members SET read_sequence = $3 WHERE chat_id = $1 AND user_id = $2",
              req.chat_id(), caller, req.sequence());
          appended = true;
        }
        std::optional<ChatAccess> now = ReadChat(tx, req.chat_id(), caller);
        return ChatToProto(*now, UnreadIn(tx, *now, caller));
      });
  if (chat.ok() && appended) committed_();
  return chat;
}

absl::StatusOr<v1::ListChatChangesResponse> Inbox::ListChanges(
    const std::string& caller, const v1::ListChatChangesRequest& req) {
  RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  ASSIGN_OR_RETURN(int page_size, PageSize(req.page_size(), 200, 1000));
  if (req.after_sequence() < 0) {
    return InvalidArgument("INVALID_PAGE", "after_sequence must not be negative");
  }
  return pool_.TransactFor<v1::ListChatChangesResponse>(
      [&](pqxx::work& tx) -> absl::StatusOr<v1::ListChatChangesResponse> {
        tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
        std::optional<ChatAccess> access = ReadChat(tx, req.chat_id(), caller);
        if (!access || !access->member) return NotChatMember();
        ChangePage page = ReadChanges(tx, req.chat_id(), req.after_sequence(),
                                      access->member->history_start, page_size);
        v1::ListChatChangesResponse response;
        for (events::v1::Event& event : page.events) *response.add_changes() = std::move(event);
        response.set_has_more(page.has_more);
        return response;
      });
}

absl::StatusOr<v1::SyncResponse> Inbox::Sync(const std::string& caller,
                                             const v1::SyncRequest& req) {
  if (req.cursors_size() > kMaxSyncCursors) {
    return InvalidArgument("TOO_MANY_CURSORS",
                           absl::StrCat("at most ", kMaxSyncCursors, " cursors per sync"));
  }
  ASSIGN_OR_RETURN(int per_chat, PageSize(req.changes_per_chat(), 100, 500));
  absl::flat_hash_map<std::string, int64_t> cursors;
  for (const v1::ChatCursor& cursor : req.cursors()) {
    RETURN_IF_ERROR(ValidateChatId(cursor.chat_id()));
    cursors[cursor.chat_id()] = std::max<int64_t>(0, cursor.sequence());
  }
  return pool_.TransactFor<v1::SyncResponse>(
      [&](pqxx::work& tx) -> absl::StatusOr<v1::SyncResponse> {
        // One snapshot: the chats' states and their changes agree.
        tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
        v1::SyncResponse response;
        response.set_chat_list_version(ChatListVersion(tx, caller));
        absl::flat_hash_set<std::string> active;
        for (const auto& [access, unread] : ActiveChats(tx, caller)) {
          active.insert(access.chat.id);
          auto known = cursors.find(access.chat.id);
          int64_t after = known == cursors.end() ? 0 : known->second;
          if (known != cursors.end() && access.chat.last_sequence <= after) continue;
          ChangePage page =
              ReadChanges(tx, access.chat.id, after, access.member->history_start, per_chat);
          v1::ChatSync& chat = *response.add_chats();
          *chat.mutable_chat() = ChatToProto(access, unread);
          for (events::v1::Event& event : page.events) *chat.add_changes() = std::move(event);
          chat.set_has_more(page.has_more);
        }
        for (const auto& [chat_id, sequence] : cursors) {
          if (!active.contains(chat_id)) response.add_removed_chat_ids(chat_id);
        }
        return response;
      });
}

absl::Status Inbox::MayWrite(const std::string& caller, const std::string& chat_id) {
  RETURN_IF_ERROR(ValidateChatId(chat_id));
  return pool_.Read([&](pqxx::nontransaction& tx) -> absl::Status {
    std::optional<ChatAccess> access = ReadChat(tx, chat_id, caller);
    if (!access || !access->member) return NotChatMember();
    return MayPost(access->chat, *access->member, clock_.Now());
  });
}

absl::StatusOr<events::v1::ListMySubscriptionsResponse> Inbox::ChannelsOf(
    const std::string& caller, const events::v1::ListMySubscriptionsRequest& req) {
  ASSIGN_OR_RETURN(int page_size,
                   PageSize(req.page_size(), kDefaultChannelsPage, kMaxChannelsPage));
  ASSIGN_OR_RETURN(std::vector<std::string> key,
                   DecodePageToken(req.page_token(), kChannelsList, caller, 1));
  std::string after = key.empty() ? std::string(kNoChat) : key[0];
  if (!IsUuid(after)) return InvalidPageToken();
  return pool_.ReadFor<events::v1::ListMySubscriptionsResponse>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<events::v1::ListMySubscriptionsResponse> {
        // By chat id, like ListChats: joining or leaving a chat moves no other chat.
        pqxx::result rows = pg::ExecPrepared(
            tx, "messaging_channels_page",
            "SELECT chat_id::text FROM chat_members WHERE user_id = $1::uuid AND active "
            "AND chat_id > $2::uuid ORDER BY chat_id LIMIT $3",
            caller, after, page_size + 1);
        events::v1::ListMySubscriptionsResponse response;
        const int count = std::min(static_cast<int>(rows.size()), page_size);
        for (int i = 0; i < count; ++i) {
          response.add_channels(realtime::ChatChannel(rows[i][0].as<std::string>()));
        }
        if (static_cast<int>(rows.size()) > page_size) {
          response.set_next_page_token(
              EncodePageToken(kChannelsList, caller, {rows[count - 1][0].as<std::string>()}));
        }
        return response;
      });
}

}  // namespace parta::messaging
