// Sign-in through ESIA (Госуслуги): a sign-in starts here with a fresh state, nonce and verifier,
// the person signs in at the provider and comes back with a code, which the client that started
// brings here with its verifier. The code is exchanged for the person's identity (esia/), who is
// then found by his ESIA oid or given a new account; linking ties the caller's own account
// instead. The account is government-verified while the provider vouches for the person (a
// confirmed account), besides whatever Parta gave it itself; an e-mail or phone the provider
// knows never joins an existing account by itself.

#include <openssl/evp.h>

#include "absl/strings/escaping.h"
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
                         "the ESIA sign-in is unknown, finished, expired or started elsewhere: "
                         "start again");
}

std::string VerifierHash(absl::string_view verifier) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(verifier.data(), verifier.size(), digest, &length, EVP_sha256(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), length));
}

// The name an account made by an ESIA sign-in starts with: "Имя Фамилия".
std::string DisplayNameOf(const ProviderPerson& person) {
  absl::StatusOr<std::string> normalized =
      NormalizeDisplayName(absl::StrCat(person.first_name, " ", person.last_name));
  if (normalized.ok()) return *normalized;
  return "Пользователь Госуслуг";
}

// The person's SNILS as 11 digits, or "" when the provider gave none or one whose check number
// is wrong (said in the log, never the number).
std::string SnilsOf(const ProviderPerson& person) {
  if (person.snils.empty()) return "";
  absl::StatusOr<std::string> digits = NormalizeSnils(person.snils);
  if (!digits.ok()) {
    log::Warning("ESIA gave a SNILS that does not check out; not kept")
        .With("reason", ReasonOf(digits.status()));
    return "";
  }
  return *std::move(digits);
}

}  // namespace

absl::StatusOr<EsiaStart> Identity::StartEsia(const std::string& account_id) {
  if (government_ == nullptr) return NotConfigured();
  const absl::Time now = clock_.Now();
  std::string verifier = Base64UrlEncode(RandomBytes(24));
  EsiaSignInRequest request{.state = NewUuidV7(now),
                            .nonce = Base64UrlEncode(RandomBytes(24)),
                            .account_id = account_id,
                            .verifier_hash = VerifierHash(verifier),
                            .created_at = now,
                            .expires_at = now + settings_.esia_sign_in_ttl};
  ASSIGN_OR_RETURN(std::string url, government_->AuthorizationUrl(request.state, request.nonce));
  RETURN_IF_ERROR(
      store_.Transact([&](IdentityTransaction& tx) { return tx.InsertEsiaSignIn(request); }));
  return EsiaStart{.authorization_url = std::move(url),
                   .state = request.state,
                   .verifier = std::move(verifier),
                   .expires_at = request.expires_at};
}

absl::StatusOr<Identity::EsiaArrival> Identity::ArriveFromEsia(const EsiaReturn& input,
                                                               const std::string& account_id) {
  if (government_ == nullptr) return NotConfigured();
  if (!IsUuid(input.state) || input.verifier.empty() || input.verifier.size() > 100) {
    return StateUnknown();
  }
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
  // Spent once its starter brings it back, whatever follows: a code is good for one try. A
  // return without the verifier, or someone else's link, leaves it alone.
  std::optional<EsiaSignInRequest> request;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(request,
                     tx.TakeEsiaSignIn(input.state, VerifierHash(input.verifier), account_id));
    return absl::OkStatus();
  }));
  if (!request || request->expires_at <= clock_.Now()) return StateUnknown();
  if (!input.error.empty()) {
    return PermissionDenied("ESIA_DENIED", absl::StrCat("ESIA answered ", input.error,
                                                        input.error_description.empty() ? "" : ": ",
                                                        input.error_description));
  }
  ASSIGN_OR_RETURN(ProviderPerson person, government_->Complete(input.code, request->nonce));
  return EsiaArrival{.request = *std::move(request), .person = std::move(person)};
}

absl::StatusOr<EsiaStart> Identity::StartEsiaSignIn() { return StartEsia(""); }

absl::StatusOr<EsiaSignIn> Identity::CompleteEsiaSignIn(const EsiaReturn& input) {
  ASSIGN_OR_RETURN(const EsiaArrival arrival, ArriveFromEsia(input, ""));
  const ProviderPerson& person = arrival.person;
  const std::string snils = SnilsOf(person);
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
                        .esia_oid = person.oid,
                        .esia_trusted = person.trusted,
                        .created_at = now};
      SettleVerification(account);
      created = true;
      RETURN_IF_ERROR(tx.InsertAccount(account));
    } else {
      account = *std::move(found);
      RETURN_IF_ERROR(RequireActive(account));
      if (account.esia_trusted != person.trusted) {
        RETURN_IF_ERROR(tx.SetEsiaLink(account.id, person.oid, person.trusted, now));
        account.esia_trusted = person.trusted;
        SettleVerification(account);
      }
    }
    // The provider's word on the SNILS and the children is the latest: kept (or forgotten) at
    // every sign-in.
    RETURN_IF_ERROR(tx.SetSnils(account.id, snils));
    if (person.children) {
      RETURN_IF_ERROR(tx.SetEsiaChildren(account.id, *person.children));
    }
    account.snils_masked = MaskSnils(snils);
    return absl::OkStatus();
  }));
  RETURN_IF_ERROR(RequireActive(account));
  ASSIGN_OR_RETURN(IssuedTokens tokens,
                   OpenSession(account, input.device, input.client_address,
                               [](IdentityTransaction&) { return absl::OkStatus(); }));
  log::Info("esia sign-in")
      .With("account_id", account.id)
      .With("created", created ? "yes" : "no")
      .With("trusted", person.trusted ? "yes" : "no");
  return EsiaSignIn{.tokens = std::move(tokens), .account = std::move(account), .created = created};
}

