#include "services/messaging/chats/message_actions.h"

#include <google/protobuf/util/time_util.h>

#include <limits>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/core/status.h"
#include "libs/pg/time.h"
#include "services/messaging/chats/change_visibility.h"
#include "services/messaging/chats/chat_log.h"
#include "services/messaging/chats/message_rows.h"
#include "services/messaging/chats/school_roles.h"
#include "libs/core/page_token.h"
#include "services/messaging/domain/policy.h"
#include "services/messaging/domain/validation.h"

namespace parta::messaging {
namespace {

using google::protobuf::util::TimeUtil;

constexpr absl::string_view kAcknowledgementsList = "acknowledgements";
constexpr absl::string_view kNoUser = "00000000-0000-0000-0000-000000000000";
// The two parts of an acknowledgement listing, in order, as a page token names them.
constexpr absl::string_view kAcknowledgedPart = "a";
constexpr absl::string_view kPendingPart = "p";

// Where a listing of acknowledgements continues: in the acknowledged part after (time, user),
// or in the pending part after a user.
struct AcknowledgementCursor {
  bool pending = false;
  int64_t after_micros = std::numeric_limits<int64_t>::min();
  std::string after_user{kNoUser};
};

absl::StatusOr<AcknowledgementCursor> ParseAcknowledgementCursor(
    const std::vector<std::string>& key) {
  AcknowledgementCursor cursor;
  if (key.empty()) return cursor;
  cursor.pending = key[0] == kPendingPart;
  if ((!cursor.pending && key[0] != kAcknowledgedPart) ||
      !absl::SimpleAtoi(key[1], &cursor.after_micros) || !IsUuid(key[2])) {
    return InvalidPageToken();
  }
  cursor.after_user = key[2];
  return cursor;
}

absl::Status NotAPoll() {
  return Error(absl::StatusCode::kFailedPrecondition, "NOT_A_POLL", "the message is not a poll");
}

absl::Status NotRequested() {
  return Error(absl::StatusCode::kFailedPrecondition, "ACKNOWLEDGEMENT_NOT_REQUESTED",
               "the message does not ask for acknowledgement");
}

// The poll's state as everyone may see it (no one's own choice).
v1::Poll PublicTally(pqxx::transaction_base& tx, const v1::Message& message, bool closed) {
  v1::Poll poll = message.poll();
  poll.set_closed(closed);
  TallyPoll(tx, message.id(), "", poll);
  return poll;
}

}  // namespace

absl::StatusOr<v1::Message> MessageActions::OnMessage(const std::string& caller,
                                                      const std::string& chat_id,
                                                      const std::string& message_id,
                                                      const Act& act) {
  RETURN_IF_ERROR(ValidateChatId(chat_id));
  RETURN_IF_ERROR(ValidateMessageId(message_id));
  bool changed = false;
  absl::StatusOr<v1::Message> result =
      pool_.TransactFor<v1::Message>([&](pqxx::work& tx) -> absl::StatusOr<v1::Message> {
        std::optional<ChatAccess> access = LockChat(tx, chat_id, caller);
        if (!access || !access->member) return NotChatMember();
        ASSIGN_OR_RETURN(v1::Message message,
                         FindMessage(tx, chat_id, message_id, access->member->history_start));
        if (message.deleted()) {
          return MessageDeleted();
        }
        Target target{.chat = std::move(access->chat),
                      .member = *access->member,
                      .message = std::move(message),
                      .now = clock_.Now()};
        ASSIGN_OR_RETURN(changed, act(tx, target));
        Decorate(tx, caller, {&target.message});
        return std::move(target.message);
      });
  if (result.ok() && changed) committed_();
  return result;
}

absl::StatusOr<v1::Message> MessageActions::React(const std::string& caller,
                                                  const v1::ReactToMessageRequest& req) {
  RETURN_IF_ERROR(ValidateReaction(req.emoji()));
  return OnMessage(caller, req.chat_id(), req.message_id(),
                   [&](pqxx::work& tx, Target& target) -> absl::StatusOr<bool> {
                     if (target.chat.archived) return ChatArchived();
                     pqxx::result changed =
            req.remove()
                ? tx.exec_params("DELETE FROM message_reactions WHERE message_id = $1 "
                                 "AND user_id = $2 AND emoji = $3 RETURNING 1",
                                 target.message.id(), caller, req.emoji())
                : tx.exec_params("INSERT INTO message_reactions (message_id, user_id, emoji, "
                                 "created_at) VALUES ($1, $2, $3, " PARTA_PG_TS("$4") ") "
                                 "ON CONFLICT DO NOTHING RETURNING 1",
                                 target.message.id(), caller, req.emoji(),
                                 pg::ToMicros(target.now));
                     if (changed.empty()) return false;
                     events::v1::ChatChange change;
                     change.set_actor_id(caller);
                     events::v1::ReactionChanged& reaction = *change.mutable_reaction_changed();
                     reaction.set_message_id(target.message.id());
                     reaction.set_user_id(caller);
                     reaction.set_emoji(req.emoji());
                     reaction.set_added(!req.remove());
                     AppendChange(tx, target.chat, std::move(change), ids_, target.now);
                     return true;
                   });
}

absl::StatusOr<v1::Message> MessageActions::Pin(const std::string& caller,
                                                const v1::PinMessageRequest& req) {
  return OnMessage(
      caller, req.chat_id(), req.message_id(),
      [&](pqxx::work& tx, Target& target) -> absl::StatusOr<bool> {
        RETURN_IF_ERROR(MayBySettings(target.chat, target.chat.settings.pin, target.member.role));
        pqxx::result changed =
            req.unpin()
                ? tx.exec_params("DELETE FROM chat_pins WHERE chat_id = $1 AND message_id = $2 "
                                 "RETURNING 1",
                                 target.chat.id, target.message.id())
                : tx.exec_params("INSERT INTO chat_pins (chat_id, message_id, pinned_by, "
                                 "pinned_at) VALUES ($1, $2, $3, " PARTA_PG_TS("$4") ") "
                                 "ON CONFLICT DO NOTHING RETURNING 1",
                                 target.chat.id, target.message.id(), caller,
                                 pg::ToMicros(target.now));
        if (changed.empty()) return false;
        events::v1::ChatChange change;
        change.set_actor_id(caller);
        change.mutable_message_pinned()->set_message_id(target.message.id());
        change.mutable_message_pinned()->set_pinned(!req.unpin());
        AppendChange(tx, target.chat, std::move(change), ids_, target.now);
        return true;
      });
}

absl::StatusOr<v1::Message> MessageActions::Vote(const std::string& caller,
                                                 const v1::VotePollRequest& req) {
  return OnMessage(
      caller, req.chat_id(), req.message_id(),
      [&](pqxx::work& tx, Target& target) -> absl::StatusOr<bool> {
        if (target.chat.archived) return ChatArchived();
        if (!target.message.has_poll()) return NotAPoll();
        const v1::Poll& poll = target.message.poll();
        if (poll.closed()) {
          return Error(absl::StatusCode::kFailedPrecondition, "POLL_CLOSED", "the poll is closed");
        }
        std::set<int> choice(req.options().begin(), req.options().end());
        bool valid = choice.size() == static_cast<size_t>(req.options_size()) &&
                     (poll.multiple_choice() || choice.size() <= 1);
        for (int index : choice) valid = valid && index >= 0 && index < poll.options_size();
        if (!valid) {
          return InvalidArgument("INVALID_VOTE",
                                 "choose one option (several, distinct, in a multiple-choice "
                                 "poll) by its index");
        }
        if (choice.empty()) {
          tx.exec_params("DELETE FROM poll_votes WHERE message_id = $1 AND user_id = $2",
                         target.message.id(), caller);
        } else {
          tx.exec_params("INSERT INTO poll_votes (message_id, user_id, options, voted_at) "
                         "VALUES ($1, $2, $3::int[], " PARTA_PG_TS("$4") ") "
                         "ON CONFLICT (message_id, user_id) DO UPDATE SET options = "
                         "excluded.options, voted_at = excluded.voted_at",
                         target.message.id(), caller, "{" + absl::StrJoin(choice, ",") + "}",
                         pg::ToMicros(target.now));
        }
        events::v1::ChatChange change;
        change.set_actor_id(poll.anonymous() ? "" : caller);
        change.mutable_poll_changed()->set_message_id(target.message.id());
        *change.mutable_poll_changed()->mutable_poll() =
            PublicTally(tx, target.message, /*closed=*/false);
        if (SomeMemberCannotRead(tx, target.chat.id, target.message.sequence())) {
          WithholdContent(change);
        }
        AppendChange(tx, target.chat, std::move(change), ids_, target.now);
        return true;
      });
}

absl::StatusOr<v1::Message> MessageActions::ClosePoll(const std::string& caller,
                                                      const v1::ClosePollRequest& req) {
  return OnMessage(
      caller, req.chat_id(), req.message_id(),
      [&](pqxx::work& tx, Target& target) -> absl::StatusOr<bool> {
        if (target.chat.archived) return ChatArchived();
        if (!target.message.has_poll()) return NotAPoll();
        if (target.message.author_id() != caller && target.member.role < ChatRole::kModerator) {
          return PermissionDenied("NOT_MESSAGE_AUTHOR",
                                  "the poll's author or a moderator closes it");
        }
        if (target.message.poll().closed()) return false;
        tx.exec_params("UPDATE messages SET poll_closed = true WHERE chat_id = $1 AND id = $2",
                       target.chat.id, target.message.id());
        target.message.mutable_poll()->set_closed(true);
        events::v1::ChatChange change;
        change.set_actor_id(caller);
        change.mutable_poll_changed()->set_message_id(target.message.id());
        *change.mutable_poll_changed()->mutable_poll() =
            PublicTally(tx, target.message, /*closed=*/true);
        if (SomeMemberCannotRead(tx, target.chat.id, target.message.sequence())) {
          WithholdContent(change);
        }
        AppendChange(tx, target.chat, std::move(change), ids_, target.now);
        return true;
      });
}

absl::StatusOr<v1::Message> MessageActions::Acknowledge(const std::string& caller,
                                                        const v1::AcknowledgeMessageRequest& req) {
  return OnMessage(caller, req.chat_id(), req.message_id(),
                   [&](pqxx::work& tx, Target& target) -> absl::StatusOr<bool> {
                     if (!target.message.acknowledgement_requested()) return NotRequested();
                     pqxx::result added = tx.exec_params(
                         "INSERT INTO acknowledgements (message_id, user_id, acknowledged_at) "
                         "VALUES ($1, $2, " PARTA_PG_TS("$3") ") ON CONFLICT DO NOTHING "
                         "RETURNING 1",
                         target.message.id(), caller, pg::ToMicros(target.now));
                     if (added.empty()) return false;
                     events::v1::ChatChange change;
                     change.set_actor_id(caller);
                     change.mutable_message_acknowledged()->set_message_id(target.message.id());
                     change.mutable_message_acknowledged()->set_user_id(caller);
                     AppendChange(tx, target.chat, std::move(change), ids_, target.now);
                     return true;
                   });
}

absl::StatusOr<v1::ListAcknowledgementsResponse> MessageActions::ListAcknowledgements(
    const std::string& caller, const v1::ListAcknowledgementsRequest& req) {
  RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  RETURN_IF_ERROR(ValidateMessageId(req.message_id()));
  ASSIGN_OR_RETURN(int page_size, PageSize(req.page_size(), 100, 1000));
  const std::string scope = absl::StrCat(req.chat_id(), "/", req.message_id());
  ASSIGN_OR_RETURN(std::vector<std::string> key,
                   DecodePageToken(req.page_token(), kAcknowledgementsList, scope, 3));
  ASSIGN_OR_RETURN(AcknowledgementCursor cursor, ParseAcknowledgementCursor(key));
  return pool_.TransactFor<v1::ListAcknowledgementsResponse>(
      [&](pqxx::work& tx) -> absl::StatusOr<v1::ListAcknowledgementsResponse> {
        tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
        std::optional<ChatAccess> access = ReadChat(tx, req.chat_id(), caller);
        if (!access || !access->member) return NotChatMember();
        ASSIGN_OR_RETURN(v1::Message message, FindMessage(tx, req.chat_id(), req.message_id(),
                                                          access->member->history_start));
        if (message.author_id() != caller && access->member->role < ChatRole::kModerator) {
          return PermissionDenied("NOT_MESSAGE_AUTHOR",
                                  "the author and the moderators see acknowledgements");
        }
        if (!message.acknowledgement_requested() && !message.deleted()) return NotRequested();
        v1::ListAcknowledgementsResponse response;
        int room = page_size;
        std::string after_user = cursor.after_user;
        if (!cursor.pending) {
          pqxx::result acknowledged = tx.exec_params(
              "SELECT user_id::text, " PARTA_PG_US("acknowledged_at") " FROM acknowledgements "
              "WHERE message_id = $1 AND (" PARTA_PG_US("acknowledged_at") ", user_id) > "
              "($2, $3::uuid) ORDER BY acknowledged_at, user_id LIMIT $4",
              message.id(), cursor.after_micros, cursor.after_user, page_size + 1);
          for (int i = 0; i < static_cast<int>(acknowledged.size()) && i < page_size; ++i) {
            v1::Acknowledgement& ack = *response.add_acknowledged();
            ack.set_user_id(acknowledged[i][0].as<std::string>());
            *ack.mutable_time() =
                TimeUtil::MicrosecondsToTimestamp(acknowledged[i][1].as<int64_t>());
          }
          if (static_cast<int>(acknowledged.size()) > page_size) {
            const pqxx::row& last = acknowledged[page_size - 1];
            response.set_next_page_token(EncodePageToken(
                kAcknowledgementsList, scope,
                {std::string(kAcknowledgedPart), last[1].as<std::string>(),
                 last[0].as<std::string>()}));
            return response;
          }
          room -= static_cast<int>(acknowledged.size());
          after_user = std::string(kNoUser);
        }
        // Expected: the chat's parents who have not acknowledged.
        pqxx::result pending = tx.exec_params(
            "SELECT DISTINCT m.user_id::text FROM chat_members m "
            "JOIN roster_roles r ON r.user_id = m.user_id AND r.school_id = $2 "
            "AND r.role = 'parent' WHERE m.chat_id = $1 AND m.active "
            "AND m.user_id <> $3::uuid AND m.user_id > $5::uuid "
            "AND NOT EXISTS (SELECT 1 FROM acknowledgements a "
            "WHERE a.message_id = $4 AND a.user_id = m.user_id) ORDER BY 1 LIMIT $6",
            req.chat_id(), access->chat.school_id, message.author_id(), message.id(),
            after_user, room + 1);
        for (int i = 0; i < static_cast<int>(pending.size()) && i < room; ++i) {
          response.add_pending_user_ids(pending[i][0].as<std::string>());
          after_user = pending[i][0].as<std::string>();
        }
        if (static_cast<int>(pending.size()) > room) {
          response.set_next_page_token(EncodePageToken(
              kAcknowledgementsList, scope, {std::string(kPendingPart), "0", after_user}));
        }
        return response;
      });
}

}  // namespace parta::messaging
