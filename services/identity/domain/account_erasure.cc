// Erasure of an account on request (152-FZ, art. 21): closing it at once, cancelling within the
// grace period, and making it final — here by wiping the account's personal data, elsewhere by
// the event AccountErased that every service follows.

#include "absl/strings/ascii.h"
#include "libs/core/log.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "services/identity/domain/identity.h"
#include "services/identity/domain/validation.h"

namespace parta::identity {
namespace {

constexpr int kDefaultEventPage = 500;
constexpr int kMaxEventPage = 1000;

}  // namespace

absl::StatusOr<ErasureStarted> Identity::RequestAccountErasure(const auth::Claims& caller,
                                                               absl::string_view account_id,
                                                               const OperatorAction& action) {
  ASSIGN_OR_RETURN(const std::string id, AccountIdOf(account_id));
  if (!caller.is_operator && caller.subject != id) {
    return PermissionDenied("NOT_YOUR_ACCOUNT",
                            "only the account's owner or an operator may ask for its erasure");
  }
  return CloseForErasure(caller.subject, id, action);
}

absl::StatusOr<ErasureStarted> Identity::RequestErasureOnBehalf(absl::string_view requested_by,
                                                                absl::string_view account_id,
                                                                const OperatorAction& action) {
  ASSIGN_OR_RETURN(const std::string id, AccountIdOf(account_id));
  ASSIGN_OR_RETURN(const std::string by, AccountIdOf(requested_by));
  return CloseForErasure(by, id, action);
}

absl::StatusOr<ErasureStarted> Identity::CloseForErasure(const std::string& requested_by,
                                                         const std::string& id,
                                                         const OperatorAction& action) {
  RETURN_IF_ERROR(CheckReason(action));
  ErasureStarted started;
  bool changed = false;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    changed = false;
    const absl::Time now = clock_.Now();
    // As for locks: operators first, so that the last two cannot both go at once.
    ASSIGN_OR_RETURN(std::vector<std::string> operators, tx.LockActiveOperators());
    ASSIGN_OR_RETURN(std::optional<Account> account, tx.FindAccount(id));
    if (!account) return AccountNotFound();
    if (account->state == AccountState::kDeleted) {
      return FailedPrecondition("ACCOUNT_DELETED", "the account was erased");
    }
    if (account->state == AccountState::kClosed) {  // asked before: the erasure stands
      ASSIGN_OR_RETURN(std::optional<Erasure> pending, tx.LockPendingErasure(id));
      if (!pending) return Internal("NO_PENDING_ERASURE", "a closed account has no erasure");
      started = ErasureStarted{.account = *std::move(account), .erase_at = pending->erase_at};
      return absl::OkStatus();
    }
    if (account->is_operator && operators.size() == 1 && operators[0] == account->id) {
      return FailedPrecondition("LAST_OPERATOR",
                                "the only active operator cannot be erased: make another first");
    }
    changed = true;
    const Erasure erasure{.account_id = id,
                          .requested_by = requested_by,
                          .reason = TrimmedReason(action.reason),
                          .requested_at = now,
                          .erase_at = now + settings_.erasure_grace};
    account->state = AccountState::kClosed;
    RETURN_IF_ERROR(tx.SetAccountState(id, AccountState::kClosed, now));
    RETURN_IF_ERROR(tx.RevokeOtherSessions(id, /*keep=*/"", now, "account_closed").status());
    RETURN_IF_ERROR(tx.SaveErasure(erasure));
    RETURN_IF_ERROR(tx.RecordAccountChange(AccountChange{.kind = AccountChange::Kind::kClosed,
                                                         .account_id = id,
                                                         .actor_id = requested_by,
                                                         .reason = erasure.reason,
                                                         .at = now,
                                                         .erase_at = erasure.erase_at}));
    RETURN_IF_ERROR(tx.InsertAudit(AuditEntry{.id = ids_.NewId(),
                                              .action = AuditAction::kErasureRequested,
                                              .account_id = id,
                                              .actor_id = requested_by,
                                              .reason = erasure.reason,
                                              .client_address = action.client_address,
                                              .created_at = now}));
    started = ErasureStarted{.account = *std::move(account), .erase_at = erasure.erase_at};
    return absl::OkStatus();
  }));
  if (changed) {
    log::Info("account closed for erasure")
        .With("account_id", id)
        .With("by", requested_by)
        .With("erase_at", absl::FormatTime(started.erase_at));
  }
  return started;
}

