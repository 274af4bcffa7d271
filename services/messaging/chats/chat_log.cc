#include "services/messaging/chats/chat_log.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <stdexcept>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/pg/arrays.h"
#include "libs/pg/outbox.h"
#include "libs/pg/prepared.h"
#include "libs/pg/time.h"
#include "libs/realtime/channels.h"

namespace parta::messaging {
namespace {

using google::protobuf::util::TimeUtil;

constexpr absl::string_view kChatPrefix = "chat/";

// The chat and the member, as ChatAccessFromRow reads them first.
#define PARTA_CHAT_AND_MEMBER_COLUMNS \
  "c.id::text, c.school_id::text, c.kind, coalesce(c.class_id::text, ''), c.academic_year, "   \
  "c.title, c.archived, c.read_only, c.last_sequence, " PARTA_PG_US("c.created_at")            \
  ", c.settings, c.avatar_content_id, coalesce(c.pupil_id::text, ''), m.role, "                \
  "m.history_start, m.read_sequence, " PARTA_PG_US("m.muted_until")

constexpr char kChatLockColumns[] = PARTA_CHAT_AND_MEMBER_COLUMNS ", NULL::text, NULL::text";
constexpr char kChatAccessFrom[] =
    " FROM chats c "
    "LEFT JOIN chat_members m ON m.chat_id = c.id AND m.user_id = $2::uuid AND m.active "
    "WHERE c.id = $1::uuid";

v1::Audience ToProto(Audience audience) {
  return static_cast<v1::Audience>(static_cast<int>(audience) + 1);
}

Audience AudienceFrom(v1::Audience audience, Audience fallback) {
  if (audience == v1::AUDIENCE_UNSPECIFIED || !v1::Audience_IsValid(audience)) return fallback;
  return static_cast<Audience>(static_cast<int>(audience) - 1);
}

Chat ChatFromRow(const pqxx::row& row) {
  Chat chat{.id = row[0].as<std::string>(),
            .school_id = row[1].as<std::string>(),
            .kind = ChatKindFromName(row[2].as<std::string>()).value_or(ChatKind::kStaff),
            .class_id = row[3].as<std::string>(),
            .academic_year = row[4].as<int>(),
            .title = row[5].as<std::string>(),
            .archived = row[6].as<bool>(),
            .read_only = row[7].as<bool>(),
            .last_sequence = row[8].as<int64_t>(),
            .created_at = pg::FromMicros(row[9].as<int64_t>())};
  v1::ChatSettings settings;
  settings.ParseFromString(pqxx::binarystring(row[10]).str());
  chat.settings = SettingsFromProto(settings, ChatSettings());
  chat.avatar_content_id = row[11].as<std::string>();
  chat.pupil_id = row[12].as<std::string>();
  return chat;
}

std::optional<ChatAccess> AccessFrom(const pqxx::result& rows) {
  if (rows.empty()) return std::nullopt;
  return ChatAccessFromRow(rows[0]);
}

const std::string& ChatAccessSql(bool lock) {
  static const std::string read = absl::StrCat("SELECT ", kChatAccessColumns, kChatAccessFrom);
  // A change only needs the chat and the member: no pins, no peer (every send takes this lock).
  static const std::string locked =
      absl::StrCat("SELECT ", kChatLockColumns, kChatAccessFrom, " FOR UPDATE OF c");
  return lock ? locked : read;
}

// Bumps the person's chat-list version; returns the new version.
int64_t BumpChatList(pqxx::transaction_base& tx, const std::string& user_id) {
  return pg::ExecPrepared(tx, "messaging_bump_chat_list",
                          "INSERT INTO chat_lists (user_id, version) VALUES ($1::uuid, 1) "
                          "ON CONFLICT (user_id) DO UPDATE SET version = chat_lists.version + 1 "
                          "RETURNING version",
                          user_id)[0][0]
      .as<int64_t>();
}

// Queues an envelope for the user's gateways (the relay publishes it on his channel).
void SendToUser(pqxx::transaction_base& tx, const std::string& user_id,
                const events::v1::Envelope& envelope) {
  pg::AppendToOutbox(tx, UserStream(user_id), envelope.GetTypeName(), envelope.SerializeAsString());
}

void TellGateways(pqxx::transaction_base& tx, const std::string& user_id, const Chat& chat,
                  bool follow) {
  events::v1::Envelope envelope;
  events::v1::Control& control = *envelope.mutable_control();
  (follow ? *control.mutable_follow()->add_channels()
          : *control.mutable_unfollow()->add_channels()) = realtime::ChatChannel(chat.id);
  SendToUser(tx, user_id, envelope);
}

// The membership change itself, also to the person's own channel: he learns of a chat he joined
// before his gateways follow it, and of one he left after they stopped.
void TellPerson(pqxx::transaction_base& tx, const std::string& user_id,
                const events::v1::Event& event) {
  events::v1::Envelope envelope;
  *envelope.mutable_event() = event;
  SendToUser(tx, user_id, envelope);
}

}  // namespace

const char kChatAccessColumns[] = PARTA_CHAT_AND_MEMBER_COLUMNS
    ", "
    "(SELECT string_agg(p.message_id::text, ',' ORDER BY p.pinned_at DESC) FROM chat_pins p "
    "WHERE p.chat_id = c.id), "
    "CASE WHEN c.kind = 'direct' THEN (SELECT o.user_id::text FROM chat_members o "
    "WHERE o.chat_id = c.id AND o.user_id <> m.user_id LIMIT 1) END";
const int kChatAccessColumnCount = 19;
ChatAccess ChatAccessFromRow(const pqxx::row& row) {
  ChatAccess access{.chat = ChatFromRow(row)};
  if (!row[13].is_null()) {
    access.member =
        Membership{.role = ChatRoleFromName(row[13].as<std::string>()).value_or(ChatRole::kReader),
                   .history_start = row[14].as<int64_t>(),
                   .read_sequence = row[15].as<int64_t>()};
    if (!row[16].is_null()) access.member->muted_until = pg::FromMicros(row[16].as<int64_t>());
  }
  if (!row[17].is_null()) access.pinned = absl::StrSplit(row[17].as<std::string>(), ',');
  if (!row[18].is_null()) access.peer_id = row[18].as<std::string>();
  return access;
}

v1::ChatSettings SettingsToProto(const ChatSettings& settings, bool read_only) {
  v1::ChatSettings proto;
  proto.set_invite(ToProto(settings.invite));
  proto.set_edit_info(ToProto(settings.edit_info));
  proto.set_pin(ToProto(settings.pin));
  proto.set_mention_all(ToProto(settings.mention_all));
  proto.set_start_calls(ToProto(settings.start_calls));
  proto.set_newcomer_history(
      static_cast<v1::NewcomerHistory>(static_cast<int>(settings.newcomer_history) + 1));
  proto.set_newcomer_history_count(settings.newcomer_history_count);
  proto.set_read_only(read_only);
  return proto;
}

ChatSettings SettingsFromProto(const v1::ChatSettings& proto, const ChatSettings& fallback) {
  ChatSettings settings = fallback;
  settings.invite = AudienceFrom(proto.invite(), fallback.invite);
  settings.edit_info = AudienceFrom(proto.edit_info(), fallback.edit_info);
  settings.pin = AudienceFrom(proto.pin(), fallback.pin);
  settings.mention_all = AudienceFrom(proto.mention_all(), fallback.mention_all);
  settings.start_calls = AudienceFrom(proto.start_calls(), fallback.start_calls);
  if (proto.newcomer_history() != v1::NEWCOMER_HISTORY_UNSPECIFIED &&
      v1::NewcomerHistory_IsValid(proto.newcomer_history())) {
    settings.newcomer_history =
        static_cast<NewcomerHistory>(static_cast<int>(proto.newcomer_history()) - 1);
    settings.newcomer_history_count = proto.newcomer_history_count();
  }
  return settings;
}

std::string StoredSettings(const ChatSettings& settings) {
  return SettingsToProto(settings, false).SerializeAsString();
}

v1::ChatRole ToProto(ChatRole role) {
  return static_cast<v1::ChatRole>(static_cast<int>(role) + 1);
}

v1::Chat ChatToProto(const ChatAccess& access, int unread) {
  const Chat& chat = access.chat;
  v1::Chat proto;
  proto.set_id(chat.id);
  proto.set_school_id(chat.school_id);
  proto.set_kind(static_cast<v1::ChatKind>(static_cast<int>(chat.kind) + 1));
  proto.set_title(chat.title);
  proto.set_class_id(chat.class_id);
  proto.set_academic_year(chat.academic_year);
  proto.set_archived(chat.archived);
  proto.set_read_only(chat.read_only);
  proto.set_last_sequence(chat.last_sequence);
  *proto.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(pg::ToMicros(chat.created_at));
  *proto.mutable_settings() = SettingsToProto(chat.settings, chat.read_only);
  proto.set_avatar_content_id(chat.avatar_content_id);
  for (const std::string& pinned : access.pinned) proto.add_pinned_message_ids(pinned);
  proto.set_peer_id(access.peer_id);
  proto.set_pupil_id(chat.pupil_id);
  if (access.member) {
    proto.set_my_role(ToProto(access.member->role));
    proto.set_read_sequence(access.member->read_sequence);
    proto.set_unread_count(unread);
    proto.set_history_start_sequence(access.member->history_start);
    if (access.member->muted_until > pg::FromMicros(0)) {
      *proto.mutable_mute_end_time() =
          TimeUtil::MicrosecondsToTimestamp(pg::ToMicros(access.member->muted_until));
    }
  }
  return proto;
}

std::string ChatStream(const std::string& chat_id) { return absl::StrCat(kChatPrefix, chat_id); }

std::string ChatOfStream(const std::string& stream) {
  if (!absl::StartsWith(stream, kChatPrefix)) return "";
  return stream.substr(kChatPrefix.size());
}

std::string UserStream(const std::string& user_id) { return absl::StrCat("user/", user_id); }

std::optional<ChatAccess> ReadChat(pqxx::transaction_base& tx, const std::string& chat_id,
                                   const std::string& user_id) {
  return AccessFrom(
      pg::ExecPrepared(tx, "messaging_read_chat", ChatAccessSql(false), chat_id, user_id));
}

std::optional<ChatAccess> LockChat(pqxx::transaction_base& tx, const std::string& chat_id,
                                   const std::string& user_id) {
  return AccessFrom(
      pg::ExecPrepared(tx, "messaging_lock_chat", ChatAccessSql(true), chat_id, user_id));
}

std::vector<SendLock> LockChatsForSends(pqxx::transaction_base& tx,
                                        const std::vector<SendKey>& sends) {
  std::vector<std::string> chat_ids, user_ids, request_ids;
  for (const SendKey& send : sends) {
    chat_ids.push_back(send.chat_id);
    user_ids.push_back(send.user_id);
    request_ids.push_back(send.request_id);
  }
  // Rows are locked in the order they leave the sort: chat id order, as every batch locks. The
  // member and the earlier send are looked up per send, each one probe of its key whatever the
  // size of the chat or of its history: LATERAL, and OFFSET 0 so that the planner cannot fold
  // them into joins that scan a whole chat's members or messages.
  const pqxx::result rows = pg::ExecPrepared(
      tx, "messaging_lock_chats_for_sends",
      "SELECT " PARTA_CHAT_AND_MEMBER_COLUMNS
      ", NULL::text, NULL::text, e.found IS NOT NULL, s.n "
      "FROM unnest($1::uuid[], $2::uuid[], $3::text[]) WITH ORDINALITY AS s(chat_id, user_id, "
      "request_id, n) "
      "JOIN chats c ON c.id = s.chat_id "
      "LEFT JOIN LATERAL (SELECT role, history_start, read_sequence, muted_until "
      "FROM chat_members WHERE chat_id = s.chat_id AND user_id = s.user_id AND active OFFSET 0) m "
      "ON true "
      "LEFT JOIN LATERAL (SELECT true AS found FROM messages WHERE chat_id = s.chat_id "
      "AND author_id = s.user_id AND request_id = s.request_id OFFSET 0) e ON true "
      "ORDER BY c.id, s.n FOR UPDATE OF c",
      pg::TextArray(chat_ids), pg::TextArray(user_ids), pg::TextArray(request_ids));
  std::vector<SendLock> locks(sends.size());
  for (const pqxx::row& row : rows) {
    SendLock& lock = locks[row[kChatAccessColumnCount + 1].as<size_t>() - 1];
    lock.access = ChatAccessFromRow(row);
    lock.sent_before = row[kChatAccessColumnCount].as<bool>();
  }
  return locks;
}

events::v1::Event ChangeBatch::Append(Chat& chat, events::v1::ChatChange change, IdGenerator& ids,
                                      absl::Time now) {
  // The row is locked, so the next sequence is known here.
  const int64_t sequence = chat.last_sequence + 1;
  auto known = std::find(chat_ids_.begin(), chat_ids_.end(), chat.id);
  if (known == chat_ids_.end()) {
    chat_ids_.push_back(chat.id);
    firsts_.push_back(sequence);
    lasts_.push_back(sequence);
  } else {
    lasts_[static_cast<size_t>(known - chat_ids_.begin())] = sequence;
  }
  chat.last_sequence = sequence;
  now_ = std::max(now_, now);
  events::v1::Event event;
  event.set_id(ids.NewId());
  *event.mutable_time() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
  event.set_stream(ChatStream(chat.id));
  event.set_sequence(sequence);
  change.set_chat_id(chat.id);
  *event.mutable_chat_change() = std::move(change);
  streams_.push_back(event.stream());
  sequences_.push_back(sequence);
  payloads_.push_back(pg::Hex(event.SerializeAsString()));
  return event;
}

void ChangeBatch::Write(pqxx::transaction_base& tx) {
  if (empty()) return;
  // The counters move only from the values they were read with (the guard); the log entries
  // are written only when every counter moved.
  const pqxx::result written = pg::ExecPrepared(
      tx, "messaging_write_changes",
      "WITH counted AS (UPDATE chats SET last_sequence = v.last, updated_at = " PARTA_PG_TS(
          "$1") " "
      "FROM unnest($2::uuid[], $3::bigint[], $4::bigint[]) AS v(id, first, last) "
      "WHERE chats.id = v.id AND chats.last_sequence = v.first - 1 RETURNING chats.id) "
      "INSERT INTO outbox (stream, sequence, event_type, payload) "
      "SELECT e.stream, e.sequence, $5, decode(e.payload, 'hex') "
      "FROM unnest($6::text[], $7::bigint[], $8::text[]) AS e(stream, sequence, payload) "
      "WHERE (SELECT count(*) FROM counted) = $9",
      pg::ToMicros(now_), pg::TextArray(chat_ids_), pg::Int64Array(firsts_),
      pg::Int64Array(lasts_), events::v1::Event().GetTypeName(), pg::TextArray(streams_),
      pg::Int64Array(sequences_), pg::TextArray(payloads_), static_cast<int64_t>(chat_ids_.size()));
  if (written.affected_rows() != sequences_.size()) {
    throw std::logic_error("a chat's change was numbered from a stale sequence");
  }
}

events::v1::Event AppendChange(pqxx::transaction_base& tx, Chat& chat,
                               events::v1::ChatChange change, IdGenerator& ids, absl::Time now) {
  ChangeBatch batch;
  events::v1::Event event = batch.Append(chat, std::move(change), ids, now);
  batch.Write(tx);
  return event;
}

void SetMember(pqxx::transaction_base& tx, Chat& chat, const std::string& user_id, ChatRole role,
               IdGenerator& ids, absl::Time now) {
  pqxx::result current =
      tx.exec_params("SELECT role, active FROM chat_members WHERE chat_id = $1 AND user_id = $2",
                     chat.id, user_id);
  bool was_active = !current.empty() && current[0][1].as<bool>();
  if (was_active && current[0][0].as<std::string>() == NameOf(role)) return;

  events::v1::ChatChange change;
  change.mutable_member_joined()->set_user_id(user_id);
  change.mutable_member_joined()->set_role(ToProto(role));
  int64_t before = chat.last_sequence;
  events::v1::Event event = AppendChange(tx, chat, std::move(change), ids, now);
  int64_t list_version = BumpChatList(tx, user_id);
  // A newcomer sees the history the chat's settings give him and starts with nothing unread; a
  // role change keeps where he stands.
  int64_t history_start = 1;
  switch (chat.settings.newcomer_history) {
    case NewcomerHistory::kNone:
      history_start = event.sequence();
      break;
    case NewcomerHistory::kLast:
      history_start =
          tx.exec_params(
                "SELECT coalesce(min(sequence), $3) FROM (SELECT sequence FROM messages "
                "WHERE chat_id = $1 ORDER BY sequence DESC LIMIT $2) AS last",
                chat.id, chat.settings.newcomer_history_count, event.sequence())[0][0]
              .as<int64_t>();
      break;
    case NewcomerHistory::kAll:
      break;
  }
  tx.exec_params(
      "INSERT INTO chat_members (chat_id, user_id, role, active, history_start, read_sequence, "
      "list_version, changed_at) VALUES ($1, $2, $3, true, $7, $4, $5, " PARTA_PG_TS("$6") ") "
      "ON CONFLICT (chat_id, user_id) DO UPDATE SET role = excluded.role, active = true, "
      "history_start = CASE WHEN chat_members.active THEN chat_members.history_start "
      "ELSE excluded.history_start END, "
      "read_sequence = CASE WHEN chat_members.active THEN chat_members.read_sequence "
      "ELSE excluded.read_sequence END, list_version = excluded.list_version, "
      "changed_at = excluded.changed_at",
      chat.id, user_id, std::string(NameOf(role)), before, list_version, pg::ToMicros(now),
      history_start);
  if (!was_active) TellGateways(tx, user_id, chat, /*follow=*/true);
  TellPerson(tx, user_id, event);
}

void RemoveMember(pqxx::transaction_base& tx, Chat& chat, const std::string& user_id,
                  IdGenerator& ids, absl::Time now) {
  pqxx::result current =
      tx.exec_params("SELECT 1 FROM chat_members WHERE chat_id = $1 AND user_id = $2 AND active",
                     chat.id, user_id);
  if (current.empty()) return;
  events::v1::ChatChange change;
  change.mutable_member_left()->set_user_id(user_id);
  events::v1::Event event = AppendChange(tx, chat, std::move(change), ids, now);
  int64_t list_version = BumpChatList(tx, user_id);
  tx.exec_params(
      "UPDATE chat_members SET active = false, list_version = $3, "
      "changed_at = " PARTA_PG_TS("$4") " WHERE chat_id = $1 AND user_id = $2",
      chat.id, user_id, list_version, pg::ToMicros(now));
  TellPerson(tx, user_id, event);
  TellGateways(tx, user_id, chat, /*follow=*/false);
}

}  // namespace parta::messaging
