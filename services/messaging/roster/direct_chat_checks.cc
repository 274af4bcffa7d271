#include "services/messaging/roster/direct_chat_checks.h"

#include <vector>

#include "absl/strings/str_split.h"
#include "libs/core/status.h"
#include "services/messaging/chats/chat_log.h"
#include "services/messaging/chats/school_roles.h"

namespace parta::messaging {
namespace {

// A user id that is nobody's: locks a chat without a member's view.
constexpr char kNobody[] = "00000000-0000-0000-0000-000000000000";
constexpr int kBatch = 100;

}  // namespace

absl::Status DirectChatChecks::Drain() {
  while (true) {
    ASSIGN_OR_RETURN(
        std::vector<Queued> queue,
        pool_.ReadFor<std::vector<Queued>>(
            [](pqxx::nontransaction& tx) -> absl::StatusOr<std::vector<Queued>> {
              std::vector<Queued> queue;
              for (const pqxx::row& row : tx.exec_params(
                       "SELECT q.chat_id::text, q.ticket, c.school_id::text, "
                       "coalesce(string_agg(m.user_id::text, ','), '') "
                       "FROM direct_chat_checks q JOIN chats c ON c.id = q.chat_id "
                       "LEFT JOIN chat_members m ON m.chat_id = q.chat_id AND m.active "
                       "GROUP BY q.chat_id, q.ticket, c.school_id ORDER BY q.ticket LIMIT $1",
                       kBatch)) {
                queue.push_back(Queued{
                    .chat_id = row[0].as<std::string>(),
                    .ticket = row[1].as<int64_t>(),
                    .school_id = row[2].as<std::string>(),
                    .members = absl::StrSplit(row[3].as<std::string>(), ',', absl::SkipEmpty())});
              }
              return queue;
            }));
    if (queue.empty()) return absl::OkStatus();
    for (const Queued& queued : queue) RETURN_IF_ERROR(Check(queued));
    if (static_cast<int>(queue.size()) < kBatch) return absl::OkStatus();
  }
}

absl::Status DirectChatChecks::Check(const Queued& queued) {
  // Who may no longer contact the other; with fewer than two people left there is no pair.
  std::vector<std::string> cut_off;
  if (queued.members.size() == 2) {
    for (int i = 0; i < 2; ++i) {
      const std::string& subject = queued.members[i];
      const std::string& other = queued.members[1 - i];
      absl::StatusOr<bool> allowed = contact_(queued.school_id, subject, other);
      if (!allowed.ok()) {
        return Unavailable("DIRECTORY_UNAVAILABLE",
                           "the directory could not say who may contact whom: " +
                               std::string(allowed.status().message()));
      }
      if (!*allowed) cut_off.push_back(subject);
    }
  }
  bool changed = false;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    changed = false;
    std::optional<ChatAccess> access = LockChat(tx, queued.chat_id, kNobody);
    if (access) {
      absl::Time now = clock_.Now();
      for (const std::string& person : cut_off) {
        // A student keeps his own history, read-only.
        if (HoldsRole(tx, queued.school_id, person, SchoolRole::kStudent)) continue;
        RemoveMember(tx, access->chat, person, ids_, now);
        changed = true;
      }
    }
    // Queued again meanwhile: a newer ticket, checked on the next round.
    tx.exec_params("DELETE FROM direct_chat_checks WHERE chat_id = $1 AND ticket = $2",
                   queued.chat_id, queued.ticket);
    return absl::OkStatus();
  }));
  if (changed) committed_();
  return absl::OkStatus();
}

}  // namespace parta::messaging
