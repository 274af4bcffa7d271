// Adding or changing an account's e-mail or phone: the new address proves itself with a code
// sent to it before it becomes the account's login, and the old address is told of the change
// (someone who took over a session cannot quietly move the account away).

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "services/identity/domain/identity.h"
#include "services/identity/domain/one_time_code.h"
#include "services/identity/domain/validation.h"

namespace parta::identity {
namespace {

absl::Status InvalidCode() {
  return InvalidArgument("INVALID_CODE", "wrong code, or it was replaced or has expired");
}

// "an***@mail.ru", "+7916*****67": enough for the owner to recognise, little for anyone else.
std::string Masked(DeliveryChannel channel, const std::string& value) {
  if (channel == DeliveryChannel::kEmail) {
    const size_t at = value.find('@');
    return absl::StrCat(value.substr(0, std::min<size_t>(2, at)), "***", value.substr(at));
  }
  if (value.size() <= 7) return value;
  return absl::StrCat(value.substr(0, 5), std::string(value.size() - 7, '*'),
                      value.substr(value.size() - 2));
}

OutgoingMessage ConfirmationMessage(DeliveryChannel channel, const std::string& to,
                                    const std::string& code, absl::Duration ttl) {
  const int64_t minutes = absl::ToInt64Minutes(ttl);
  OutgoingMessage message{.channel = channel, .recipient = to};
  if (channel == DeliveryChannel::kEmail) {
    message.subject = "Подтверждение адреса в Parta";
    message.body = absl::StrCat(
        "Здравствуйте!\n\n", "Код для подтверждения этого адреса: ", code, "\n\n", "Он действует ",
        minutes, " мин. Никому его не сообщайте.\n\n",
        "Если вы не указывали этот адрес в Parta, ничего не делайте: он не будет привязан.\n");
  } else {
    message.body = absl::StrCat("Parta: код для подтверждения номера ", code, ". Действует ",
                                minutes, " мин. Никому его не сообщайте.");
  }
  return message;
}

OutgoingMessage ChangedMessage(DeliveryChannel channel, const std::string& old_value,
                               const std::string& new_value) {
  OutgoingMessage message{.channel = channel, .recipient = old_value};
  const std::string shown = Masked(channel, new_value);
  if (channel == DeliveryChannel::kEmail) {
    message.subject = "Адрес вашей учётной записи Parta изменён";
    message.body = absl::StrCat(
        "Здравствуйте!\n\n", "Адрес электронной почты вашей учётной записи Parta изменён на ",
        shown, ". Входить теперь нужно с ним.\n\n",
        "Если это сделали не вы, сразу обратитесь к администратору школы или в поддержку.\n");
  } else {
    message.body = absl::StrCat("Parta: номер телефона вашей учётной записи изменён на ", shown,
                                ". Если это сделали не вы, обратитесь в поддержку.");
  }
  return message;
}

}  // namespace

absl::StatusOr<PasswordResetStarted> Identity::StartContactChange(
    const auth::Claims& caller, absl::string_view email, absl::string_view phone) {
  if (email.empty() == phone.empty()) {
    return InvalidArgument("CONTACT_REQUIRED", "give exactly one of an e-mail and a phone");
  }
  PasswordResetStarted started;
  std::string value;
  if (!email.empty()) {
    ASSIGN_OR_RETURN(value, NormalizeEmail(email));
    started.channel = DeliveryChannel::kEmail;
  } else {
    ASSIGN_OR_RETURN(value, NormalizePhone(phone));
    started.channel = DeliveryChannel::kSms;
  }
  RETURN_IF_ERROR(RequireChannel(started.channel));
  ASSIGN_OR_RETURN(Account account, ActiveAccount(caller));
  if (account.guest) return FailedPrecondition("GUEST_ACCOUNT", "a guest account has no address");
  const std::string& present =
      started.channel == DeliveryChannel::kEmail ? account.email : account.phone;
  if (present == value) {
    return FailedPrecondition("CONTACT_UNCHANGED", "the account has this address already");
  }
  const absl::Time now = clock_.Now();
  started.expires_at = now + settings_.password_reset.code_ttl;
  std::optional<absl::Duration> wait;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Account> holder, tx.FindAccountByLogin(value));
    if (holder && holder->id != account.id) {
      return AlreadyExists("ACCOUNT_EXISTS", "another account has this address");
    }
    ASSIGN_OR_RETURN(wait, CountCodeRequest(tx, absl::StrCat("contact:", account.id), now));
    if (wait) return absl::OkStatus();
    const std::string code = NewOneTimeCode();
    RETURN_IF_ERROR(tx.SaveContactChange(
        ContactChange{.account_id = account.id,
                      .channel = started.channel,
                      .new_value = value,
                      .code_hash = OneTimeCodeHash(account.id, code),
                      .created_at = now,
                      .expires_at = started.expires_at}));
    return SendLater(
        tx, ConfirmationMessage(started.channel, value, code, settings_.password_reset.code_ttl),
        now, started.expires_at);
  }));
  if (wait) {
    return WithRetryAfter(
        ResourceExhausted("CODE_THROTTLED", "a code was sent for this account recently; wait"),
        *wait);
  }
  log::Info("contact change started").With("account_id", account.id);
  return started;
}

