// Sign-in through ESIA (Госуслуги): a sign-in starts here with a fresh state and nonce, the
// person signs in at the provider, and comes back with a code. The code is exchanged for the
// person's identity (esia/), who is then found by his ESIA oid or given a new account. The
// account is government-verified while the provider vouches for the person (a confirmed
// account); an e-mail or phone the provider knows never joins an existing account by itself.

#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "services/identity/domain/identity.h"
#include "services/identity/domain/validation.h"

namespace parta::identity {
namespace {

absl::Status NotConfigured() {
  return FailedPrecondition("ESIA_NOT_CONFIGURED", "sign-in through ESIA is not set up here");
}

absl::Status StateUnknown() {
  return Unauthenticated("ESIA_STATE_UNKNOWN",
                         "the ESIA sign-in is unknown, finished or expired: start again");
}

// The name an account made by an ESIA sign-in starts with: "Имя Фамилия".
std::string DisplayNameOf(const ProviderPerson& person) {
  std::string name = absl::StrCat(person.first_name, " ", person.last_name);
  absl::StatusOr<std::string> normalized = NormalizeDisplayName(name);
  if (normalized.ok()) return *normalized;
  return "Пользователь Госуслуг";
}

// The level an account has while tied to `person`: government-verified while he is trusted;
// an untrusted tie takes away only what a trusted one gave.
VerificationLevel LevelWith(const Account& account, const ProviderPerson& person) {
  if (person.trusted) return VerificationLevel::kGovernmentVerified;
  if (account.verification == VerificationLevel::kGovernmentVerified) {
    return VerificationLevel::kNone;
  }
  return account.verification;
}

}  // namespace

absl::StatusOr<EsiaStart> Identity::StartEsiaSignIn() {
  if (government_ == nullptr) return NotConfigured();
  const absl::Time now = clock_.Now();
  EsiaSignInRequest request{.state = NewUuidV7(now),
                            .nonce = Base64UrlEncode(RandomBytes(24)),
                            .created_at = now,
                            .expires_at = now + settings_.esia_sign_in_ttl};
  ASSIGN_OR_RETURN(std::string url, government_->AuthorizationUrl(request.state, request.nonce));
  RETURN_IF_ERROR(
      store_.Transact([&](IdentityTransaction& tx) { return tx.InsertEsiaSignIn(request); }));
  return EsiaStart{.authorization_url = std::move(url),
                   .state = request.state,
                   .expires_at = request.expires_at};
}

absl::StatusOr<EsiaSignIn> Identity::CompleteEsiaSignIn(const EsiaReturn& input) {
  if (government_ == nullptr) return NotConfigured();
  if (!IsUuid(input.state)) return StateUnknown();
  if (input.error.empty() && input.code.empty()) {
    return InvalidArgument("CODE_REQUIRED", "give the code the provider sent back");
  }
  if (input.code.size() > 4096 || input.error.size() > 200 ||
      input.error_description.size() > 2000) {
    return InvalidArgument("INVALID_ESIA_RETURN", "the provider's answer is too long");
  }
  if (Utf8Length(input.device) < 0 || input.device.size() > 200) {
    return InvalidArgument("INVALID_DEVICE", "the device name must be UTF-8, up to 200 bytes");
  }
  // The state is spent whatever follows: a code is good for one try.
  std::optional<EsiaSignInRequest> request;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(request, tx.TakeEsiaSignIn(input.state));
    return absl::OkStatus();
  }));
  if (!request || request->expires_at <= clock_.Now()) return StateUnknown();
  if (!input.error.empty()) {
    return PermissionDenied("ESIA_DENIED", absl::StrCat("ESIA answered ", input.error,
                                                        input.error_description.empty() ? "" : ": ",
                                                        input.error_description));
  }
  ASSIGN_OR_RETURN(const ProviderPerson person, government_->Complete(input.code, request->nonce));

  Account account;
  bool created = false;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    const absl::Time now = clock_.Now();
    created = false;
    RETURN_IF_ERROR(tx.LockEsiaPerson(person.oid));
    ASSIGN_OR_RETURN(std::optional<Account> found, tx.FindAccountByEsiaOid(person.oid));
    if (!found) {
      account = Account{.id = ids_.NewId(),
                        .display_name = DisplayNameOf(person),
                        .verification = person.trusted ? VerificationLevel::kGovernmentVerified
                                                       : VerificationLevel::kNone,
                        .esia_oid = person.oid,
                        .esia_trusted = person.trusted,
                        .created_at = now};
      created = true;
      return tx.InsertAccount(account);
    }
    account = *std::move(found);
    const VerificationLevel level = LevelWith(account, person);
    if (account.esia_trusted != person.trusted) {
      RETURN_IF_ERROR(tx.SetEsiaLink(account.id, person.oid, person.trusted, now));
      account.esia_trusted = person.trusted;
    }
    if (level != account.verification) {
      RETURN_IF_ERROR(tx.SetVerification(account.id, level, now));
      account.verification = level;
    }
    return absl::OkStatus();
  }));
  if (account.state != AccountState::kActive) {
    return Unauthenticated("ACCOUNT_LOCKED", "the account is locked");
  }
  ASSIGN_OR_RETURN(IssuedTokens tokens,
                   OpenSession(account, input.device, input.client_address,
                               [](IdentityTransaction&) { return absl::OkStatus(); }));
  log::Info("esia sign-in")
      .With("account_id", account.id)
      .With("created", created ? "yes" : "no")
      .With("trusted", person.trusted ? "yes" : "no");
  return EsiaSignIn{.tokens = std::move(tokens), .account = std::move(account), .created = created};
}

}  // namespace parta::identity
