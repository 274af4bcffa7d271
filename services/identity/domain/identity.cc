#include "services/identity/domain/service_scopes.h"
#include "services/identity/domain/identity.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/auth/certificate.h"
#include "libs/core/log.h"
#include "libs/core/page_token.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "services/identity/domain/validation.h"

namespace parta::identity {
namespace {

absl::Status InvalidCredentials() {
  return Unauthenticated("INVALID_CREDENTIALS", "wrong login or password");
}

absl::Status InvalidRefreshToken() {
  return Unauthenticated("INVALID_REFRESH_TOKEN", "the refresh token is not valid");
}

// The schools an API client is limited to: UUIDs, lower case, sorted, each once.
absl::StatusOr<std::vector<std::string>> ClientSchoolIds(std::vector<std::string> ids) {
  // They travel in every token of the client, which services take up to 8 KiB.
  if (ids.size() > 100) return InvalidArgument("INVALID_SCHOOL_ID", "at most 100 schools");
  for (std::string& id : ids) {
    absl::AsciiStrToLower(&id);
    if (!IsUuid(id)) return InvalidArgument("INVALID_SCHOOL_ID", "a school id is a UUID");
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// The regions an API client is limited to: two-digit codes, sorted, each once.
absl::StatusOr<std::vector<std::string>> ClientRegionCodes(std::vector<std::string> codes) {
  if (codes.size() > 100) return InvalidArgument("INVALID_REGION_CODE", "at most 100 regions");
  for (const std::string& code : codes) {
    if (code.size() != 2 || !absl::ascii_isdigit(static_cast<unsigned char>(code[0])) ||
        !absl::ascii_isdigit(static_cast<unsigned char>(code[1]))) {
      return InvalidArgument("INVALID_REGION_CODE", "a region code is two digits, as \"77\"");
    }
  }
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  return codes;
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// ListSessions pages: this many sessions by default, at most kMaxSessionsPage.
constexpr int kDefaultSessionsPage = 50;
constexpr int kMaxSessionsPage = 100;
constexpr absl::string_view kSessionsList = "sessions";

// Whole seconds, as tokens carry them: a re-issued token then matches the first one exactly.
absl::Time TruncateToSeconds(absl::Time t) { return absl::FromUnixSeconds(absl::ToUnixSeconds(t)); }

// CreateGuestSession: how long a guest's session may last.
constexpr absl::Duration kMinGuestLifetime = absl::Minutes(1);
constexpr absl::Duration kMaxGuestLifetime = absl::Hours(24);

}  // namespace

Identity::Identity(IdentityStore& store, auth::PasswordHasher& hasher, KeyRing& keys,
                   const RefreshTokenCodec& refresh_tokens, const Clock& clock, IdGenerator& ids,
                   IdentitySettings settings, GovernmentProvider* government)
    : store_(store),
      government_(government),
      hasher_(hasher),
      keys_(keys),
      refresh_tokens_(refresh_tokens),
      clock_(clock),
      ids_(ids),
      settings_(std::move(settings)),
      address_throttle_(settings_.login_protection),
      reset_address_throttle_(LoginProtectionPolicy{
          .address_burst = settings_.password_reset.address_burst,
          .address_refill_per_second = settings_.password_reset.address_per_second}) {}

absl::Time Identity::RefreshExpiry(absl::Time now, const Session& session) const {
  absl::Time expires_at = now + settings_.refresh_token_ttl;
  if (session.expires_at) expires_at = std::min(expires_at, *session.expires_at);
  return expires_at;
}

absl::StatusOr<Account> Identity::Register(const RegisterInput& input) {
  return CreateAccount(input, /*is_operator=*/false);
}

absl::StatusOr<Account> Identity::GrantOperator(absl::string_view login,
                                                RegisterInput input_if_missing) {
  ASSIGN_OR_RETURN(std::string normalized, NormalizeLogin(login));
  bool is_email = absl::StrContains(normalized, '@');
  input_if_missing.email = is_email ? normalized : "";
  input_if_missing.phone = is_email ? "" : normalized;
  std::optional<Account> account;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(account, tx.FindAccountByLogin(normalized));
    if (account) {
      account->is_operator = true;
      return tx.SetOperator(account->id, true);
    }
    return absl::OkStatus();
  }));
  if (account) {
    log::Info("operator granted").With("account_id", account->id);
    return *std::move(account);
  }
  return CreateAccount(input_if_missing, /*is_operator=*/true);
}

absl::StatusOr<Account> Identity::CreateAccount(const RegisterInput& input, bool is_operator) {
  Account account;
  account.is_operator = is_operator;
  if (input.email.empty() == input.phone.empty()) {
    return InvalidArgument("LOGIN_REQUIRED", "give exactly one of an e-mail and a phone number");
  }
  if (!input.email.empty()) {
    ASSIGN_OR_RETURN(account.email, NormalizeEmail(input.email));
  } else {
    ASSIGN_OR_RETURN(account.phone, NormalizePhone(input.phone));
  }
  ASSIGN_OR_RETURN(account.display_name, NormalizeDisplayName(input.display_name));
  RETURN_IF_ERROR(
      CheckPasswordStrength(input.password, {account.email, account.phone, account.display_name}));
  ASSIGN_OR_RETURN(account.password_hash, hasher_.Hash(input.password));
  account.id = ids_.NewId();
  account.created_at = clock_.Now();
  RETURN_IF_ERROR(
      store_.Transact([&](IdentityTransaction& tx) { return tx.InsertAccount(account); }));
  log::Info("account registered").With("account_id", account.id);
  return account;
}

absl::Status Identity::AdmitPasswordAttempt(
    const std::string& login_key, const std::string& address,
    const std::function<absl::Status(IdentityTransaction&)>& also) {
  absl::Time now = clock_.Now();
  absl::Duration address_wait = address_throttle_.WaitFor(address, now);
  if (address_wait > absl::ZeroDuration()) {
    return WithRetryAfter(
        ResourceExhausted("ADDRESS_THROTTLED", "too many failed logins from this address; wait"),
        address_wait);
  }
  if (login_key.empty()) return absl::OkStatus();
  std::optional<absl::Duration> wait;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    wait.reset();
    if (also) RETURN_IF_ERROR(also(tx));
    ASSIGN_OR_RETURN(LoginFailures failures, tx.LockLoginFailures(login_key));
    if (failures.blocked_until > now) {
      wait = failures.blocked_until - now;
      return absl::OkStatus();
    }
    std::optional<LoginFailures> previous;
    if (failures.failures > 0) previous = failures;
    return tx.SaveLoginFailures(login_key,
                                NextLoginFailure(previous, now, settings_.login_protection));
  }));
  if (wait) {
    return WithRetryAfter(
        ResourceExhausted("LOGIN_THROTTLED", "too many failed attempts for this login; wait"),
        *wait);
  }
  return absl::OkStatus();
}