absl::StatusOr<Account> Identity::ConfirmContactChange(const auth::Claims& caller,
                                                       absl::string_view typed,
                                                       const std::string& client_address) {
  if (typed.empty()) return InvalidArgument("CODE_REQUIRED", "give the code");
  ASSIGN_OR_RETURN(Account account, ActiveAccount(caller));
  std::optional<std::string> code = NormalizeOneTimeCode(typed);
  if (!code) return InvalidCode();
  const std::string code_hash = OneTimeCodeHash(account.id, *code);
  bool matches = false;
  std::optional<Account> changed;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    const absl::Time now = clock_.Now();
    matches = false;
    ASSIGN_OR_RETURN(std::optional<ContactChange> change, tx.LockContactChange(account.id));
    if (!change) return absl::OkStatus();
    if (change->expires_at <= now) return tx.DeleteContactChange(account.id);
    if (!SameCodeHash(change->code_hash, code_hash)) {
      if (change->attempts + 1 >= settings_.password_reset.max_attempts) {
        return tx.DeleteContactChange(account.id);  // spent: ask for a new one
      }
      return tx.SetContactChangeAttempts(account.id, change->attempts + 1);
    }
    matches = true;
    // The address as it is now (the change's lock orders confirmations of one account).
    ASSIGN_OR_RETURN(changed, tx.FindAccount(account.id));
    if (!changed) return NotFound("ACCOUNT_NOT_FOUND", "the account does not exist");
    std::string& address =
        change->channel == DeliveryChannel::kEmail ? changed->email : changed->phone;
    const std::string previous = address;
    RETURN_IF_ERROR(tx.SetContact(account.id, change->channel, change->new_value, now));
    RETURN_IF_ERROR(tx.DeleteContactChange(account.id));
    // A reset code went to an address the account may no longer have: it opens nothing now.
    RETURN_IF_ERROR(tx.DeleteResetCode(account.id));
    address = change->new_value;
    RETURN_IF_ERROR(tx.InsertAudit(AuditEntry{
        .id = ids_.NewId(),
        .action = AuditAction::kContactChanged,
        .account_id = account.id,
        .actor_id = account.id,
        .reason = change->channel == DeliveryChannel::kEmail ? "email" : "phone",
        .client_address = client_address,
        .created_at = now}));
    if (previous.empty()) return absl::OkStatus();
    return SendLater(tx, ChangedMessage(change->channel, previous, change->new_value), now,
                     now + absl::Hours(24));
  }));
  if (!matches) return InvalidCode();
  log::Info("contact changed").With("account_id", account.id);
  return *std::move(changed);
}

}  // namespace parta::identity
