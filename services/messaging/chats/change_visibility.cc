#include "services/messaging/chats/change_visibility.h"

#include "absl/container/flat_hash_map.h"
#include "libs/pg/arrays.h"
#include "libs/pg/prepared.h"

namespace parta::messaging {
namespace {

// The message a change is about, "" for changes that carry no message content.
const std::string& ContentMessageId(const events::v1::ChatChange& change) {
  static const std::string kNone;
  if (change.has_message_posted()) return change.message_posted().id();
  if (change.has_message_edited()) return change.message_edited().id();
  if (change.has_poll_changed()) return change.poll_changed().message_id();
  return kNone;
}

// The posted or edited message a change carries, nullptr for other changes.
v1::Message* CarriedMessage(events::v1::ChatChange& change) {
  if (change.has_message_posted()) return change.mutable_message_posted();
  if (change.has_message_edited()) return change.mutable_message_edited();
  return nullptr;
}

void MakeTombstone(events::v1::ChatChange& change) {
  if (v1::Message* message = CarriedMessage(change)) {
    message->clear_content();
    message->clear_forwarded_from();
    message->clear_attachment_ids();
    message->set_deleted(true);
  } else if (change.has_poll_changed()) {
    change.mutable_poll_changed()->clear_poll();
  }
}

struct MessageState {
  int64_t sequence = 0;
  bool deleted = false;
  std::string text;  // the current text, serialized; "" for what is not text
};

std::string TextOf(const v1::Message& message) {
  return message.has_text() ? message.text().SerializeAsString() : "";
}

}  // namespace

bool SomeMemberCannotRead(pqxx::transaction_base& tx, const std::string& chat_id,
                          int64_t message_sequence) {
  return pg::ExecPrepared(tx, "messaging_some_member_cannot_read",
                          "SELECT EXISTS (SELECT 1 FROM chat_members WHERE chat_id = $1::uuid "
                          "AND active AND history_start > $2)",
                          chat_id, message_sequence)[0][0]
      .as<bool>();
}

void WithholdContent(events::v1::ChatChange& change) {
  if (v1::Message* message = CarriedMessage(change)) {
    message->clear_content();
    message->clear_forwarded_from();
    message->clear_attachment_ids();
  } else if (change.has_poll_changed()) {
    change.mutable_poll_changed()->clear_poll();
  }
}

void RedactForReader(pqxx::transaction_base& tx, const std::string& chat_id,
                     int64_t history_start, std::vector<events::v1::Event>& events) {
  std::vector<std::string> ids;
  for (const events::v1::Event& event : events) {
    const std::string& id = ContentMessageId(event.chat_change());
    if (!id.empty()) ids.push_back(id);
  }
  if (ids.empty()) return;
  pqxx::result rows = pg::ExecPrepared(
      tx, "messaging_message_states",
      "SELECT id::text, sequence, deleted_at IS NOT NULL, content FROM messages "
      "WHERE chat_id = $1::uuid AND id = ANY($2::uuid[])",
      chat_id, pg::TextArray(ids));
  absl::flat_hash_map<std::string, MessageState> states;
  for (const pqxx::row& row : rows) {
    MessageState& state = states[row[0].as<std::string>()];
    state.sequence = row[1].as<int64_t>();
    state.deleted = row[2].as<bool>();
    if (!row[3].is_null()) {
      v1::Message current;
      current.ParseFromString(pqxx::binarystring(row[3]).str());
      state.text = TextOf(current);
    }
  }
  for (events::v1::Event& event : events) {
    events::v1::ChatChange& change = *event.mutable_chat_change();
    auto state = states.find(ContentMessageId(change));
    if (state == states.end()) continue;
    if (state->second.deleted) {
      MakeTombstone(change);
    } else if (state->second.sequence < history_start) {
      WithholdContent(change);
    } else if (const v1::Message* message = CarriedMessage(change);
               message != nullptr && message->has_text() &&
               TextOf(*message) != state->second.text) {
      WithholdContent(change);  // a version replaced since (only text is edited)
    }
  }
}

}  // namespace parta::messaging
