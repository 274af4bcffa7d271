// Platform operators' administration of accounts: looking one up, locking and unlocking it,
// and reading the audit log those actions (and people's password resets) write.

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "libs/core/page_token.h"
#include "libs/core/status.h"
#include "services/identity/domain/identity.h"
#include "services/identity/domain/validation.h"

namespace parta::identity {
namespace {

constexpr int kDefaultAuditPage = 50;
constexpr int kMaxAuditPage = 200;
constexpr absl::string_view kAuditList = "account_audit";
constexpr int kMaxReasonLength = 500;

}  // namespace

absl::Status Identity::CheckOperatorAction(const auth::Claims& caller,
                                           const OperatorAction& action) const {
  if (!caller.is_operator) {
    return PermissionDenied("OPERATOR_ONLY", "only platform operators administer accounts");
  }
  return CheckReason(action);
}

absl::Status Identity::CheckReason(const OperatorAction& action) const {
  const int length = Utf8Length(absl::StripAsciiWhitespace(action.reason));
  if (length <= 0 || length > kMaxReasonLength) {
    return InvalidArgument("REASON_REQUIRED",
                           "give the reason (1–500 characters of UTF-8); it is audited");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Account>> Identity::LookUpAccount(const auth::Claims& caller,
                                                               absl::string_view login,
                                                               absl::string_view account_id,
                                                               const OperatorAction& action) {
  RETURN_IF_ERROR(CheckOperatorAction(caller, action));
  if (login.empty() == account_id.empty()) {
    return InvalidArgument("QUERY_REQUIRED", "give exactly one of a login and an account id");
  }
  std::string id = absl::AsciiStrToLower(account_id);
  if (!account_id.empty() && !IsUuid(id)) {
    return InvalidArgument("INVALID_ACCOUNT_ID", "an account id is a UUID");
  }
  // A login that is no login finds nothing.
  absl::StatusOr<std::string> normalized = NormalizeLogin(login);
  std::optional<Account> account;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    if (!id.empty()) {
      ASSIGN_OR_RETURN(account, tx.FindAccount(id));
    } else if (normalized.ok()) {
      ASSIGN_OR_RETURN(account, tx.FindAccountByLogin(*normalized));
    }
    if (!account) return absl::OkStatus();
    return tx.InsertAudit(AuditEntry{.id = ids_.NewId(),
                                     .action = AuditAction::kLookedUp,
                                     .account_id = account->id,
                                     .actor_id = caller.subject,
                                     .reason = TrimmedReason(action.reason),
                                     .client_address = action.client_address,
                                     .created_at = clock_.Now()});
  }));
  if (account) {
    log::Info("account looked up").With("account_id", account->id).With("operator", caller.subject);
  }
  return account;
}

absl::StatusOr<Account> Identity::LockAccount(const auth::Claims& caller,
                                              absl::string_view account_id,
                                              const OperatorAction& action) {
  return SetAccountState(caller, account_id, AccountState::kLocked, AuditAction::kLocked, action);
}

absl::StatusOr<Account> Identity::UnlockAccount(const auth::Claims& caller,
                                                absl::string_view account_id,
                                                const OperatorAction& action) {
  return SetAccountState(caller, account_id, AccountState::kActive, AuditAction::kUnlocked,
                         action);
}

absl::StatusOr<Account> Identity::SetAccountState(const auth::Claims& caller,
                                                  absl::string_view account_id,
                                                  AccountState state, AuditAction audit,
                                                  const OperatorAction& action) {
  RETURN_IF_ERROR(CheckOperatorAction(caller, action));
  const std::string id = absl::AsciiStrToLower(account_id);
  std::optional<Account> account;
  bool changed = false;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    changed = false;
    const absl::Time now = clock_.Now();
    // Operators first, in one order for everyone: two operators locking each other wait here,
    // and the second sees the first's lock.
    ASSIGN_OR_RETURN(std::vector<std::string> operators, tx.LockActiveOperators());
    ASSIGN_OR_RETURN(account, tx.FindAccount(id));
    if (!account) return AccountNotFound();
    if (account->state == AccountState::kDeleted) {
      return FailedPrecondition("ACCOUNT_DELETED", "the account was erased");
    }
    if (account->state == AccountState::kClosed) {
      return FailedPrecondition("ACCOUNT_CLOSED",
                                "the account is closed for erasure: cancel the erasure instead");
    }
    if (account->state == state) return absl::OkStatus();
    if (state == AccountState::kLocked && account->is_operator && operators.size() == 1 &&
        operators[0] == account->id) {
      return FailedPrecondition("LAST_OPERATOR",
                                "the only active operator cannot be locked: make another first");
    }
    changed = true;
    account->state = state;
    RETURN_IF_ERROR(tx.SetAccountState(account->id, state, now));
    if (state == AccountState::kLocked) {
      // Published like every revocation: gateways close the sockets, services refuse tokens.
      RETURN_IF_ERROR(tx.RevokeOtherSessions(account->id, /*keep=*/"", now, "account_locked")
                          .status());
    }
    // The schools he belongs to read it in their audit logs.
    RETURN_IF_ERROR(tx.RecordAccountChange(
        AccountChange{.kind = state == AccountState::kLocked ? AccountChange::Kind::kLocked
                                                             : AccountChange::Kind::kUnlocked,
                      .account_id = account->id,
                      .actor_id = caller.subject,
                      .reason = TrimmedReason(action.reason),
                      .at = now}));
    return tx.InsertAudit(AuditEntry{.id = ids_.NewId(),
                                     .action = audit,
                                     .account_id = account->id,
                                     .actor_id = caller.subject,
                                     .reason = TrimmedReason(action.reason),
                                     .client_address = action.client_address,
                                     .created_at = now});
  }));
  if (changed) {
    log::Info(state == AccountState::kLocked ? "account locked" : "account unlocked")
        .With("account_id", account->id)
        .With("operator", caller.subject);
  }
  return *std::move(account);
}

absl::StatusOr<AuditPage> Identity::ListAccountAudit(const auth::Claims& caller,
                                                     absl::string_view account_id, int page_size,
                                                     absl::string_view page_token) {
  if (!caller.is_operator) {
    return PermissionDenied("OPERATOR_ONLY", "only platform operators read the account audit");
  }
  const std::string id = absl::AsciiStrToLower(account_id);
  if (!id.empty() && !IsUuid(id)) {
    return InvalidArgument("INVALID_ACCOUNT_ID", "an account id is a UUID");
  }
  ASSIGN_OR_RETURN(int limit, PageSize(page_size, kDefaultAuditPage, kMaxAuditPage));
  ASSIGN_OR_RETURN(std::vector<std::string> key, DecodePageToken(page_token, kAuditList, id, 1));
  int64_t before_seq = 0;
  if (!key.empty() && (!absl::SimpleAtoi(key[0], &before_seq) || before_seq <= 0)) {
    return InvalidPageToken();
  }
  AuditPage page;
  RETURN_IF_ERROR(store_.Read([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(page.entries, tx.ListAudit(id, before_seq, limit + 1));
    return absl::OkStatus();
  }));
  if (static_cast<int>(page.entries.size()) > limit) {
    page.entries.resize(limit);
    page.next_page_token =
        EncodePageToken(kAuditList, id, {absl::StrCat(page.entries.back().seq)});
  }
  return page;
}

}  // namespace parta::identity
