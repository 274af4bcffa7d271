// Getting back into an e-mail or phone account whose password is forgotten: a six-digit code
// sent to the address, short-lived, single use, throttled per login and per client address,
// answered alike whether or not the account exists. School-managed accounts have no address;
// their school issues new login codes instead.

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "services/identity/domain/identity.h"
#include "services/identity/domain/one_time_code.h"
#include "services/identity/domain/validation.h"

namespace parta::identity {
namespace {

absl::Status InvalidCode() {
  return Unauthenticated("INVALID_CODE", "wrong login or code, or the code has expired");
}

// The message that carries a code. People read it: Russian, as the rest of what they see.
OutgoingMessage CodeMessage(const Account& account, DeliveryChannel channel,
                            const std::string& code, absl::Duration ttl) {
  const int64_t minutes = absl::ToInt64Minutes(ttl);
  OutgoingMessage message{.channel = channel};
  if (channel == DeliveryChannel::kEmail) {
    message.recipient = account.email;
    message.subject = "Восстановление пароля Parta";
    message.body = absl::StrCat(
        "Здравствуйте!\n\n", "Код для восстановления пароля: ", code, "\n\n",
        "Он действует ", minutes, " мин. Никому его не сообщайте: сотрудники Parta и школы "
        "никогда его не спрашивают.\n\n",
        "Если вы не просили восстановить пароль, ничего не делайте: пароль останется прежним.\n");
  } else {
    message.recipient = account.phone;
    message.body = absl::StrCat("Parta: код для восстановления пароля ", code, ". Действует ",
                                minutes, " мин. Никому его не сообщайте.");
  }
  return message;
}

}  // namespace

absl::Status Identity::SendLater(IdentityTransaction& tx, OutgoingMessage message,
                                 absl::Time now, absl::Time expires_at) {
  message.id = ids_.NewId();
  message.created_at = now;
  message.expires_at = expires_at;
  message.next_attempt_at = now;
  return tx.InsertOutgoingMessage(message);
}

absl::Status Identity::RequireChannel(DeliveryChannel channel) const {
  const PasswordResetPolicy& policy = settings_.password_reset;
  if (channel == DeliveryChannel::kEmail ? policy.email : policy.sms) return absl::OkStatus();
  return FailedPrecondition("DELIVERY_NOT_CONFIGURED",
                            channel == DeliveryChannel::kEmail
                                ? "this deployment sends no e-mail"
                                : "this deployment sends no text messages");
}

absl::StatusOr<std::optional<absl::Duration>> Identity::CountCodeRequest(
    IdentityTransaction& tx, const std::string& key, absl::Time now) {
  const PasswordResetPolicy& policy = settings_.password_reset;
  ASSIGN_OR_RETURN(ResetRequests requests, tx.LockResetRequests(key));
  if (requests.requests == 0 || requests.window_start + policy.window <= now) {
    requests = ResetRequests{.window_start = now, .requests = 0};
  } else if (requests.requests >= policy.per_window) {
    return requests.window_start + policy.window - now;
  } else if (requests.last_request_at + policy.min_interval > now) {
    return requests.last_request_at + policy.min_interval - now;
  }
  ++requests.requests;
  requests.last_request_at = now;
  RETURN_IF_ERROR(tx.SaveResetRequests(key, requests));
  return std::nullopt;
}

absl::StatusOr<PasswordResetStarted> Identity::RequestPasswordReset(
    absl::string_view login, const std::string& client_address) {
  const PasswordResetPolicy& policy = settings_.password_reset;
  absl::string_view trimmed = absl::StripAsciiWhitespace(login);
  if (trimmed.empty()) return InvalidArgument("LOGIN_REQUIRED", "give an e-mail or a phone");
  PasswordResetStarted started;
  std::string normalized;
  if (absl::StrContains(trimmed, '@')) {
    ASSIGN_OR_RETURN(normalized, NormalizeEmail(trimmed));
    started.channel = DeliveryChannel::kEmail;
  } else if (absl::ascii_isalpha(static_cast<unsigned char>(trimmed[0]))) {
    return FailedPrecondition("ASK_SCHOOL_FOR_CODE",
                              "an account with a username gets a new login code from its school");
  } else {
    ASSIGN_OR_RETURN(normalized, NormalizePhone(trimmed));
    started.channel = DeliveryChannel::kSms;
  }
  RETURN_IF_ERROR(RequireChannel(started.channel));
  const absl::Time now = clock_.Now();
  if (absl::Duration wait = reset_address_throttle_.WaitFor(client_address, now);
      wait > absl::ZeroDuration()) {
    return WithRetryAfter(
        ResourceExhausted("ADDRESS_THROTTLED", "too many reset requests from this address; wait"),
        wait);
  }
  reset_address_throttle_.RecordFailure(client_address, now);  // every request counts
  started.expires_at = now + policy.code_ttl;

  std::optional<absl::Duration> wait;
  std::string account_id;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    account_id.clear();
    // Counted per login whether or not an account has it, so the limit reveals nothing.
    ASSIGN_OR_RETURN(wait, CountCodeRequest(tx, normalized, now));
    if (wait) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::optional<Account> account, tx.FindAccountByLogin(normalized));
    // A locked or erased account gets nothing; the caller cannot tell.
    if (!account || account->state != AccountState::kActive || account->guest) {
      return absl::OkStatus();
    }
    const std::string code = NewOneTimeCode();
    RETURN_IF_ERROR(tx.SaveResetCode(ResetCode{.account_id = account->id,
                                               .code_hash = OneTimeCodeHash(account->id, code),
                                               .created_at = now,
                                               .expires_at = started.expires_at}));
    account_id = account->id;
    return SendLater(tx, CodeMessage(*account, started.channel, code, policy.code_ttl), now,
                     started.expires_at);
  }));
  if (wait) {
    return WithRetryAfter(
        ResourceExhausted("RESET_THROTTLED", "a code was sent to this login recently; wait"),
        *wait);
  }
  if (!account_id.empty()) log::Info("password reset code issued").With("account_id", account_id);
  return started;
}

