#include "services/messaging/chats/moderation.h"

#include <google/protobuf/util/time_util.h>

#include <optional>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/core/page_token.h"
#include "libs/core/status.h"
#include "libs/grpc/request_values.h"
#include "libs/pg/time.h"
#include "services/messaging/chats/chat_log.h"
#include "services/messaging/chats/message_deletion.h"
#include "services/messaging/chats/message_rows.h"
#include "services/messaging/chats/moderation_log.h"
#include "services/messaging/chats/school_roles.h"
#include "services/messaging/domain/policy.h"
#include "services/messaging/domain/validation.h"

namespace parta::messaging {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kReportColumns[] =
    "id::text, school_id::text, chat_id::text, message_id::text, author_id::text, "
    "reporter_id::text, reason, state, evidence, " PARTA_PG_US(
        "created_at") ", coalesce(resolved_by::text, ''), " PARTA_PG_US("resolved_at");

v1::ReportState StateOf(const std::string& name) {
  if (name == "open") return v1::REPORT_STATE_OPEN;
  if (name == "kept") return v1::REPORT_STATE_KEPT;
  if (name == "removed") return v1::REPORT_STATE_REMOVED;
  if (name == "removed_and_muted") return v1::REPORT_STATE_REMOVED_AND_MUTED;
  return v1::REPORT_STATE_UNSPECIFIED;
}

v1::Report ReportFromRow(const pqxx::row& row) {
  v1::Report report;
  report.set_id(row[0].as<std::string>());
  report.set_school_id(row[1].as<std::string>());
  report.set_chat_id(row[2].as<std::string>());
  report.set_message_id(row[3].as<std::string>());
  report.set_author_id(row[4].as<std::string>());
  report.set_reporter_id(row[5].as<std::string>());
  report.set_reason(row[6].as<std::string>());
  report.set_state(StateOf(row[7].as<std::string>()));
  if (!row[8].is_null()) {
    report.mutable_evidence()->ParseFromString(pqxx::binarystring(row[8]).str());
  }
  *report.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(row[9].as<int64_t>());
  report.set_resolved_by(row[10].as<std::string>());
  if (!row[11].is_null()) {
    *report.mutable_resolve_time() = TimeUtil::MicrosecondsToTimestamp(row[11].as<int64_t>());
  }
  return report;
}

absl::Status RequireSchoolAdmin(pqxx::transaction_base& tx, const std::string& school_id,
                                const std::string& caller) {
  if (IsUuid(school_id) && HoldsRole(tx, school_id, caller, SchoolRole::kAdmin)) {
    return absl::OkStatus();
  }
  return PermissionDenied("NOT_SCHOOL_ADMIN", "the school's admins keep its moderation queue");
}

// Sets the member's mute (`until` in the past lifts it) and records it in the chat.
void SetMute(pqxx::transaction_base& tx, Chat& chat, const std::string& user_id, absl::Time until,
             const std::string& actor, absl::Time now, IdGenerator& ids) {
  bool lifting = until <= now;
  tx.exec_params("UPDATE chat_members SET muted_until = CASE WHEN $4 THEN NULL ELSE " PARTA_PG_TS(
                     "$3") " END WHERE chat_id = $1 AND user_id = $2",
                 chat.id, user_id, pg::ToMicros(until), lifting);
  events::v1::ChatChange change;
  change.set_actor_id(actor);
  change.mutable_member_muted()->set_user_id(user_id);
  if (!lifting) {
    *change.mutable_member_muted()->mutable_mute_end_time() =
        TimeUtil::MicrosecondsToTimestamp(pg::ToMicros(until));
  }
  AppendChange(tx, chat, std::move(change), ids, now);
}

}  // namespace