absl::StatusOr<Identity::Authenticated> Identity::Authenticate(const LoginInput& input) {
  absl::StatusOr<std::string> normalized = NormalizeLogin(input.login);
  // Throttling is keyed by login whether or not an account has it, so it reveals nothing.
  // What is not even a login is left to the address limit.
  std::string login_key = normalized.ok() ? *normalized : "";
  std::optional<Account> account;
  RETURN_IF_ERROR(AdmitPasswordAttempt(
      login_key, input.client_address, [&](IdentityTransaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(account, tx.FindAccountByLogin(login_key));
        return absl::OkStatus();
      }));
  bool matches = false;
  if (!account || account->state == AccountState::kDeleted || account->password_hash.empty()) {
    // An unknown login (or a managed account that has no password yet) costs one hash too, so
    // it looks like a wrong password from outside.
    RETURN_IF_ERROR(hasher_.VerifyDummy(input.password));
  } else {
    ASSIGN_OR_RETURN(matches, hasher_.Verify(account->password_hash, input.password));
  }
  if (!matches) {
    address_throttle_.RecordFailure(input.client_address, clock_.Now());
    return InvalidCredentials();
  }
  RETURN_IF_ERROR(RequireActive(*account));
  return Authenticated{*std::move(account), std::move(login_key)};
}