absl::StatusOr<IssuedTokens> Identity::ResetPassword(const PasswordResetInput& input) {
  if (absl::StripAsciiWhitespace(input.login).empty()) {
    return InvalidArgument("LOGIN_REQUIRED", "give the e-mail or phone the code was sent to");
  }
  if (input.code.empty()) return InvalidArgument("CODE_REQUIRED", "give the code");
  if (Utf8Length(input.device) < 0 || input.device.size() > 200) {
    return InvalidArgument("INVALID_DEVICE", "the device name must be UTF-8, up to 200 bytes");
  }
  absl::StatusOr<std::string> normalized = NormalizeLogin(input.login);
  std::optional<std::string> code = NormalizeOneTimeCode(input.code);
  const std::string login_key = normalized.ok() ? *normalized : "";
  std::optional<Account> account;
  // Codes are guessed like passwords: the same per-login and per-address limits, on top of the
  // attempts each code allows.
  RETURN_IF_ERROR(AdmitPasswordAttempt(
      login_key, input.client_address, [&](IdentityTransaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(account, tx.FindAccountByLogin(login_key));
        return absl::OkStatus();
      }));
  const absl::Time now = clock_.Now();
  std::string code_hash;
  bool matches = false;
  if (account && code) {
    code_hash = OneTimeCodeHash(account->id, *code);
    RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
      ASSIGN_OR_RETURN(std::optional<ResetCode> stored, tx.LockResetCode(account->id));
      matches = stored && stored->expires_at > now && SameCodeHash(stored->code_hash, code_hash);
      if (!stored || matches) return absl::OkStatus();
      if (stored->expires_at <= now ||
          stored->attempts + 1 >= settings_.password_reset.max_attempts) {
        return tx.DeleteResetCode(account->id);  // spent: ask for a new one
      }
      return tx.SetResetAttempts(account->id, stored->attempts + 1);
    }));
  }
  if (!matches) {
    address_throttle_.RecordFailure(input.client_address, now);
    return InvalidCode();
  }
  RETURN_IF_ERROR(RequireActive(*account));
  RETURN_IF_ERROR(CheckPasswordStrength(input.new_password,
                                        {account->email, account->phone, account->display_name}));
  ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(input.new_password));
  ASSIGN_OR_RETURN(
      IssuedTokens tokens,
      OpenSession(*account, input.device, input.client_address,
                  [&](IdentityTransaction& tx) -> absl::Status {
                    // Spent with the session it opens; a concurrent use spent it otherwise.
                    ASSIGN_OR_RETURN(std::optional<ResetCode> stored,
                                     tx.LockResetCode(account->id));
                    if (!stored || !SameCodeHash(stored->code_hash, code_hash)) {
                      return InvalidCode();
                    }
                    RETURN_IF_ERROR(tx.DeleteResetCode(account->id));
                    RETURN_IF_ERROR(tx.ClearLoginFailures(login_key));
                    RETURN_IF_ERROR(tx.UpdatePassword(account->id, hash, now));
                    // Whoever knew the old password is out: every session ends. The one this
                    // reset opens is inserted after this.
                    RETURN_IF_ERROR(
                        tx.RevokeOtherSessions(account->id, /*keep=*/"", now, "password_reset")
                            .status());
                    return tx.InsertAudit(AuditEntry{.id = ids_.NewId(),
                                                     .action = AuditAction::kPasswordReset,
                                                     .account_id = account->id,
                                                     .actor_id = account->id,
                                                     .client_address = input.client_address,
                                                     .created_at = now});
                  }));
  log::Info("password reset").With("account_id", account->id);
  return tokens;
}

}  // namespace parta::identity
