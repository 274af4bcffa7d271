#pragma once

// The entities of the identity service. No transport, no storage.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "libs/core/retry_key.h"

namespace parta::identity {

enum class AccountState { kActive, kLocked, kClosed, kDeleted };
enum class VerificationLevel { kNone, kSchoolConfirmed, kGovernmentVerified };

struct Account {
  std::string id;
  std::string email;         // normalised, empty when none
  std::string phone;         // E.164, empty when none
  std::string username;      // school-managed accounts: their login name, empty otherwise
  std::string external_key;  // school-managed accounts: the creator's key of the person
  std::string display_name;  // NFC
  AccountState state = AccountState::kActive;
  // How far the person is known (SettleVerification): the level Parta gave him itself
  // (`own_verification`: a school's confirmation, an operator), raised to government-verified
  // while his ESIA tie is trusted. An ESIA tie never takes away what Parta gave.
  VerificationLevel verification = VerificationLevel::kNone;
  VerificationLevel own_verification = VerificationLevel::kNone;
  bool is_operator = false;
  // Let into one call by a guest link: no login, no password, one session with an end.
  bool guest = false;
  // The ESIA person the account is tied to (the provider's oid), empty when none, and whether
  // the provider vouched for him last time (a confirmed account).
  std::string esia_oid;
  bool esia_trusted = false;
  // What the person is shown of the SNILS his ESIA tie brought ("***-***-*** 95"), or empty. The
  // number itself is kept sealed and never read back into an Account.
  std::string snils_masked;
  // argon2id encoded; never leaves the service. Empty (no password verifies) for a guest and for
  // a school-managed account before activation.
  std::string password_hash;
  absl::Time created_at;
};

// Sets `account.verification` from its own level and its ESIA tie.
inline void SettleVerification(Account& account) {
  account.verification = account.esia_trusted ? VerificationLevel::kGovernmentVerified
                                              : account.own_verification;
}

// A signed-in device. Its refresh tokens form one family: reuse of a spent one revokes it.
struct Session {
  std::string id;
  std::string account_id;
  std::string device;
  std::string client_address;
  absl::Time created_at;
  absl::Time last_used_at;
  std::optional<absl::Time> revoked_at;
  std::string revoke_reason;
  // When the session ends whatever its use (a guest's); none: it lasts while it is used.
  std::optional<absl::Time> expires_at;
};

// Where a session stands in the newest-first order of an account's sessions.
struct SessionKey {
  absl::Time created_at;
  std::string id;
};

// One refresh token of a session, stored by hash only.
struct RefreshToken {
  std::string token_hash;  // hex SHA-256 of the token
  std::string session_id;
  absl::Time issued_at;
  absl::Time expires_at;
  // The key that signed the access token issued together with this refresh token, so that a
  // retry within the grace period gets the very same pair back.
  std::string access_key_id;
  std::optional<absl::Time> rotated_at;
};

// What a successful Login or Refresh hands out.
struct IssuedTokens {
  std::string access_token;
  absl::Time access_expires_at;
  std::string refresh_token;
  absl::Time refresh_expires_at;
  std::string session_id;
};

// A guest account and the tokens of its one session, which ends at `expires_at`.
struct GuestSession {
  Account account;
  IssuedTokens tokens;
  absl::Time expires_at;
};

// An API client of the client-credentials grant (a Parta service, a regional system).
struct ApiClient {
  std::string id;
  std::string display_name;
  std::string secret_hash;  // hex SHA-256 of the secret
  std::vector<std::string> scopes;
  std::string created_by;  // operator's account id
  absl::Time created_at;
  absl::Time secret_changed_at;           // registration, or the last rotation
  std::optional<absl::Time> disabled_at;  // revoked then
  bool disabled = false;                  // disabled_at.has_value()
  // The bound client certificate (mutual TLS): its x5t#S256 thumbprint and expiry; none when
  // the thumbprint is empty.
  std::string certificate_thumbprint;
  std::optional<absl::Time> certificate_not_after;
  // The schools (ids) and regions (codes) it may touch; both empty: not limited.
  std::vector<std::string> school_ids;
  std::vector<std::string> region_codes;
};

struct IssuedServiceToken {
  std::string access_token;
  absl::Time expires_at;
  std::vector<std::string> scopes;
};

// A one-time login code of a school-managed account, stored by hash.
struct LoginCode {
  std::string account_id;
  std::string code_hash;  // hex SHA-256 of the normalised code
  absl::Time created_at;
  absl::Time expires_at;
};

// An ESIA sign-in started and not finished: what was sent to the provider, checked on return.
struct EsiaSignInRequest {
  std::string state;  // a UUID, the OAuth `state`
  std::string nonce;  // the OpenID Connect `nonce` the ID token must carry
  // Linking: the account the person started it from, the only one that may finish it. Empty for
  // a sign-in.
  std::string account_id;
  // Hex SHA-256 of the verifier handed to whoever started it (never in the provider's URL): a
  // return is finished only together with it, so a return URL that leaks or is planted on
  // someone else's browser opens nothing.
  std::string verifier_hash;
  absl::Time created_at;
  absl::Time expires_at;
};

// A one-time code that lets the owner of an e-mail or phone set a new password.
struct ResetCode {
  std::string account_id;
  std::string code_hash;  // hex SHA-256 of "<account id>:<code>"
  absl::Time created_at;
  absl::Time expires_at;
  int attempts = 0;  // wrong codes tried against it
};

// The reset requests of one login (known account or not) in the current window.
struct ResetRequests {
  absl::Time window_start;
  int requests = 0;
  absl::Time last_request_at;
};

enum class DeliveryChannel { kEmail, kSms };

// A new e-mail or phone of an account, waiting for the code sent to it.
struct ContactChange {
  std::string account_id;
  DeliveryChannel channel = DeliveryChannel::kEmail;
  std::string new_value;  // normalised e-mail or E.164 phone
  std::string code_hash;  // hex SHA-256 of "<account id>:<code>"
  absl::Time created_at;
  absl::Time expires_at;
  int attempts = 0;
};

// A message to a person, kept until it is sent or expires.
struct OutgoingMessage {
  std::string id;
  DeliveryChannel channel = DeliveryChannel::kEmail;
  std::string recipient;  // a normalised e-mail address or an E.164 phone number
  std::string subject;    // e-mail only
  std::string body;       // plain text, UTF-8
  absl::Time created_at;
  absl::Time expires_at;  // not sent after this: what it says is stale
  int attempts = 0;
  absl::Time next_attempt_at;
};

enum class AuditAction {
  kLocked,
  kUnlocked,
  kLookedUp,
  kPasswordReset,
  kContactChanged,
  kErasureRequested,
  kErasureCancelled,
  kErased,
};

// One entry of the account audit log. Never changed once written.
struct AuditEntry {
  std::string id;
  int64_t seq = 0;  // the order entries were written in; set by the store
  AuditAction action = AuditAction::kLocked;
  std::string account_id;
  std::string actor_id;  // the operator, or the account itself
  std::string reason;
  std::string client_address;
  absl::Time created_at;
};

// A change to an account that other services act on: an event of the stream "accounts"
// (parta.identity.v1.AccountEvent).
struct AccountChange {
  enum class Kind { kLocked, kUnlocked, kClosed, kReopened, kErased };
  Kind kind = Kind::kLocked;
  std::string account_id;
  std::string actor_id;  // empty: the platform
  std::string reason;
  absl::Time at;
  absl::Time erase_at;  // kClosed: when the erasure becomes final
};

// An erasure someone asked for, pending until `erase_at`.
struct Erasure {
  std::string account_id;
  std::string requested_by;
  std::string reason;
  absl::Time requested_at;
  absl::Time erase_at;
};

// What an erased account is called wherever its id is still shown.
inline constexpr char kErasedDisplayName[] = "Удалённый пользователь";

// Recent failed logins of one login name.
struct LoginFailures {
  int failures = 0;
  absl::Time last_failure_at;
  absl::Time blocked_until;
};

}  // namespace parta::identity