absl::StatusOr<IssuedTokens> Identity::Login(const LoginInput& input) {
  if (input.login.empty()) return InvalidArgument("LOGIN_REQUIRED", "give a login");
  if (input.login.size() > 512) return InvalidCredentials();
  if (input.password.empty()) return InvalidArgument("PASSWORD_REQUIRED", "give a password");
  if (input.password.size() > 1024) return InvalidCredentials();
  if (Utf8Length(input.device) < 0 || input.device.size() > 200) {
    return InvalidArgument("INVALID_DEVICE", "the device name must be UTF-8, up to 200 bytes");
  }
  ASSIGN_OR_RETURN(Authenticated authenticated, Authenticate(input));
  // The attempt was counted as failed until now: a success clears the login's record.
  return OpenSession(
      authenticated.account, input.device, input.client_address,
      [&](IdentityTransaction& tx) { return tx.ClearLoginFailures(authenticated.login_key); });
}

absl::StatusOr<IssuedTokens> Identity::OpenSession(
    const Account& account, const std::string& device, const std::string& client_address,
    const std::function<absl::Status(IdentityTransaction&)>& also,
    std::optional<absl::Duration> lifetime) {
  absl::Time now = TruncateToSeconds(clock_.Now());
  ASSIGN_OR_RETURN(KeyRing::Signer signer, keys_.CurrentSigner());
  Session session{.id = ids_.NewId(),
                  .account_id = account.id,
                  .device = device,
                  .client_address = client_address,
                  .created_at = now,
                  .last_used_at = now};
  if (lifetime) session.expires_at = TruncateToSeconds(now + *lifetime);
  std::string refresh_token = refresh_tokens_.NewToken();
  RefreshToken record{.token_hash = RefreshTokenCodec::Hash(refresh_token),
                      .session_id = session.id,
                      .issued_at = now,
                      .expires_at = RefreshExpiry(now, session),
                      .access_key_id = signer.kid};
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    RETURN_IF_ERROR(also(tx));
    RETURN_IF_ERROR(tx.InsertSession(session));
    return tx.InsertRefreshToken(record);
  }));
  log::Info("login").With("account_id", account.id).With("session_id", session.id);
  return IssuePair(account, session.id, refresh_token, record);
}

absl::StatusOr<IssuedTokens> Identity::Refresh(absl::string_view presented) {
  if (presented.empty()) {
    return InvalidArgument("REFRESH_TOKEN_REQUIRED", "give the refresh token");
  }
  if (presented.size() > 128) return InvalidRefreshToken();
  const std::string presented_hash = RefreshTokenCodec::Hash(presented);
  const std::string successor = refresh_tokens_.Successor(presented);
  const std::string successor_hash = RefreshTokenCodec::Hash(successor);

  enum class Outcome { kIssued, kReused };
  Outcome outcome = Outcome::kIssued;
  std::optional<Account> account;
  RefreshToken issued;
  std::string session_id;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    outcome = Outcome::kIssued;
    absl::Time now = TruncateToSeconds(clock_.Now());
    ASSIGN_OR_RETURN(std::optional<RefreshToken> token, tx.LockRefreshToken(presented_hash));
    if (!token) return InvalidRefreshToken();
    session_id = token->session_id;
    ASSIGN_OR_RETURN(std::optional<Session> session, tx.FindSession(token->session_id));
    if (!session || session->revoked_at) {
      return Unauthenticated("SESSION_REVOKED", "the session has ended");
    }
    if (token->expires_at <= now || (session->expires_at && *session->expires_at <= now)) {
      return Unauthenticated("REFRESH_TOKEN_EXPIRED", "the refresh token has expired");
    }
    ASSIGN_OR_RETURN(account, tx.FindAccount(session->account_id));
    if (!account || account->state != AccountState::kActive) {
      return Unauthenticated("SESSION_REVOKED", "the account cannot sign in");
    }
    if (!token->rotated_at) {
      ASSIGN_OR_RETURN(KeyRing::Signer signer, keys_.CurrentSigner());
      issued = RefreshToken{.token_hash = successor_hash,
                            .session_id = session->id,
                            .issued_at = now,
                            .expires_at = RefreshExpiry(now, *session),
                            .access_key_id = signer.kid};
      RETURN_IF_ERROR(tx.MarkRefreshTokenRotated(presented_hash, now));
      RETURN_IF_ERROR(tx.InsertRefreshToken(issued));
      return tx.TouchSession(session->id, now);
    }
    // Spent already. Within the grace period (two tabs, a mobile retry) the same successor is
    // handed out again, as long as the successor itself is still unspent.
    ASSIGN_OR_RETURN(std::optional<RefreshToken> next, tx.FindRefreshToken(successor_hash));
    if (now - *token->rotated_at <= settings_.refresh_grace && next && !next->rotated_at) {
      issued = *next;
      return absl::OkStatus();
    }
    // Reuse of a spent token: someone else may hold it. End the whole session (committed even
    // though the call fails).
    outcome = Outcome::kReused;
    return tx.RevokeSession(session->id, now, "refresh_token_reused");
  }));
  if (outcome == Outcome::kReused) {
    log::Warning("refresh token reused; session revoked").With("session_id", session_id);
    return Unauthenticated("REFRESH_TOKEN_REUSED",
                           "the refresh token was already used; sign in again");
  }
  return IssuePair(*account, session_id, successor, issued);
}

