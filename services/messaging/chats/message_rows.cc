#include "services/messaging/chats/message_rows.h"

#include <google/protobuf/util/time_util.h>

#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libs/core/status.h"
#include "libs/pg/prepared.h"

namespace parta::messaging {

using google::protobuf::util::TimeUtil;

namespace {

// "{0,2}" → {0, 2}.
std::vector<int> IntArray(absl::string_view text) {
  text = absl::StripPrefix(absl::StripSuffix(text, "}"), "{");
  std::vector<int> values;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    int value = 0;
    if (absl::SimpleAtoi(part, &value)) values.push_back(value);
  }
  return values;
}

}  // namespace

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
  if (message.has_poll()) message.mutable_poll()->set_closed(row[9].as<bool>());
  return message;
}

std::string StoredPart(const v1::Message& message) {
  v1::Message stored;
  switch (message.content_case()) {
    case v1::Message::kText:
      *stored.mutable_text() = message.text();
      break;
    case v1::Message::kPoll: {
      v1::Poll& poll = *stored.mutable_poll();
      poll.set_question(message.poll().question());
      poll.set_anonymous(message.poll().anonymous());
      poll.set_multiple_choice(message.poll().multiple_choice());
      for (const v1::PollOption& option : message.poll().options()) {
        poll.add_options()->set_text(option.text());
      }
      break;
    }
    case v1::Message::kAward:
      *stored.mutable_award() = message.award();
      break;
    case v1::Message::kCall:
      *stored.mutable_call() = message.call();
      break;
    case v1::Message::kJournal:
      *stored.mutable_journal() = message.journal();
      break;
    case v1::Message::CONTENT_NOT_SET:
      break;
  }
  if (message.has_forwarded_from()) *stored.mutable_forwarded_from() = message.forwarded_from();
  *stored.mutable_attachment_ids() = message.attachment_ids();
  stored.set_acknowledgement_requested(message.acknowledgement_requested());
  return stored.SerializeAsString();
}

std::string SearchableText(const v1::Message& message) {
  switch (message.content_case()) {
    case v1::Message::kText:
      return message.text().body();
    case v1::Message::kPoll: {
      std::string words = message.poll().question();
      for (const v1::PollOption& option : message.poll().options()) {
        words += "\n" + option.text();
      }
      return words;
    }
    case v1::Message::kAward:
      return message.award().comment();
    case v1::Message::kCall:
      // What clients show for it, so that a search for calls finds them.
      return message.call().kind() == v1::CALL_NOTICE_KIND_ENDED ? "звонок завершён"
                                                                 : "звонок начат";
    case v1::Message::kJournal:
      return absl::StrCat(message.journal().subject(), "\n", message.journal().text());
    case v1::Message::CONTENT_NOT_SET:
      break;
  }
  return "";
}

std::string ArrayLiteral(const std::vector<std::string>& ids) {
  return "{" + absl::StrJoin(ids, ",") + "}";
}

void TallyPoll(pqxx::transaction_base& tx, const std::string& message_id, const std::string& reader,
               v1::Poll& poll) {
  for (v1::PollOption& option : *poll.mutable_options()) {
    option.set_votes(0);
    option.clear_voter_ids();
  }
  poll.clear_my_choice();
  poll.set_voter_count(0);
  pqxx::result votes = pg::ExecPrepared(
      tx, "messaging_poll_votes",
      "SELECT user_id::text, options::text FROM poll_votes WHERE message_id = $1::uuid "
      "ORDER BY voted_at, user_id",
      message_id);
  for (const pqxx::row& vote : votes) {
    std::string voter = vote[0].as<std::string>();
    std::vector<int> choice = IntArray(vote[1].as<std::string>());
    poll.set_voter_count(poll.voter_count() + 1);
    for (int index : choice) {
      if (index < 0 || index >= poll.options_size()) continue;
      v1::PollOption& option = *poll.mutable_options(index);
      option.set_votes(option.votes() + 1);
      if (!poll.anonymous()) option.add_voter_ids(voter);
    }
    if (voter == reader) {
      for (int index : choice) poll.add_my_choice(index);
    }
  }
}

void Decorate(pqxx::transaction_base& tx, const std::string& reader,
              const std::vector<v1::Message*>& messages) {
  std::vector<std::string> ids;
  absl::flat_hash_map<std::string, v1::Message*> by_id;
  for (v1::Message* message : messages) {
    if (message->deleted()) continue;
    ids.push_back(message->id());
    by_id[message->id()] = message;
  }
  if (ids.empty()) return;
  std::string id_array = ArrayLiteral(ids);
  pqxx::result reactions =
      pg::ExecPrepared(tx, "messaging_reactions_of",
                       "SELECT message_id::text, emoji, count(*)::int, bool_or(user_id = $2::uuid) "
                       "FROM message_reactions WHERE message_id = ANY($1::uuid[]) "
                       "GROUP BY message_id, emoji ORDER BY message_id, min(created_at)",
                       id_array, reader);
  for (const pqxx::row& row : reactions) {
    v1::ReactionCount& count = *by_id[row[0].as<std::string>()]->add_reactions();
    count.set_emoji(row[1].as<std::string>());
    count.set_count(row[2].as<int>());
    count.set_mine(row[3].as<bool>());
  }
  for (const pqxx::row& row : pg::ExecPrepared(
           tx, "messaging_pins_of",
           "SELECT message_id::text FROM chat_pins WHERE message_id = ANY($1::uuid[])", id_array)) {
    by_id[row[0].as<std::string>()]->set_pinned(true);
  }
  for (v1::Message* message : messages) {
    if (message->has_poll() && !message->deleted()) {
      TallyPoll(tx, message->id(), reader, *message->mutable_poll());
    }
  }
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
