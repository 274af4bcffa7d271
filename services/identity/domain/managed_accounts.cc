// School-managed accounts: created by a school's roster import (no e-mail or phone), signed
// into with a generated username and a one-time code the school prints; the first sign-in sets
// the password.

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "services/identity/domain/identity.h"
#include "services/identity/domain/validation.h"

namespace parta::identity {
namespace {

constexpr size_t kMaxBatch = 2000;

// "u" and 9 characters of the code alphabet, lower case: 45 random bits.
std::string NewUsername() { return "u" + absl::AsciiStrToLower(RandomCode(9)); }

// 12 characters (60 random bits), printed in groups of four.
std::string FormatCode(const std::string& code) {
  return absl::StrCat(code.substr(0, 4), "-", code.substr(4, 4), "-", code.substr(8, 4));
}

}  // namespace

absl::StatusOr<ManagedCredentials> Identity::NewLoginCode(IdentityTransaction& tx, Account account,
                                                          absl::Time now) {
  std::string code = RandomCode(12);
  LoginCode record{.account_id = account.id,
                   .code_hash = RefreshTokenCodec::Hash(code),
                   .created_at = now,
                   .expires_at = now + settings_.login_code_ttl};
  RETURN_IF_ERROR(tx.SaveLoginCode(record));
  return ManagedCredentials{.account = std::move(account),
                            .login_code = FormatCode(code),
                            .code_expires_at = record.expires_at};
}

absl::StatusOr<std::vector<ManagedCredentials>> Identity::CreateManagedAccounts(
    const std::vector<NewManagedAccount>& accounts) {
  if (accounts.size() > kMaxBatch) {
    return InvalidArgument("TOO_MANY", "at most 2,000 accounts per call");
  }
  std::vector<Account> prepared;
  for (const NewManagedAccount& input : accounts) {
    if (input.external_key.empty() || input.external_key.size() > 200) {
      return InvalidArgument("INVALID_EXTERNAL_KEY", "external_key must have 1–200 bytes");
    }
    Account account;
    ASSIGN_OR_RETURN(account.display_name, NormalizeDisplayName(input.display_name));
    account.external_key = input.external_key;
    prepared.push_back(std::move(account));
  }
  std::vector<ManagedCredentials> result;
  absl::Time now = clock_.Now();
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    result.clear();
    for (Account account : prepared) {
      ASSIGN_OR_RETURN(std::optional<Account> existing,
                       tx.FindAccountByExternalKey(account.external_key));
      if (existing) {
        result.push_back({.account = *std::move(existing)});
        continue;
      }
      account.id = ids_.NewId();
      account.username = NewUsername();
      account.created_at = now;
      RETURN_IF_ERROR(tx.InsertAccount(account));
      ASSIGN_OR_RETURN(ManagedCredentials credentials, NewLoginCode(tx, account, now));
      credentials.created = true;
      result.push_back(std::move(credentials));
    }
    return absl::OkStatus();
  }));
  log::Info("managed accounts created").With("count", static_cast<int64_t>(result.size()));
  return result;
}

absl::StatusOr<std::vector<ManagedCredentials>> Identity::IssueLoginCodes(
    const std::vector<std::string>& account_ids) {
  if (account_ids.size() > kMaxBatch) {
    return InvalidArgument("TOO_MANY", "at most 2,000 accounts per call");
  }
  std::vector<ManagedCredentials> result;
  absl::Time now = clock_.Now();
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    result.clear();
    for (const std::string& id : account_ids) {
      ASSIGN_OR_RETURN(std::optional<Account> account, tx.FindAccount(id));
      if (!account || account->state == AccountState::kDeleted) {
        return NotFound("ACCOUNT_NOT_FOUND", "the account does not exist");
      }
      if (account->username.empty()) {
        return Error(absl::StatusCode::kFailedPrecondition, "ACCOUNT_NOT_MANAGED",
                     "only school-managed accounts sign in with codes");
      }
      ASSIGN_OR_RETURN(ManagedCredentials credentials, NewLoginCode(tx, *account, now));
      result.push_back(std::move(credentials));
    }
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<IssuedTokens> Identity::ActivateManagedAccount(const ActivateInput& input) {
  if (input.login.empty()) return InvalidArgument("LOGIN_REQUIRED", "give the username");
  if (input.code.empty()) return InvalidArgument("CODE_REQUIRED", "give the login code");
  if (Utf8Length(input.device) < 0 || input.device.size() > 200) {
    return InvalidArgument("INVALID_DEVICE", "the device name must be UTF-8, up to 200 bytes");
  }
  auto invalid = [] {
    return Unauthenticated("INVALID_CODE", "wrong username or code, or the code has expired");
  };
  absl::StatusOr<std::string> username = NormalizeUsername(input.login);
  absl::StatusOr<std::string> code = NormalizeLoginCode(input.code);
  std::string login_key = username.ok() ? *username : "";
  std::optional<Account> account;
  std::optional<LoginCode> stored;
  // Codes are guessed like passwords: the same per-login and per-address limits.
  RETURN_IF_ERROR(AdmitPasswordAttempt(
      login_key, input.client_address, [&](IdentityTransaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(account, tx.FindAccountByLogin(login_key));
        if (account) {
          ASSIGN_OR_RETURN(stored, tx.FindLoginCode(account->id));
        }
        return absl::OkStatus();
      }));
  absl::Time now = clock_.Now();
  if (!code.ok() || !account || account->username.empty() || !stored || stored->expires_at <= now ||
      RefreshTokenCodec::Hash(*code) != stored->code_hash) {
    address_throttle_.RecordFailure(input.client_address, now);
    return invalid();
  }
  RETURN_IF_ERROR(RequireActive(*account));
  RETURN_IF_ERROR(
      CheckPasswordStrength(input.new_password, {account->username, account->display_name}));
  ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(input.new_password));
  account->password_hash = hash;
  log::Info("managed account activated").With("account_id", account->id);
  return OpenSession(
      *account, input.device, input.client_address, [&](IdentityTransaction& tx) -> absl::Status {
        // The code is spent with the session that it opened.
        ASSIGN_OR_RETURN(bool spent, tx.DeleteLoginCode(account->id, stored->code_hash));
        if (!spent) return invalid();
        RETURN_IF_ERROR(tx.ClearLoginFailures(login_key));
        RETURN_IF_ERROR(tx.UpdatePassword(account->id, hash, now));
        // A new code replaces whatever opened the account before (a lost sheet of codes, a
        // password someone else learnt): every earlier session ends, as after ChangePassword.
        // The session this activation opens is inserted after this, so none is kept.
        return tx.RevokeOtherSessions(account->id, /*keep=*/"", now, "account_activated")
            .status();
      });
}

absl::StatusOr<Account> Identity::RaiseVerificationLevel(absl::string_view account_id,
                                                         VerificationLevel level) {
  if (level == VerificationLevel::kNone) {
    return InvalidArgument("INVALID_LEVEL", "only a confirmed level can be raised to");
  }
  std::optional<Account> account;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(account, tx.FindAccount(account_id));
    if (!account || account->state == AccountState::kDeleted) {
      return NotFound("ACCOUNT_NOT_FOUND", "the account does not exist");
    }
    if (static_cast<int>(level) <= static_cast<int>(account->own_verification)) {
      return absl::OkStatus();
    }
    account->own_verification = level;
    SettleVerification(*account);
    return tx.SetVerification(account->id, level, clock_.Now());
  }));
  return *std::move(account);
}

}  // namespace parta::identity