absl::StatusOr<v1::ChatMember> Moderation::Mute(const std::string& caller,
                                                const v1::MuteMemberRequest& req) {
  RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  if (!IsUuid(req.user_id())) return InvalidArgument("INVALID_USER_ID", "user_id is an account id");
  // No duration, or zero, lifts the mute; anything else is 60 s to 30 days.
  ASSIGN_OR_RETURN(absl::Duration duration, grpc::DurationOf(req.duration(), "INVALID_DURATION"));
  const bool lifting = duration == absl::ZeroDuration();
  if (!lifting) RETURN_IF_ERROR(ValidateMuteDuration(duration));
  absl::StatusOr<v1::ChatMember> muted =
      pool_.TransactFor<v1::ChatMember>([&](pqxx::work& tx) -> absl::StatusOr<v1::ChatMember> {
        std::optional<ChatAccess> access = LockChat(tx, req.chat_id(), caller);
        if (!access || !access->member) return NotChatMember();
        RETURN_IF_ERROR(MayModerate(access->member->role));
        std::optional<ChatAccess> target = ReadChat(tx, req.chat_id(), req.user_id());
        if (!target->member) {
          return NotFound("MEMBER_NOT_FOUND", "the person is not a member of this chat");
        }
        if (target->member->role >= ChatRole::kModerator) {
          return Error(absl::StatusCode::kFailedPrecondition, "CANNOT_MUTE_MODERATOR",
                       "moderators are not muted");
        }
        absl::Time now = clock_.Now();
        absl::Time until = lifting ? now : now + duration;
        SetMute(tx, access->chat, req.user_id(), until, caller, now, ids_);
        LogModeration(tx,
                      {.school_id = access->chat.school_id,
                       .chat_id = access->chat.id,
                       .actor_id = caller,
                       .action = lifting ? "unmute" : "mute",
                       .target_user_id = req.user_id(),
                       .details = TimeUtil::ToString(req.duration())},
                      now);
        v1::ChatMember member;
        member.set_user_id(req.user_id());
        member.set_role(ToProto(target->member->role));
        member.set_read_sequence(target->member->read_sequence);
        if (!lifting) {
          *member.mutable_mute_end_time() = TimeUtil::MicrosecondsToTimestamp(pg::ToMicros(until));
        }
        return member;
      });
  if (muted.ok()) committed_();
  return muted;
}

absl::StatusOr<v1::Report> Moderation::Report(const std::string& caller,
                                              const v1::ReportMessageRequest& req) {
  RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  RETURN_IF_ERROR(ValidateMessageId(req.message_id()));
  RETURN_IF_ERROR(ValidateReportReason(req.reason()));
  return pool_.TransactFor<v1::Report>([&](pqxx::work& tx) -> absl::StatusOr<v1::Report> {
    std::optional<ChatAccess> access = ReadChat(tx, req.chat_id(), caller);
    if (!access || !access->member) return NotChatMember();
    ASSIGN_OR_RETURN(v1::Message message, FindMessage(tx, req.chat_id(), req.message_id(),
                                                      access->member->history_start));
    if (message.deleted()) {
      return MessageDeleted();
    }
    absl::Time now = clock_.Now();
    std::string evidence = message.SerializeAsString();
    pqxx::result inserted = tx.exec_params(
        std::string("INSERT INTO reports (id, school_id, chat_id, message_id, author_id, "
                    "reporter_id, reason, state, evidence, created_at) VALUES ($1, $2, $3, $4, "
                    "$5, $6, $7, 'open', $8, " PARTA_PG_TS(
                        "$9") ") "
                              "ON CONFLICT (message_id, reporter_id) DO NOTHING RETURNING ") +
            kReportColumns,
        ids_.NewId(), access->chat.school_id, access->chat.id, message.id(), message.author_id(),
        caller, req.reason(), pqxx::binarystring(evidence.data(), evidence.size()),
        pg::ToMicros(now));
    if (inserted.empty()) {
      return AlreadyExists("ALREADY_REPORTED", "the caller reported this message already");
    }
    LogModeration(tx,
                  {.school_id = access->chat.school_id,
                   .chat_id = access->chat.id,
                   .actor_id = caller,
                   .action = "report",
                   .message_id = message.id(),
                   .target_user_id = message.author_id(),
                   .details = req.reason()},
                  now);
    return ReportFromRow(inserted[0]);
  });
}

absl::StatusOr<v1::ListReportsResponse> Moderation::ListReports(const std::string& caller,
                                                                const v1::ListReportsRequest& req) {
  ASSIGN_OR_RETURN(int page_size, PageSize(req.page_size(), 50, 200));
  // The queue's order as one key: (0, created) for open reports, oldest first, then (1,
  // -created) for resolved ones, newest first; the id breaks ties.
  const std::string scope = absl::StrCat(req.school_id(), req.open_only() ? "/open" : "/all");
  ASSIGN_OR_RETURN(std::vector<std::string> key,
                   DecodePageToken(req.page_token(), "reports", scope, 3));
  int after_rank = -1;
  int64_t after_at = 0;
  std::string after_id = "00000000-0000-0000-0000-000000000000";
  if (!key.empty()) {
    if (!absl::SimpleAtoi(key[0], &after_rank) || (after_rank != 0 && after_rank != 1) ||
        !absl::SimpleAtoi(key[1], &after_at) || !IsUuid(key[2])) {
      return InvalidPageToken();
    }
    after_id = key[2];
  }
  return pool_.TransactFor<v1::ListReportsResponse>(
      [&](pqxx::work& tx) -> absl::StatusOr<v1::ListReportsResponse> {
        RETURN_IF_ERROR(RequireSchoolAdmin(tx, req.school_id(), caller));
        v1::ListReportsResponse response;
        pqxx::result rows = tx.exec_params(
            absl::StrCat(
                "SELECT ", kReportColumns, " FROM reports, LATERAL (SELECT ",
                "CASE WHEN state = 'open' THEN 0 ELSE 1 END AS rank, ",
                "CASE WHEN state = 'open' THEN " PARTA_PG_US("created_at"),
                " ELSE -" PARTA_PG_US("created_at") " END AS at) k "
                "WHERE school_id = $1 AND (state = 'open' OR NOT $2) "
                "AND (k.rank, k.at, id) > ($3, $4, $5::uuid) "
                "ORDER BY k.rank, k.at, id LIMIT $6"),
            req.school_id(), req.open_only(), after_rank, after_at, after_id, page_size + 1);
        for (int i = 0; i < static_cast<int>(rows.size()) && i < page_size; ++i) {
          *response.add_reports() = ReportFromRow(rows[i]);
        }
        if (static_cast<int>(rows.size()) > page_size) {
          const v1::Report& last = response.reports(page_size - 1);
          bool open = last.state() == v1::REPORT_STATE_OPEN;
          int64_t micros = TimeUtil::TimestampToMicroseconds(last.create_time());
          response.set_next_page_token(EncodePageToken(
              "reports", scope,
              {open ? "0" : "1", absl::StrCat(open ? micros : -micros), last.id()}));
        }
        return response;
      });
}