absl::Status Identity::Logout(const auth::Claims& caller) {
  absl::Time now = clock_.Now();
  return store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Session> session, tx.FindSession(caller.session_id));
    if (!session || session->account_id != caller.subject) {
      return Unauthenticated("SESSION_REVOKED", "the session has ended");
    }
    return tx.RevokeSession(session->id, now, "logout");
  });
}

absl::StatusOr<Account> Identity::ActiveAccount(const auth::Claims& caller) {
  std::optional<Account> account;
  RETURN_IF_ERROR(store_.Read([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(account, tx.FindAccount(caller.subject));
    return absl::OkStatus();
  }));
  if (!account || account->state == AccountState::kDeleted) {
    return NotFound("ACCOUNT_NOT_FOUND", "the account does not exist");
  }
  RETURN_IF_ERROR(RequireActive(*account));
  return *std::move(account);
}

absl::StatusOr<Account> Identity::GetMe(const auth::Claims& caller) {
  return ActiveAccount(caller);
}

absl::StatusOr<Account> Identity::UpdateDisplayName(const auth::Claims& caller,
                                                    absl::string_view display_name) {
  ASSIGN_OR_RETURN(std::string name, NormalizeDisplayName(display_name));
  ASSIGN_OR_RETURN(Account account, ActiveAccount(caller));
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) {
    return tx.UpdateDisplayName(account.id, name, clock_.Now());
  }));
  account.display_name = name;
  return account;
}

absl::StatusOr<SessionPage> Identity::ListSessions(const auth::Claims& caller, int page_size,
                                                   absl::string_view page_token) {
  ASSIGN_OR_RETURN(int limit, PageSize(page_size, kDefaultSessionsPage, kMaxSessionsPage));
  ASSIGN_OR_RETURN(std::vector<std::string> key,
                   DecodePageToken(page_token, kSessionsList, caller.subject, 2));
  std::optional<SessionKey> before;
  if (!key.empty()) {
    int64_t micros = 0;
    if (!absl::SimpleAtoi(key[0], &micros) || !IsUuid(key[1])) return InvalidPageToken();
    before = SessionKey{.created_at = absl::FromUnixMicros(micros), .id = key[1]};
  }
  SessionPage page;
  RETURN_IF_ERROR(store_.Read([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(page.sessions, tx.ListActiveSessions(caller.subject, before, limit + 1));
    return absl::OkStatus();
  }));
  if (static_cast<int>(page.sessions.size()) > limit) {
    page.sessions.resize(limit);
    const Session& last = page.sessions.back();
    page.next_page_token =
        EncodePageToken(kSessionsList, caller.subject,
                        {absl::StrCat(absl::ToUnixMicros(last.created_at)), last.id});
  }
  return page;
}

