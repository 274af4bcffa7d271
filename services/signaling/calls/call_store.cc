#include "services/signaling/calls/call_store.h"

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "libs/pg/time.h"

namespace parta::signaling {
namespace {

constexpr const char* kCallColumns =
    "id::text, chat_id::text, school_id::text, host_id::text, topology, profile, "
    PARTA_PG_US("started_at") ", " PARTA_PG_US("ended_at") ", coalesce(end_reason, ''), locked, "
    "coalesce(media_server, ''), coalesce(room, 0), waiting_room";
// How many columns kCallColumns reads: a query's own columns come after them.
constexpr int kCallColumnCount = 13;

std::string TopologyName(v1::CallTopology topology) {
  return topology == v1::CALL_TOPOLOGY_PEER_TO_PEER ? "peer_to_peer" : "sfu";
}

v1::CallTopology TopologyOf(const std::string& name) {
  return name == "peer_to_peer" ? v1::CALL_TOPOLOGY_PEER_TO_PEER : v1::CALL_TOPOLOGY_SFU;
}

std::string ProfileName(v1::CallProfile profile) {
  return profile == v1::CALL_PROFILE_LESSON ? "lesson" : "meeting";
}

v1::CallProfile ProfileOf(const std::string& name) {
  return name == "lesson" ? v1::CALL_PROFILE_LESSON : v1::CALL_PROFILE_MEETING;
}

std::string EndReasonName(v1::CallEndReason reason) {
  switch (reason) {
    case v1::CALL_END_REASON_ENDED_BY_HOST: return "ended_by_host";
    case v1::CALL_END_REASON_MEDIA_SERVER_LOST: return "media_server_lost";
    default: return "everyone_left";
  }
}

v1::CallEndReason EndReasonOf(const std::string& name) {
  if (name == "ended_by_host") return v1::CALL_END_REASON_ENDED_BY_HOST;
  if (name == "everyone_left") return v1::CALL_END_REASON_EVERYONE_LEFT;
  if (name == "media_server_lost") return v1::CALL_END_REASON_MEDIA_SERVER_LOST;
  return v1::CALL_END_REASON_UNSPECIFIED;
}

std::string RoleName(v1::CallRole role) {
  switch (role) {
    case v1::CALL_ROLE_HOST: return "host";
    case v1::CALL_ROLE_CO_HOST: return "co_host";
    case v1::CALL_ROLE_GUEST: return "guest";
    default: return "participant";
  }
}

v1::CallRole RoleOf(const std::string& name) {
  if (name == "host") return v1::CALL_ROLE_HOST;
  if (name == "co_host") return v1::CALL_ROLE_CO_HOST;
  if (name == "guest") return v1::CALL_ROLE_GUEST;
  return v1::CALL_ROLE_PARTICIPANT;
}

std::string LeaveReasonName(v1::LeaveReason reason) {
  switch (reason) {
    case v1::LEAVE_REASON_TIMED_OUT: return "timed_out";
    case v1::LEAVE_REASON_REMOVED: return "removed";
    case v1::LEAVE_REASON_CALL_ENDED: return "call_ended";
    default: return "left";
  }
}

v1::LeaveReason LeaveReasonOf(const std::string& name) {
  if (name == "left") return v1::LEAVE_REASON_LEFT;
  if (name == "timed_out") return v1::LEAVE_REASON_TIMED_OUT;
  if (name == "removed") return v1::LEAVE_REASON_REMOVED;
  if (name == "call_ended") return v1::LEAVE_REASON_CALL_ENDED;
  return v1::LEAVE_REASON_UNSPECIFIED;
}

CallRecord CallOf(const pqxx::row& row) {
  CallRecord call{.id = row[0].as<std::string>(),
                  .chat_id = row[1].as<std::string>(),
                  .school_id = row[2].as<std::string>(),
                  .host_id = row[3].as<std::string>(),
                  .topology = TopologyOf(row[4].as<std::string>()),
                  .profile = ProfileOf(row[5].as<std::string>()),
                  .started_at = pg::FromMicros(row[6].as<int64_t>())};
  if (!row[7].is_null()) call.ended_at = pg::FromMicros(row[7].as<int64_t>());
  call.end_reason = EndReasonOf(row[8].as<std::string>());
  call.locked = row[9].as<bool>();
  call.media_server = row[10].as<std::string>();
  call.room = row[11].as<int64_t>();
  call.waiting_room = row[12].as<bool>();
  return call;
}

constexpr const char* kStayColumns =
    "user_id::text, role, " PARTA_PG_US("joined_at") ", " PARTA_PG_US("left_at")
    ", coalesce(leave_reason, '')";

Stay StayOf(const pqxx::row& row) {
  Stay stay{.user_id = row[0].as<std::string>(),
            .role = RoleOf(row[1].as<std::string>()),
            .joined_at = pg::FromMicros(row[2].as<int64_t>())};
  if (!row[3].is_null()) stay.left_at = pg::FromMicros(row[3].as<int64_t>());
  stay.leave_reason = LeaveReasonOf(row[4].as<std::string>());
  return stay;
}

// The call the host started with `request_id`, if any.
std::optional<CallRecord> CallOfRequest(pqxx::transaction_base& tx, const std::string& host_id,
                                        const std::string& request_id) {
  pqxx::result rows = tx.exec_params(
      absl::StrCat("SELECT ", kCallColumns, " FROM calls WHERE host_id = $1 AND request_id = $2"),
      host_id, request_id);
  if (rows.empty()) return std::nullopt;
  return CallOf(rows[0]);
}

}  // namespace

absl::StatusOr<CallRecord> CallStore::Create(const CallRecord& call,
                                             const std::string& request_id) {
  // A retry (or a racer with the same request id) finds the first call; a unique violation
  // means someone else's call went live in the chat, or a racer with our request id won.
  auto retried = [&](pqxx::transaction_base& tx) -> std::optional<absl::StatusOr<CallRecord>> {
    std::optional<CallRecord> earlier = CallOfRequest(tx, call.host_id, request_id);
    if (!earlier) return std::nullopt;
    if (earlier->chat_id != call.chat_id) {
      return AlreadyExists("REQUEST_ID_REUSED", "this request id started a call in another chat");
    }
    return *earlier;
  };
  absl::StatusOr<CallRecord> created =
      pool_.TransactFor<CallRecord>([&](pqxx::work& tx) -> absl::StatusOr<CallRecord> {
        if (auto earlier = retried(tx)) return *std::move(earlier);
        tx.exec_params(
            "INSERT INTO calls (id, chat_id, school_id, host_id, request_id, topology, profile, "
            "started_at, media_server, room) VALUES ($1, $2, $3, $4, $5, $6, $7, " PARTA_PG_TS("$8")
            ", nullif($9, ''), nullif($10::bigint, 0))",
            call.id, call.chat_id, call.school_id, call.host_id, request_id,
            TopologyName(call.topology), ProfileName(call.profile), pg::ToMicros(call.started_at),
            call.media_server, call.room);
        return call;
      });
  if (created.ok() || created.status().code() != absl::StatusCode::kAlreadyExists) return created;
  return pool_.ReadFor<CallRecord>([&](pqxx::nontransaction& tx) -> absl::StatusOr<CallRecord> {
    if (auto earlier = retried(tx)) return *std::move(earlier);
    pqxx::result live = tx.exec_params(
        "SELECT id::text FROM calls WHERE chat_id = $1 AND ended_at IS NULL", call.chat_id);
    return AlreadyExists("CALL_IN_PROGRESS",
                         absl::StrCat("the chat has a live call: ",
                                      live.empty() ? "" : live[0][0].as<std::string>()));
  });
}

absl::StatusOr<CallRecord> CallStore::Find(const std::string& call_id) {
  return pool_.ReadFor<CallRecord>([&](pqxx::nontransaction& tx) -> absl::StatusOr<CallRecord> {
    pqxx::result rows = tx.exec_params(
        absl::StrCat("SELECT ", kCallColumns, " FROM calls WHERE id = $1"), call_id);
    if (rows.empty()) return NotFound("CALL_NOT_FOUND", "no such call");
    return CallOf(rows[0]);
  });
}

absl::StatusOr<CallRecord> CallStore::FindLive(const std::string& chat_id) {
  return pool_.ReadFor<CallRecord>([&](pqxx::nontransaction& tx) -> absl::StatusOr<CallRecord> {
    pqxx::result rows = tx.exec_params(
        absl::StrCat("SELECT ", kCallColumns, " FROM calls WHERE chat_id = $1 AND ended_at IS NULL"),
        chat_id);
    if (rows.empty()) return NotFound("NO_LIVE_CALL", "the chat has no live call");
    return CallOf(rows[0]);
  });
}

absl::StatusOr<CallRecord> CallStore::SetControls(const std::string& call_id,
                                                  std::optional<bool> locked,
                                                  std::optional<bool> waiting_room) {
  return pool_.TransactFor<CallRecord>([&](pqxx::work& tx) -> absl::StatusOr<CallRecord> {
    pqxx::result rows = tx.exec_params(
        absl::StrCat("UPDATE calls SET locked = coalesce($2, locked), "
                     "waiting_room = coalesce($3, waiting_room) "
                     "WHERE id = $1 AND ended_at IS NULL RETURNING ",
                     kCallColumns),
        call_id, locked, waiting_room);
    if (rows.empty()) return FailedPrecondition("CALL_ENDED", "the call is over");
    return CallOf(rows[0]);
  });
}

absl::StatusOr<bool> CallStore::OpenStay(const std::string& call_id, const std::string& user_id,
                                         v1::CallRole role, absl::Time at) {
  return pool_.TransactFor<bool>([&](pqxx::work& tx) -> absl::StatusOr<bool> {
    // The call's row lock orders a join against the call's end.
    pqxx::result call = tx.exec_params(
        "SELECT ended_at IS NULL FROM calls WHERE id = $1 FOR SHARE", call_id);
    if (call.empty() || !call[0][0].as<bool>()) {
      return FailedPrecondition("CALL_ENDED", "the call is over");
    }
    pqxx::result opened = tx.exec_params(
        "INSERT INTO call_attendance (call_id, user_id, role, joined_at) "
        "VALUES ($1, $2, $3, " PARTA_PG_TS("$4") ") "
        "ON CONFLICT (call_id, user_id) WHERE left_at IS NULL DO NOTHING RETURNING 1",
        call_id, user_id, RoleName(role), pg::ToMicros(at));
    return !opened.empty();
  });
}

absl::StatusOr<bool> CallStore::CloseStay(const std::string& call_id, const std::string& user_id,
                                          v1::LeaveReason reason, absl::Time at) {
  return pool_.TransactFor<bool>([&](pqxx::work& tx) -> absl::StatusOr<bool> {
    pqxx::result closed = tx.exec_params(
        "UPDATE call_attendance SET left_at = greatest(joined_at, " PARTA_PG_TS("$3")
        "), leave_reason = $4 WHERE call_id = $1 AND user_id = $2 AND left_at IS NULL RETURNING 1",
        call_id, user_id, pg::ToMicros(at), LeaveReasonName(reason));
    return !closed.empty();
  });
}

absl::StatusOr<std::optional<Stay>> CallStore::OpenStayOf(const std::string& call_id,
                                                          const std::string& user_id) {
  return pool_.ReadFor<std::optional<Stay>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::optional<Stay>> {
        pqxx::result rows = tx.exec_params(
            absl::StrCat("SELECT ", kStayColumns, " FROM call_attendance "
                         "WHERE call_id = $1 AND user_id = $2 AND left_at IS NULL"),
            call_id, user_id);
        if (rows.empty()) return std::nullopt;
        return StayOf(rows[0]);
      });
}

