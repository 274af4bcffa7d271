#include "services/messaging/chats/messages.h"

#include <google/protobuf/util/time_util.h>
#include <openssl/sha.h>

#include "libs/core/status.h"
#include "libs/pg/prepared.h"
#include "libs/pg/time.h"
#include "services/messaging/chats/chat_log.h"
#include "services/messaging/chats/message_rows.h"
#include "services/messaging/domain/policy.h"
#include "services/messaging/domain/validation.h"

namespace parta::messaging {
namespace {

using google::protobuf::util::TimeUtil;

absl::Status NotMember() {
  return PermissionDenied("NOT_CHAT_MEMBER", "the caller is not a member of this chat");
}

// The chat, locked, with the caller's membership; PERMISSION_DENIED when he is not a member
// (or there is no such chat: foreign ids reveal nothing).
absl::StatusOr<std::pair<Chat, Membership>> LockForMember(pqxx::work& tx,
                                                          const std::string& chat_id,
                                                          const std::string& caller) {
  std::optional<ChatAccess> access = LockChat(tx, chat_id, caller);
  if (!access || !access->member) return NotMember();
  return std::make_pair(std::move(access->chat), *access->member);
}

std::string RequestHash(const v1::SendMessageRequest& req) {
  v1::Message content;
  if (req.has_text()) *content.mutable_text() = req.text();
  std::string material = content.SerializeAsString();
  material.push_back('\0');
  material += req.reply_to_message_id();
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

absl::Status ValidateContent(const v1::SendMessageRequest& req) {
  switch (req.content_case()) {
    case v1::SendMessageRequest::kText:
      return ValidateText(req.text().body());
    case v1::SendMessageRequest::CONTENT_NOT_SET:
      break;
  }
  return InvalidArgument("EMPTY_MESSAGE", "a message needs content (text)");
}

}  // namespace

Messages::Messages(pg::Pool& pool, IdGenerator& ids, const Clock& clock, MessagingSettings settings,
                   std::function<void()> committed)
    : pool_(pool),
      ids_(ids),
      clock_(clock),
      settings_(settings),
      committed_(std::move(committed)) {}

absl::StatusOr<v1::Message> Messages::Send(const std::string& caller,
                                           const v1::SendMessageRequest& req) {
  RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  RETURN_IF_ERROR(ValidateRequestId(req.request_id()));
  RETURN_IF_ERROR(ValidateContent(req));
  if (!req.reply_to_message_id().empty()) {
    RETURN_IF_ERROR(ValidateMessageId(req.reply_to_message_id()));
  }
  std::string request_hash = RequestHash(req);
  bool appended = false;
  absl::StatusOr<v1::Message> sent =
      pool_.TransactFor<v1::Message>([&](pqxx::work& tx) -> absl::StatusOr<v1::Message> {
        appended = false;
        ASSIGN_OR_RETURN(auto locked, LockForMember(tx, req.chat_id(), caller));
        auto& [chat, member] = locked;
        // A retry (also one racing the first call: it waited for the chat's lock above).
        pqxx::result earlier = pg::ExecPrepared(
            tx, "messaging_message_by_request",
            std::string("SELECT ") + kMessageColumns +
                ", m.request_hash FROM messages m "
                "WHERE m.chat_id = $1::uuid AND m.author_id = $2::uuid AND m.request_id = $3",
            req.chat_id(), caller, req.request_id());
        if (!earlier.empty()) {
          pqxx::binarystring hash(earlier[0][kMessageColumnCount]);
          if (hash.str() != request_hash) {
            return AlreadyExists("REQUEST_ID_REUSED",
                                 "this request_id was used for another message");
          }
          return MessageFromRow(req.chat_id(), earlier[0]);
        }
        RETURN_IF_ERROR(MayPost(chat, member.role));
        if (!req.reply_to_message_id().empty() &&
            pg::ExecPrepared(tx, "messaging_reply_target",
                             "SELECT 1 FROM messages WHERE chat_id = $1::uuid AND id = $2::uuid "
                             "AND sequence >= $3",
                             req.chat_id(), req.reply_to_message_id(), member.history_start)
                .empty()) {
          return InvalidArgument("REPLY_NOT_FOUND", "the message answered is not in this chat");
        }
        absl::Time now = clock_.Now();
        v1::Message message;
        message.set_chat_id(chat.id);
        message.set_id(ids_.NewId());
        message.set_sequence(chat.last_sequence + 1);  // the row is locked: the next change's
        message.set_author_id(caller);
        message.set_request_id(req.request_id());
        *message.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(pg::ToMicros(now));
        message.set_reply_to_message_id(req.reply_to_message_id());
        if (req.has_text()) *message.mutable_text() = req.text();
        events::v1::ChatChange change;
        change.set_actor_id(caller);
        *change.mutable_message_posted() = message;
        AppendChange(tx, chat, std::move(change), ids_, now);
        std::string content = ContentOf(message);
        pqxx::binarystring content_bytes(content.data(), content.size());
        pqxx::binarystring hash_bytes(request_hash.data(), request_hash.size());
        pg::ExecPrepared(
            tx, "messaging_insert_message",
            "INSERT INTO messages (chat_id, sequence, id, author_id, request_id, "
            "request_hash, reply_to, content, created_at) VALUES ($1::uuid, $2, "
            "$3::uuid, $4::uuid, $5, $6, nullif($7, '')::uuid, $8, " PARTA_PG_TS("$9") ")",
            chat.id, message.sequence(), message.id(), caller, req.request_id(), hash_bytes,
            req.reply_to_message_id(), content_bytes, pg::ToMicros(now));
        appended = true;
        return message;
      });
  if (sent.ok() && appended) committed_();
  return sent;
}

absl::StatusOr<v1::Message> Messages::Edit(const std::string& caller,
                                           const v1::EditMessageRequest& req) {
  RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  RETURN_IF_ERROR(ValidateMessageId(req.message_id()));
  RETURN_IF_ERROR(ValidateText(req.text().body()));
  bool appended = false;
  absl::StatusOr<v1::Message> edited =
      pool_.TransactFor<v1::Message>([&](pqxx::work& tx) -> absl::StatusOr<v1::Message> {
        appended = false;
        ASSIGN_OR_RETURN(auto locked, LockForMember(tx, req.chat_id(), caller));
        auto& [chat, member] = locked;
        ASSIGN_OR_RETURN(v1::Message message,
                         FindMessage(tx, chat.id, req.message_id(), member.history_start));
        RETURN_IF_ERROR(MayEdit(chat, caller, message.author_id()));
        if (message.deleted()) {
          return Error(absl::StatusCode::kFailedPrecondition, "MESSAGE_DELETED",
                       "the message was deleted");
        }
        if (message.has_text() && message.text().body() == req.text().body()) return message;
        absl::Time now = clock_.Now();
        *message.mutable_text() = req.text();
        *message.mutable_edit_time() = TimeUtil::MicrosecondsToTimestamp(pg::ToMicros(now));
        std::string content = ContentOf(message);
        tx.exec_params("UPDATE messages SET content = $3, edited_at = " PARTA_PG_TS(
                           "$4") " WHERE chat_id = $1 AND id = $2",
                       chat.id, message.id(), pqxx::binarystring(content.data(), content.size()),
                       pg::ToMicros(now));
        events::v1::ChatChange change;
        change.set_actor_id(caller);
        *change.mutable_message_edited() = message;
        AppendChange(tx, chat, std::move(change), ids_, now);
        appended = true;
        return message;
      });
  if (edited.ok() && appended) committed_();
  return edited;
}

absl::StatusOr<v1::Message> Messages::Delete(const std::string& caller,
                                             const v1::DeleteMessageRequest& req) {
  RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  RETURN_IF_ERROR(ValidateMessageId(req.message_id()));
  bool appended = false;
  absl::StatusOr<v1::Message> deleted =
      pool_.TransactFor<v1::Message>([&](pqxx::work& tx) -> absl::StatusOr<v1::Message> {
        appended = false;
        ASSIGN_OR_RETURN(auto locked, LockForMember(tx, req.chat_id(), caller));
        auto& [chat, member] = locked;
        ASSIGN_OR_RETURN(v1::Message message,
                         FindMessage(tx, chat.id, req.message_id(), member.history_start));
        if (message.deleted()) return message;
        absl::Time now = clock_.Now();
        RETURN_IF_ERROR(
            MayDelete(chat, member.role, message.author_id() == caller,
                      pg::FromMicros(TimeUtil::TimestampToMicroseconds(message.create_time())), now,
                      settings_.delete_window));
        tx.exec_params("UPDATE messages SET content = NULL, deleted_at = " PARTA_PG_TS(
                           "$3") ", deleted_by = $4 WHERE chat_id = $1 AND id = $2",
                       chat.id, message.id(), pg::ToMicros(now), caller);
        events::v1::ChatChange change;
        change.set_actor_id(caller);
        change.mutable_message_deleted()->set_message_id(message.id());
        change.mutable_message_deleted()->set_message_sequence(message.sequence());
        AppendChange(tx, chat, std::move(change), ids_, now);
        message.clear_content();
        message.set_deleted(true);
        appended = true;
        return message;
      });
  if (deleted.ok() && appended) committed_();
  return deleted;
}

absl::StatusOr<v1::ListMessagesResponse> Messages::List(const std::string& caller,
                                                        const v1::ListMessagesRequest& req) {
  RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  ASSIGN_OR_RETURN(int page_size, PageSize(req.page_size(), 50, 200));
  if (req.before_sequence() < 0 || req.after_sequence() < 0 ||
      (req.before_sequence() > 0 && req.after_sequence() > 0)) {
    return InvalidArgument("INVALID_PAGE",
                           "give before_sequence or after_sequence (positive), not both");
  }
  return pool_.ReadFor<v1::ListMessagesResponse>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<v1::ListMessagesResponse> {
        std::optional<ChatAccess> access = ReadChat(tx, req.chat_id(), caller);
        if (!access || !access->member) return NotMember();
        bool forward = req.after_sequence() > 0;
        pqxx::result rows =
            forward
                ? pg::ExecPrepared(
                      tx, "messaging_messages_after",
                      std::string("SELECT ") + kMessageColumns +
                          " FROM messages m WHERE m.chat_id = $1::uuid AND m.sequence > $2 "
                          "AND m.sequence >= $3 ORDER BY m.sequence LIMIT $4",
                      req.chat_id(), req.after_sequence(), access->member->history_start,
                      page_size + 1)
                : pg::ExecPrepared(
                      tx, "messaging_messages_before",
                      std::string("SELECT ") + kMessageColumns +
                          " FROM messages m WHERE m.chat_id = $1::uuid AND m.sequence < $2 "
                          "AND m.sequence >= $3 ORDER BY m.sequence DESC LIMIT $4",
                      req.chat_id(), req.before_sequence() > 0 ? req.before_sequence() : INT64_MAX,
                      access->member->history_start, page_size + 1);
        v1::ListMessagesResponse response;
        for (int i = 0; i < static_cast<int>(rows.size()) && i < page_size; ++i) {
          *response.add_messages() = MessageFromRow(req.chat_id(), rows[i]);
        }
        response.set_has_more(static_cast<int>(rows.size()) > page_size);
        return response;
      });
}

}  // namespace parta::messaging