absl::Status Identity::RevokeSession(const auth::Claims& caller, absl::string_view session_id) {
  return store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Session> session, tx.FindSession(session_id));
    // Another person's session looks exactly like a missing one.
    if (!session || session->account_id != caller.subject || session->revoked_at) {
      return NotFound("SESSION_NOT_FOUND", "no such session");
    }
    return tx.RevokeSession(session->id, clock_.Now(), "revoked_by_owner");
  });
}

absl::StatusOr<int> Identity::ChangePassword(const auth::Claims& caller, absl::string_view current,
                                             absl::string_view replacement,
                                             const std::string& client_address) {
  ASSIGN_OR_RETURN(Account account, ActiveAccount(caller));
  if (account.guest) {
    return FailedPrecondition("GUEST_ACCOUNT", "a guest account has no password");
  }
  // A stolen token must not become an unlimited password oracle: the same limits as Login.
  std::string login_key = !account.email.empty()   ? account.email
                          : !account.phone.empty() ? account.phone
                                                   : account.username;
  RETURN_IF_ERROR(AdmitPasswordAttempt(login_key, client_address));
  ASSIGN_OR_RETURN(bool matches, hasher_.Verify(account.password_hash, current));
  if (!matches) {
    address_throttle_.RecordFailure(client_address, clock_.Now());
    return Unauthenticated("WRONG_PASSWORD", "the current password is wrong");
  }
  RETURN_IF_ERROR(
      CheckPasswordStrength(replacement, {account.email, account.phone, account.display_name}));
  ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(replacement));
  int revoked = 0;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    absl::Time now = clock_.Now();
    RETURN_IF_ERROR(tx.ClearLoginFailures(login_key));
    RETURN_IF_ERROR(tx.UpdatePassword(account.id, hash, now));
    ASSIGN_OR_RETURN(
        revoked, tx.RevokeOtherSessions(account.id, caller.session_id, now, "password_changed"));
    return absl::OkStatus();
  }));
  log::Info("password changed").With("account_id", account.id).With("revoked", revoked);
  return revoked;
}

absl::StatusOr<NewApiClient> Identity::CreateApiClient(const auth::Claims& caller,
                                                       const ApiClientRequest& request,
                                                       const RetryKey& retry) {
  if (!caller.is_operator) {
    return PermissionDenied("OPERATOR_ONLY", "only platform operators register API clients");
  }
  return RegisterApiClient(request, caller.subject, retry);
}

absl::StatusOr<NewApiClient> Identity::CreateServiceClient(absl::string_view service) {
  auto it = ServiceScopes().find(service);
  if (it == ServiceScopes().end()) {
    return InvalidArgument("UNKNOWN_SERVICE",
                           absl::StrCat("no Parta service named \"", service,
                                        "\" calls the others (directory, messaging, signaling do)"));
  }
  return RegisterApiClient(
      {.display_name = absl::StrCat("Parta ", service), .scopes = it->second}, "", {});
}