absl::StatusOr<std::vector<Stay>> CallStore::OpenStays(const std::string& call_id) {
  return pool_.ReadFor<std::vector<Stay>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::vector<Stay>> {
        std::vector<Stay> stays;
        for (const pqxx::row& row : tx.exec_params(
                 absl::StrCat("SELECT ", kStayColumns, " FROM call_attendance "
                              "WHERE call_id = $1 AND left_at IS NULL ORDER BY joined_at"),
                 call_id)) {
          stays.push_back(StayOf(row));
        }
        return stays;
      });
}

absl::StatusOr<std::vector<Stay>> CallStore::Attendance(const std::string& call_id) {
  return pool_.ReadFor<std::vector<Stay>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::vector<Stay>> {
        std::vector<Stay> stays;
        for (const pqxx::row& row : tx.exec_params(
                 absl::StrCat("SELECT ", kStayColumns, " FROM call_attendance "
                              "WHERE call_id = $1 ORDER BY joined_at, user_id"),
                 call_id)) {
          stays.push_back(StayOf(row));
        }
        return stays;
      });
}

absl::StatusOr<bool> CallStore::End(const std::string& call_id, v1::CallEndReason reason,
                                    absl::Time at) {
  return pool_.TransactFor<bool>([&](pqxx::work& tx) -> absl::StatusOr<bool> {
    pqxx::result ended = tx.exec_params(
        "UPDATE calls SET ended_at = greatest(started_at, " PARTA_PG_TS("$2")
        "), end_reason = $3 WHERE id = $1 AND ended_at IS NULL RETURNING 1",
        call_id, pg::ToMicros(at), EndReasonName(reason));
    if (ended.empty()) return false;
    tx.exec_params(
        "UPDATE call_attendance SET left_at = greatest(joined_at, " PARTA_PG_TS("$2")
        "), leave_reason = 'call_ended' WHERE call_id = $1 AND left_at IS NULL",
        call_id, pg::ToMicros(at));
    return true;
  });
}

