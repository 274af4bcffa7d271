// Accounts and the schools: a parent asks for his child's erasure here (the directory knows who
// is whose parent; identity closes the account); identity's account events come back: operators'
// locks and people's erasures are written to the audit log of every school of the person, and an
// erasure that became final takes him out of every school (the removals are the directory's own
// events, so chats follow) and deletes what is left of him.

#include <algorithm>

#include "absl/strings/ascii.h"
#include "libs/core/log.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/text/utf8.h"
#include "services/directory/domain/directory.h"
#include "services/directory/domain/use_case_support.h"

namespace parta::directory {
namespace {

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

}  // namespace

absl::StatusOr<absl::Time> Directory::RequestChildErasure(const Caller& caller,
                                                          const std::string& school_id,
                                                          const std::string& student_id,
                                                          const std::string& reason) {
  const std::string why(absl::StripAsciiWhitespace(reason));
  const int length = text::Utf8Length(why);
  if (length <= 0 || length > 500) {
    return InvalidArgument("REASON_REQUIRED", "give the reason (1–500 characters of UTF-8)");
  }
  if (!IsUuid(student_id)) return MemberNotFound("pupil");
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    ASSIGN_OR_RETURN(PersonFacts pupil, tx.LoadFacts(school_id, student_id));
    if (!pupil.Has(Role::kStudent)) return MemberNotFound("pupil");
    if (std::find(facts.children.begin(), facts.children.end(), student_id) ==
        facts.children.end()) {
      return PermissionDenied("NOT_CHILDS_PARENT",
                              "only a parent the school confirmed asks for a child's erasure");
    }
    return absl::OkStatus();
  }));
  // Identity first: the school's log records what was done, not what was tried.
  ASSIGN_OR_RETURN(absl::Time erase_at, accounts_.RequestErasure(student_id, caller.user_id, why,
                                                                 caller.client_address));
  RETURN_IF_ERROR(store_.Transact([&](DirectoryTx& tx) -> absl::Status {
    return tx.Audit(school_id, caller, "erasure_requested", student_id, clock_.Now());
  }));
  log::Info("a parent asked for his child's erasure")
      .With("school_id", school_id)
      .With("student_id", student_id)
      .With("parent", caller.user_id);
  return erase_at;
}

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