absl::StatusOr<NewApiClient> Identity::RegisterApiClient(const ApiClientRequest& request,
                                                         const std::string& created_by,
                                                         const RetryKey& retry) {
  ASSIGN_OR_RETURN(std::string name, NormalizeDisplayName(request.display_name));
  const std::vector<std::string>& scopes = request.scopes;
  if (scopes.empty()) return InvalidArgument("INVALID_SCOPE", "give at least one scope");
  for (const std::string& scope : scopes) {
    if (!GrantableScope(scope)) {
      return InvalidArgument("INVALID_SCOPE",
                             "a scope is an RPC's declared scope (service.what.verb, lower case); "
                             "parta.internal is no longer granted");
    }
  }
  NewApiClient created{.client_id = ids_.NewId(), .client_secret = refresh_tokens_.NewToken()};
  ApiClient client{.id = created.client_id,
                   .display_name = name,
                   .secret_hash = RefreshTokenCodec::Hash(created.client_secret),
                   .scopes = scopes,
                   .created_by = created_by,
                   .created_at = clock_.Now()};
  ASSIGN_OR_RETURN(client.school_ids, ClientSchoolIds(request.school_ids));
  ASSIGN_OR_RETURN(client.region_codes, ClientRegionCodes(request.region_codes));
  if (!client.school_ids.empty() || !client.region_codes.empty()) {
    for (const std::string& scope : scopes) {
      if (!SchoolCheckedScope(scope)) {
        return InvalidArgument(
            "INVALID_SCOPE",
            absl::StrCat("a client limited to schools holds only scopes whose RPCs check the "
                         "school (directory.events.read, directory.roster.sync, "
                         "messaging.journal_notices.post), not ",
                         scope));
      }
    }
  }
  if (!request.client_certificate.empty()) {
    ASSIGN_OR_RETURN(auth::CertificateFacts certificate,
                     auth::ReadPemCertificate(request.client_certificate));
    client.certificate_thumbprint = certificate.thumbprint;
    client.certificate_not_after = certificate.not_after;
  }
  // The answer of a retry: the first call's client id and secret (a secret is base64url, no
  // spaces).
  std::optional<NewApiClient> first_call;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    first_call.reset();
    ASSIGN_OR_RETURN(
        std::optional<std::string> first,
        tx.ClaimRequest(created_by, "CreateApiClient", retry,
                        absl::StrCat(created.client_id, " ", created.client_secret), clock_.Now()));
    if (first) {
      std::pair<std::string, std::string> answer = absl::StrSplit(*first, absl::MaxSplits(' ', 1));
      first_call = NewApiClient{.client_id = answer.first, .client_secret = answer.second};
      return absl::OkStatus();
    }
    return tx.InsertApiClient(client);
  }));
  if (first_call) return *std::move(first_call);
  log::Info("api client created").With("client_id", client.id).With("by", created_by);
  return created;
}

absl::StatusOr<IssuedServiceToken> Identity::IssueServiceToken(
    absl::string_view client_id, absl::string_view client_secret,
    const std::vector<std::string>& scopes, absl::string_view presented_certificate) {
  auto invalid = [] { return Unauthenticated("INVALID_CLIENT", "unknown client or wrong secret"); };
  if (client_secret.size() > 128) return invalid();
  std::optional<ApiClient> client;
  RETURN_IF_ERROR(store_.Read([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(client, tx.FindApiClient(client_id));
    return absl::OkStatus();
  }));
  std::string presented = RefreshTokenCodec::Hash(client_secret);
  if (!client || client->disabled || !ConstantTimeEquals(presented, client->secret_hash)) {
    return invalid();
  }
  // Checked after the secret, so that the answer tells nothing of a client one cannot name.
  if (!client->certificate_thumbprint.empty()) {
    if (presented_certificate.empty()) {
      return Unauthenticated("CLIENT_CERTIFICATE_REQUIRED",
                             "this client is bound to a certificate: call over mutual TLS");
    }
    if (!ConstantTimeEquals(presented_certificate, client->certificate_thumbprint)) {
      return Unauthenticated("CLIENT_CERTIFICATE_MISMATCH",
                             "the connection presented another client's certificate");
    }
  }
  std::vector<std::string> granted = scopes.empty() ? client->scopes : scopes;
  for (const std::string& scope : granted) {
    if (std::find(client->scopes.begin(), client->scopes.end(), scope) == client->scopes.end()) {
      return PermissionDenied("SCOPE_NOT_ALLOWED", "the client may not have this scope");
    }
  }
  ASSIGN_OR_RETURN(KeyRing::Signer signer, keys_.CurrentSigner());
  absl::Time now = TruncateToSeconds(clock_.Now());
  auth::Claims claims{.issuer = settings_.issuer,
                      .audience = settings_.audience,
                      .subject = client->id,
                      .client_id = client->id,
                      .client_name = client->display_name,
                      .token_id = ids_.NewId(),
                      .issued_at = now,
                      .not_before = now,
                      .expires_at = now + settings_.service_token_ttl,
                      .scopes = granted,
                      .certificate_thumbprint = client->certificate_thumbprint,
                      .school_ids = client->school_ids,
                      .region_codes = client->region_codes};
  return IssuedServiceToken{.access_token = auth::SignToken(signer.key, signer.kid, claims),
                            .expires_at = claims.expires_at,
                            .scopes = granted};
}