absl::Status CallStore::Remove(const std::string& call_id, const std::string& user_id,
                               const std::string& removed_by, absl::Time at) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    tx.exec_params(
        "INSERT INTO call_removals (call_id, user_id, removed_by, removed_at) "
        "VALUES ($1, $2, $3, " PARTA_PG_TS("$4") ") ON CONFLICT DO NOTHING",
        call_id, user_id, removed_by, pg::ToMicros(at));
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> CallStore::IsRemoved(const std::string& call_id, const std::string& user_id) {
  return pool_.ReadFor<bool>([&](pqxx::nontransaction& tx) -> absl::StatusOr<bool> {
    return !tx.exec_params("SELECT 1 FROM call_removals WHERE call_id = $1 AND user_id = $2",
                           call_id, user_id)
                .empty();
  });
}

absl::Status CallStore::CreateGuestLink(const std::string& code_hash, const std::string& call_id,
                                        const std::string& created_by, absl::Time at,
                                        absl::Time expires_at) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    tx.exec_params("INSERT INTO call_guest_links (code_hash, call_id, created_by, created_at, "
                   "expires_at) VALUES ($1, $2, $3, " PARTA_PG_TS("$4") ", " PARTA_PG_TS("$5") ")",
                   pqxx::binarystring(code_hash.data(), code_hash.size()), call_id, created_by, pg::ToMicros(at),
                   pg::ToMicros(expires_at));
    return absl::OkStatus();
  });
}