absl::StatusOr<EsiaStart> Identity::StartEsiaLink(const auth::Claims& caller) {
  if (government_ == nullptr) return NotConfigured();
  ASSIGN_OR_RETURN(const Account account, ActiveAccount(caller));
  if (account.guest) {
    return FailedPrecondition("GUEST_ACCOUNT", "a guest's account cannot be tied to ESIA");
  }
  return StartEsia(account.id);
}

absl::StatusOr<Account> Identity::CompleteEsiaLink(const auth::Claims& caller,
                                                   const EsiaReturn& input) {
  ASSIGN_OR_RETURN(Account account, ActiveAccount(caller));
  ASSIGN_OR_RETURN(const EsiaArrival arrival, ArriveFromEsia(input, account.id));
  const ProviderPerson& person = arrival.person;
  const std::string snils = SnilsOf(person);
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.LockEsiaPerson(person.oid));
    ASSIGN_OR_RETURN(std::optional<Account> holder, tx.FindAccountByEsiaOid(person.oid));
    if (holder && holder->id != account.id) {
      return AlreadyExists("ESIA_ALREADY_LINKED",
                           "this ESIA person is tied to another account already");
    }
    RETURN_IF_ERROR(tx.SetEsiaLink(account.id, person.oid, person.trusted, clock_.Now()));
    RETURN_IF_ERROR(tx.SetSnils(account.id, snils));
    if (person.children) {
      RETURN_IF_ERROR(tx.SetEsiaChildren(account.id, *person.children));
    }
    ASSIGN_OR_RETURN(std::optional<Account> linked, tx.FindAccount(account.id));
    if (!linked) return NotFound("ACCOUNT_NOT_FOUND", "the account does not exist");
    account = *std::move(linked);
    return absl::OkStatus();
  }));
  log::Info("esia linked")
      .With("account_id", account.id)
      .With("trusted", person.trusted ? "yes" : "no");
  return account;
}

absl::StatusOr<Account> Identity::UnlinkEsia(const auth::Claims& caller) {
  ASSIGN_OR_RETURN(Account account, ActiveAccount(caller));
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    // Under the person's lock, so that a sign-in of the same person finishes before or starts
    // after (and then finds no account tied to him).
    if (!account.esia_oid.empty()) {
      RETURN_IF_ERROR(tx.LockEsiaPerson(account.esia_oid));
    }
    ASSIGN_OR_RETURN(std::optional<Account> current, tx.FindAccount(account.id));
    if (!current) return NotFound("ACCOUNT_NOT_FOUND", "the account does not exist");
    account = *std::move(current);
    if (account.esia_oid.empty()) {
      return FailedPrecondition("ESIA_NOT_LINKED", "the account is not tied to ESIA");
    }
    if (account.email.empty() && account.phone.empty() && account.username.empty()) {
      return FailedPrecondition("LAST_SIGN_IN_METHOD",
                                "ESIA is the account's only way in: add an e-mail or phone first");
    }
    RETURN_IF_ERROR(tx.SetEsiaLink(account.id, "", false, clock_.Now()));
    // They came with the tie, and go with it.
    RETURN_IF_ERROR(tx.SetSnils(account.id, ""));
    RETURN_IF_ERROR(tx.SetEsiaChildren(account.id, {}));
    account.snils_masked.clear();
    account.esia_oid.clear();
    account.esia_trusted = false;
    SettleVerification(account);
    return absl::OkStatus();
  }));
  log::Info("esia unlinked").With("account_id", account.id);
  return account;
}

namespace {

absl::Status NotGovernmentVerified() {
  return FailedPrecondition("NOT_GOVERNMENT_VERIFIED",
                            "the account is not tied to a confirmed ESIA person");
}

}  // namespace

absl::StatusOr<std::vector<ProviderChild>> Identity::ListEsiaChildren(
    const auth::Claims& caller) {
  ASSIGN_OR_RETURN(const Account account, ActiveAccount(caller));
  if (account.esia_oid.empty() || !account.esia_trusted) return NotGovernmentVerified();
  std::vector<ProviderChild> children;
  RETURN_IF_ERROR(store_.Read([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(children, tx.ListEsiaChildren(account.id));
    return absl::OkStatus();
  }));
  return children;
}

absl::StatusOr<ProviderChild> Identity::GetEsiaChild(absl::string_view account_id,
                                                     absl::string_view child_id) {
  std::optional<Account> account;
  std::vector<ProviderChild> children;
  RETURN_IF_ERROR(store_.Read([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(account, tx.FindAccount(account_id));
    if (!account) return absl::OkStatus();
    ASSIGN_OR_RETURN(children, tx.ListEsiaChildren(account->id));
    return absl::OkStatus();
  }));
  if (!account || account->state != AccountState::kActive || account->esia_oid.empty() ||
      !account->esia_trusted) {
    return NotGovernmentVerified();
  }
  for (ProviderChild& child : children) {
    if (child.oid == child_id) return std::move(child);
  }
  return NotFound("ESIA_CHILD_NOT_FOUND", "ESIA lists no such child of the person");
}

}  // namespace parta::identity
