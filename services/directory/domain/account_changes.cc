// What the directory does with identity's account events: operators' locks and people's
// erasures are written to the audit log of every school of the person, and an erasure that
// became final takes him out of every school (the removals are the directory's own events, so
// chats follow) and deletes what is left of him.

#include "libs/core/log.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "services/directory/domain/directory.h"
#include "services/directory/domain/use_case_support.h"

namespace parta::directory {
namespace {

constexpr int kMembershipBatch = 500;

absl::string_view AuditActionOf(AccountChange::Kind kind) {
  switch (kind) {
    case AccountChange::Kind::kLocked:
      return "account_locked";
    case AccountChange::Kind::kUnlocked:
      return "account_unlocked";
    case AccountChange::Kind::kClosed:
      return "account_closed";
    case AccountChange::Kind::kReopened:
      return "account_reopened";
    case AccountChange::Kind::kErased:
      break;
  }
  return "account_erased";
}

// Every school of the person, each with his roles there.
absl::StatusOr<std::vector<Membership>> AllMemberships(DirectoryTx& tx,
                                                       const std::string& user_id) {
  std::vector<Membership> all;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<Membership> page,
                     tx.ListMemberships(user_id, all.empty() ? "" : all.back().school_id,
                                        kMembershipBatch));
    all.insert(all.end(), page.begin(), page.end());
    if (page.size() < static_cast<size_t>(kMembershipBatch)) return all;
  }
}

}  // namespace

absl::Status Directory::ApplyAccountChange(absl::string_view stream, int64_t sequence,
                                           const AccountChange& change) {
  if (!IsUuid(change.account_id)) {
    log::Error("an account event without an account; skipped").With("sequence", sequence);
    return absl::OkStatus();
  }
  const Caller actor{.user_id = IsUuid(change.actor_id) ? change.actor_id : ""};
  const bool erased = change.kind == AccountChange::Kind::kErased;
  int schools = 0;
  RETURN_IF_ERROR(Mutate(actor, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    schools = 0;
    ASSIGN_OR_RETURN(bool fresh, tx.AdvanceEventCursor(stream, sequence));
    if (!fresh) return absl::OkStatus();  // applied before
    ASSIGN_OR_RETURN(std::vector<Membership> memberships,
                     AllMemberships(tx, change.account_id));
    for (const Membership& membership : memberships) {
      ++schools;
      RETURN_IF_ERROR(tx.Audit(membership.school_id, actor, AuditActionOf(change.kind),
                               change.account_id, change.at));
      if (!erased) continue;
      for (Role role : membership.roles) {
        // Each removal may change what the next one sees (a pupil's family ends with him).
        ASSIGN_OR_RETURN(PersonFacts facts,
                         tx.LoadFacts(membership.school_id, change.account_id));
        if (!facts.Has(role)) continue;
        RETURN_IF_ERROR(
            RemoveRoleOf(tx, recorder, membership.school_id, facts, change.account_id, role));
      }
    }
    if (erased) RETURN_IF_ERROR(tx.ErasePerson(change.account_id));
    return absl::OkStatus();
  }));
  if (erased) {
    log::Info("person erased from the directory")
        .With("account_id", change.account_id)
        .With("schools", schools);
  }
  return absl::OkStatus();
}

}  // namespace parta::directory
