#include "services/messaging/chats/message_rows.h"

#include <google/protobuf/util/time_util.h>

#include "libs/core/status.h"
#include "libs/pg/prepared.h"

namespace parta::messaging {

using google::protobuf::util::TimeUtil;

v1::Message MessageFromRow(const std::string& chat_id, const pqxx::row& row) {
  v1::Message message;
  if (!row[5].is_null()) {
    pqxx::binarystring content(row[5]);
    message.ParseFromString(content.str());
  }
  message.set_chat_id(chat_id);
  message.set_id(row[0].as<std::string>());
  message.set_sequence(row[1].as<int64_t>());
  message.set_author_id(row[2].as<std::string>());
  message.set_request_id(row[3].as<std::string>());
  message.set_reply_to_message_id(row[4].as<std::string>());
  *message.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(row[6].as<int64_t>());
  if (!row[7].is_null()) {
    *message.mutable_edit_time() = TimeUtil::MicrosecondsToTimestamp(row[7].as<int64_t>());
  }
  message.set_deleted(row[8].as<bool>());
  return message;
}

std::string ContentOf(const v1::Message& message) {
  v1::Message content;
  if (message.has_text()) *content.mutable_text() = message.text();
  return content.SerializeAsString();
}

absl::StatusOr<v1::Message> FindMessage(pqxx::transaction_base& tx, const std::string& chat_id,
                                        const std::string& message_id, int64_t history_start) {
  pqxx::result rows = pg::ExecPrepared(
      tx, "messaging_find_message",
      std::string("SELECT ") + kMessageColumns +
          " FROM messages m WHERE m.chat_id = $1::uuid AND m.id = $2::uuid AND m.sequence >= $3",
      chat_id, message_id, history_start);
  if (rows.empty()) return NotFound("MESSAGE_NOT_FOUND", "no such message in this chat");
  return MessageFromRow(chat_id, rows[0]);
}

}  // namespace parta::messaging