absl::StatusOr<Account> Identity::CancelAccountErasure(const auth::Claims& caller,
                                                       absl::string_view account_id,
                                                       const OperatorAction& action) {
  RETURN_IF_ERROR(CheckOperatorAction(caller, action));
  ASSIGN_OR_RETURN(const std::string id, AccountIdOf(account_id));
  std::optional<Account> account;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    const absl::Time now = clock_.Now();
    ASSIGN_OR_RETURN(std::optional<Erasure> pending, tx.LockPendingErasure(id));
    ASSIGN_OR_RETURN(account, tx.FindAccount(id));
    if (!account) return AccountNotFound();
    if (account->state == AccountState::kDeleted) {
      return FailedPrecondition("ACCOUNT_DELETED", "the erasure is final");
    }
    if (!pending || account->state != AccountState::kClosed) {
      return FailedPrecondition("NO_PENDING_ERASURE", "the account is not closed for erasure");
    }
    account->state = AccountState::kActive;
    RETURN_IF_ERROR(tx.EndErasure(id, /*done=*/false, now));
    RETURN_IF_ERROR(tx.SetAccountState(id, AccountState::kActive, now));
    RETURN_IF_ERROR(tx.RecordAccountChange(AccountChange{.kind = AccountChange::Kind::kReopened,
                                                         .account_id = id,
                                                         .actor_id = caller.subject,
                                                         .reason = TrimmedReason(action.reason),
                                                         .at = now}));
    return tx.InsertAudit(AuditEntry{.id = ids_.NewId(),
                                     .action = AuditAction::kErasureCancelled,
                                     .account_id = id,
                                     .actor_id = caller.subject,
                                     .reason = TrimmedReason(action.reason),
                                     .client_address = action.client_address,
                                     .created_at = now});
  }));
  log::Info("account erasure cancelled").With("account_id", id).With("operator", caller.subject);
  return *std::move(account);
}

absl::StatusOr<int> Identity::FinishDueErasures() {
  int done = 0;
  while (true) {
    std::optional<Erasure> finished;
    RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
      finished.reset();
      const absl::Time now = clock_.Now();
      ASSIGN_OR_RETURN(std::vector<Erasure> due, tx.LockDueErasures(now, 1));
      if (due.empty()) return absl::OkStatus();
      const Erasure& erasure = due.front();
      RETURN_IF_ERROR(tx.WipeAccount(erasure.account_id, now));
      RETURN_IF_ERROR(tx.EndErasure(erasure.account_id, /*done=*/true, now));
      // Every other service erases its part when this reaches it.
      RETURN_IF_ERROR(tx.RecordAccountChange(AccountChange{.kind = AccountChange::Kind::kErased,
                                                           .account_id = erasure.account_id,
                                                           .at = now}));
      RETURN_IF_ERROR(tx.InsertAudit(AuditEntry{.id = ids_.NewId(),
                                                .action = AuditAction::kErased,
                                                .account_id = erasure.account_id,
                                                .actor_id = erasure.requested_by,
                                                .reason = erasure.reason,
                                                .created_at = now}));
      finished = erasure;
      return absl::OkStatus();
    }));
    if (!finished) return done;
    ++done;
    log::Info("account erased").With("account_id", finished->account_id);
  }
}

absl::StatusOr<EventPage> Identity::ListAccountEvents(int64_t after_sequence, int page_size) {
  if (after_sequence < 0) {
    return InvalidArgument("INVALID_SEQUENCE", "after_sequence is 0 or a sequence number");
  }
  if (page_size == 0) page_size = kDefaultEventPage;
  if (page_size < 0 || page_size > kMaxEventPage) {
    return InvalidArgument("INVALID_PAGE", "page_size is 1–1000");
  }
  EventPage page;
  ASSIGN_OR_RETURN(page.events, store_.ReadAccountEvents(after_sequence, page_size + 1));
  if (static_cast<int>(page.events.size()) > page_size) {
    page.events.resize(page_size);
    page.has_more = true;
  }
  return page;
}

}  // namespace parta::identity