absl::StatusOr<v1::Report> Moderation::Resolve(const std::string& caller,
                                               const v1::ResolveReportRequest& req) {
  std::string state;
  absl::Duration mute = absl::ZeroDuration();
  switch (req.action()) {
    case v1::REPORT_ACTION_KEEP:
      state = "kept";
      break;
    case v1::REPORT_ACTION_REMOVE:
      state = "removed";
      break;
    case v1::REPORT_ACTION_REMOVE_AND_MUTE: {
      state = "removed_and_muted";
      ASSIGN_OR_RETURN(mute, grpc::DurationOf(req.mute_duration(), "INVALID_DURATION"));
      RETURN_IF_ERROR(ValidateMuteDuration(mute));
      break;
    }
    default:
      return InvalidArgument("INVALID_ACTION", "action is KEEP, REMOVE or REMOVE_AND_MUTE");
  }
  bool changed = false;
  absl::StatusOr<v1::Report> resolved =
      pool_.TransactFor<v1::Report>([&](pqxx::work& tx) -> absl::StatusOr<v1::Report> {
        changed = false;
        RETURN_IF_ERROR(RequireSchoolAdmin(tx, req.school_id(), caller));
        if (!IsUuid(req.report_id())) {
          return NotFound("REPORT_NOT_FOUND", "no such report in this school");
        }
        pqxx::result found = tx.exec_params(std::string("SELECT ") + kReportColumns +
                                                " FROM reports WHERE id = $1 AND school_id = $2 "
                                                "FOR UPDATE",
                                            req.report_id(), req.school_id());
        if (found.empty()) return NotFound("REPORT_NOT_FOUND", "no such report in this school");
        v1::Report report = ReportFromRow(found[0]);
        if (report.state() != v1::REPORT_STATE_OPEN) {
          return Error(absl::StatusCode::kFailedPrecondition, "REPORT_RESOLVED",
                       "the report was resolved already");
        }
        absl::Time now = clock_.Now();
        if (req.action() != v1::REPORT_ACTION_KEEP) {
          // The admin need not be in the chat: he acts for the school.
          std::optional<ChatAccess> chat = LockChat(tx, report.chat_id(), caller);
          ASSIGN_OR_RETURN(v1::Message message,
                           FindMessage(tx, report.chat_id(), report.message_id(), 1));
          if (!message.deleted()) {
            DeleteForEveryone(tx, chat->chat, message, caller, now, ids_);
          }
          if (req.action() == v1::REPORT_ACTION_REMOVE_AND_MUTE &&
              ReadChat(tx, report.chat_id(), report.author_id())->member) {
            SetMute(tx, chat->chat, report.author_id(), now + mute, caller, now, ids_);
          }
          changed = true;
        }
        pqxx::result updated = tx.exec_params(
            std::string("UPDATE reports SET state = $2, evidence = NULL, resolved_by = $3, "
                        "resolved_at = " PARTA_PG_TS("$4") " WHERE id = $1 RETURNING ") +
                kReportColumns,
            report.id(), state, caller, pg::ToMicros(now));
        // Evidence of a deleted message lives only as long as an open report needs it.
        tx.exec_params(
            "DELETE FROM message_versions WHERE message_id = $1 AND reason = 'deleted' "
            "AND NOT EXISTS (SELECT 1 FROM reports WHERE message_id = $1 "
            "AND state = 'open')",
            report.message_id());
        LogModeration(tx,
                      {.school_id = report.school_id(),
                       .chat_id = report.chat_id(),
                       .actor_id = caller,
                       .action = "resolve_report",
                       .message_id = report.message_id(),
                       .target_user_id = report.author_id(),
                       .details = state},
                      now);
        return ReportFromRow(updated[0]);
      });
  if (resolved.ok() && changed) committed_();
  return resolved;
}