absl::StatusOr<GuestLink> CallStore::FindGuestLink(const std::string& code_hash) {
  return pool_.ReadFor<GuestLink>([&](pqxx::nontransaction& tx) -> absl::StatusOr<GuestLink> {
    pqxx::result rows = tx.exec_params(
        "SELECT call_id::text, " PARTA_PG_US("expires_at") ", used_by IS NOT NULL "
        "FROM call_guest_links WHERE code_hash = $1",
        pqxx::binarystring(code_hash.data(), code_hash.size()));
    if (rows.empty()) return NotFound("GUEST_LINK_NOT_FOUND", "no such guest link");
    return GuestLink{.call_id = rows[0][0].as<std::string>(),
                     .expires_at = pg::FromMicros(rows[0][1].as<int64_t>()),
                     .used = rows[0][2].as<bool>()};
  });
}

absl::Status CallStore::UseGuestLink(const std::string& code_hash, const std::string& guest_id,
                                     const std::string& display_name, absl::Time at) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    pqxx::result spent = tx.exec_params(
        "UPDATE call_guest_links SET used_by = $2, used_at = " PARTA_PG_TS("$3")
        " WHERE code_hash = $1 AND used_by IS NULL AND expires_at > " PARTA_PG_TS("$3")
        " RETURNING call_id::text",
        pqxx::binarystring(code_hash.data(), code_hash.size()), guest_id, pg::ToMicros(at));
    if (spent.empty()) {
      pqxx::result link = tx.exec_params(
          "SELECT used_by IS NOT NULL FROM call_guest_links WHERE code_hash = $1",
          pqxx::binarystring(code_hash.data(), code_hash.size()));
      if (!link.empty() && link[0][0].as<bool>()) {
        return FailedPrecondition("GUEST_LINK_USED", "this guest link was used already");
      }
      return FailedPrecondition("GUEST_LINK_EXPIRED", "this guest link has expired");
    }
    tx.exec_params("INSERT INTO call_guests (call_id, user_id, display_name, joined_at) "
                   "VALUES ($1, $2, $3, " PARTA_PG_TS("$4") ")",
                   spent[0][0].as<std::string>(), guest_id, display_name, pg::ToMicros(at));
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> CallStore::IsGuest(const std::string& call_id, const std::string& user_id) {
  return pool_.ReadFor<bool>([&](pqxx::nontransaction& tx) -> absl::StatusOr<bool> {
    return !tx.exec_params("SELECT 1 FROM call_guests WHERE call_id = $1 AND user_id = $2",
                           call_id, user_id)
                .empty();
  });
}