absl::StatusOr<int64_t> Identity::PurgeExpired() {
  int64_t deleted = 0;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(
        deleted, tx.PurgeExpired(clock_.Now(), settings_.refresh_token_ttl,
                                 settings_.login_protection.window, settings_.create_retry_window));
    ASSIGN_OR_RETURN(int64_t recovery,
                     tx.PurgeRecovery(clock_.Now(), settings_.password_reset.window,
                                      settings_.audit_retention));
    deleted += recovery;
    return absl::OkStatus();
  }));
  return deleted;
}

absl::StatusOr<Account> Identity::GetAccount(absl::string_view account_id) {
  std::optional<Account> account;
  RETURN_IF_ERROR(store_.Read([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(account, tx.FindAccount(account_id));
    return absl::OkStatus();
  }));
  if (!account) return NotFound("ACCOUNT_NOT_FOUND", "the account does not exist");
  return *std::move(account);
}

absl::StatusOr<GuestSession> Identity::CreateGuestSession(absl::string_view display_name,
                                                          absl::Duration valid_for) {
  Account account;
  ASSIGN_OR_RETURN(account.display_name, NormalizeDisplayName(display_name));
  if (valid_for < kMinGuestLifetime || valid_for > kMaxGuestLifetime) {
    return InvalidArgument("INVALID_VALID_FOR", "valid_for must be 1 minute to 24 hours");
  }
  account.id = ids_.NewId();
  account.guest = true;
  account.created_at = clock_.Now();
  // No login and an empty password hash, which no password verifies: a guest never signs in.
  ASSIGN_OR_RETURN(
      IssuedTokens tokens,
      OpenSession(
          account, /*device=*/"guest link", /*client_address=*/"",
          [&](IdentityTransaction& tx) { return tx.InsertAccount(account); }, valid_for));
  log::Info("guest session created")
      .With("account_id", account.id)
      .With("session_id", tokens.session_id);
  absl::Time expires_at = tokens.refresh_expires_at;
  return GuestSession{
      .account = std::move(account), .tokens = std::move(tokens), .expires_at = expires_at};
}

std::string Identity::SignAccessToken(const Account& account, absl::string_view session_id,
                                      absl::string_view token_id, absl::Time issued_at,
                                      absl::Time expires_at,
                                      const KeyRing::Signer& signer) const {
  auth::Claims claims;
  claims.issuer = settings_.issuer;
  claims.audience = settings_.audience;
  claims.subject = account.id;
  claims.session_id = std::string(session_id);
  claims.token_id = std::string(token_id);
  claims.issued_at = issued_at;
  claims.not_before = issued_at;
  claims.expires_at = expires_at;
  claims.is_operator = account.is_operator;
  return auth::SignToken(signer.key, signer.kid, claims);
}

absl::StatusOr<IssuedTokens> Identity::IssuePair(const Account& account,
                                                 absl::string_view session_id,
                                                 absl::string_view refresh_token,
                                                 const RefreshToken& record) const {
  ASSIGN_OR_RETURN(KeyRing::Signer signer, keys_.SignerById(record.access_key_id));
  // The token id is derived from the refresh token's hash: one access token per refresh token.
  std::string token_id = record.token_hash.substr(0, 32);
  // An access token never outlives its refresh token, so a guest's ends with his session.
  absl::Time access_expires_at =
      std::min(record.issued_at + settings_.access_token_ttl, record.expires_at);
  return IssuedTokens{
      .access_token = SignAccessToken(account, session_id, token_id, record.issued_at,
                                      access_expires_at, signer),
      .access_expires_at = access_expires_at,
      .refresh_token = std::string(refresh_token),
      .refresh_expires_at = record.expires_at,
      .session_id = std::string(session_id)};
}

}  // namespace parta::identity