absl::StatusOr<v1::ListModerationLogResponse> Moderation::ListLog(
    const auth::Claims& claims, const v1::ListModerationLogRequest& req) {
  const std::string& caller = claims.subject;
  ASSIGN_OR_RETURN(int page_size, PageSize(req.page_size(), 50, 200));
  if (!IsUuid(req.school_id())) {
    return InvalidArgument("INVALID_SCHOOL_ID", "school_id is a UUID");
  }
  if (!req.person_id().empty() && !IsUuid(req.person_id())) {
    return InvalidArgument("INVALID_PERSON_ID", "person_id is an account id (a UUID)");
  }
  if (!req.chat_id().empty() && !IsUuid(req.chat_id())) {
    return InvalidArgument("INVALID_CHAT_ID", "chat_id is a UUID");
  }
  static const auto* const kActions = new std::set<std::string>{
      "delete_message", "mute", "unmute", "report", "resolve_report"};
  if (!req.action().empty() && !kActions->count(req.action())) {
    return InvalidArgument("INVALID_ACTION",
                           "action is delete_message, mute, unmute, report or resolve_report");
  }
  std::optional<int64_t> since;
  std::optional<int64_t> until;
  if (req.has_start_time()) since = TimeUtil::TimestampToMicroseconds(req.start_time());
  if (req.has_end_time()) until = TimeUtil::TimestampToMicroseconds(req.end_time());
  if (since && until && *since >= *until) {
    return InvalidArgument("INVALID_TIME_RANGE", "start_time must be before end_time");
  }
  // A token serves the same school, caller and filters only.
  const std::string scope =
      absl::StrCat(req.school_id(), "/", caller, "/", req.person_id(), "/", req.chat_id(), "/",
                   req.action(), "/", since.value_or(0), "/", until.value_or(0));
  ASSIGN_OR_RETURN(std::vector<std::string> key,
                   DecodePageToken(req.page_token(), "moderation_log", scope, 1));
  int64_t before_id = 0;
  if (!key.empty() && (!absl::SimpleAtoi(key[0], &before_id) || before_id <= 0)) {
    return InvalidPageToken();
  }
  return pool_.TransactFor<v1::ListModerationLogResponse>(
      [&](pqxx::work& tx) -> absl::StatusOr<v1::ListModerationLogResponse> {
        // Operators see every school's log.
        if (!claims.is_operator) RETURN_IF_ERROR(RequireSchoolAdmin(tx, req.school_id(), caller));
        if (!req.chat_id().empty() &&
            tx.exec_params("SELECT 1 FROM chats WHERE id = $1 AND school_id = $2", req.chat_id(),
                           req.school_id())
                .empty()) {
          return NotFound("CHAT_NOT_FOUND", "the school has no such chat");
        }
        pqxx::result rows = tx.exec_params(
            "SELECT id, chat_id::text, actor_id::text, action, coalesce(message_id::text, ''), "
            "coalesce(target_user_id::text, ''), details, " PARTA_PG_US("at")
            " FROM moderation_log WHERE school_id = $1 "
            "AND ($2 = '' OR actor_id = nullif($2, '')::uuid "
            "OR target_user_id = nullif($2, '')::uuid) "
            "AND ($3 = '' OR chat_id = nullif($3, '')::uuid) AND ($4 = '' OR action = $4) "
            "AND ($5::bigint IS NULL OR at >= " PARTA_PG_TS("$5") ") "
            "AND ($6::bigint IS NULL OR at < " PARTA_PG_TS("$6") ") "
            "AND ($7 = 0 OR id < $7) ORDER BY id DESC LIMIT $8",
            req.school_id(), req.person_id(), req.chat_id(), req.action(), since, until,
            before_id, page_size + 1);
        v1::ListModerationLogResponse response;
        for (int i = 0; i < static_cast<int>(rows.size()) && i < page_size; ++i) {
          const pqxx::row& row = rows[i];
          v1::ModerationLogEntry& entry = *response.add_entries();
          entry.set_id(row[0].as<std::string>());
          entry.set_chat_id(row[1].as<std::string>());
          entry.set_actor_id(row[2].as<std::string>());
          entry.set_action(row[3].as<std::string>());
          entry.set_message_id(row[4].as<std::string>());
          entry.set_target_user_id(row[5].as<std::string>());
          entry.set_details(row[6].as<std::string>());
          *entry.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(row[7].as<int64_t>());
        }
        if (static_cast<int>(rows.size()) > page_size) {
          response.set_next_page_token(EncodePageToken(
              "moderation_log", scope, {response.entries(page_size - 1).id()}));
        }
        return response;
      });
}

}  // namespace parta::messaging