absl::StatusOr<std::vector<CallRecord>> CallStore::LiveCallsOn(const std::string& media_server) {
  return pool_.ReadFor<std::vector<CallRecord>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::vector<CallRecord>> {
        std::vector<CallRecord> calls;
        for (const pqxx::row& row : tx.exec_params(
                 absl::StrCat("SELECT ", kCallColumns,
                              " FROM calls WHERE media_server = $1 AND ended_at IS NULL"),
                 media_server)) {
          calls.push_back(CallOf(row));
        }
        return calls;
      });
}

absl::StatusOr<std::vector<PendingNotice>> CallStore::PendingNotices(int limit) {
  return pool_.ReadFor<std::vector<PendingNotice>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::vector<PendingNotice>> {
        std::vector<PendingNotice> notices;
        for (const pqxx::row& row : tx.exec_params(
                 absl::StrCat("SELECT ", kCallColumns,
                              ", start_notice_posted FROM calls WHERE NOT start_notice_posted OR "
                              "(ended_at IS NOT NULL AND NOT end_notice_posted) "
                              "ORDER BY started_at LIMIT $1"),
                 limit)) {
          CallRecord call = CallOf(row);
          // The start first: the chat shows them in order.
          bool start_posted = row[kCallColumnCount].as<bool>();
          notices.push_back({.call = std::move(call), .ended = start_posted});
        }
        return notices;
      });
}

absl::Status CallStore::MarkNoticePosted(const std::string& call_id, bool ended) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    tx.exec_params(ended ? "UPDATE calls SET end_notice_posted = true WHERE id = $1"
                         : "UPDATE calls SET start_notice_posted = true WHERE id = $1",
                   call_id);
    return absl::OkStatus();
  });
}

absl::StatusOr<int> CallStore::PeopleCount(const std::string& call_id) {
  return pool_.ReadFor<int>([&](pqxx::nontransaction& tx) -> absl::StatusOr<int> {
    return tx.exec_params("SELECT count(DISTINCT user_id) FROM call_attendance WHERE call_id = $1",
                          call_id)[0][0]
        .as<int>();
  });
}

}  // namespace parta::signaling
