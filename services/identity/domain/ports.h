#pragma once

// What the identity domain needs from storage. Implemented over Postgres in adapters/.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/core/event.h"
#include "services/identity/domain/account.h"
#include "services/identity/domain/government_provider.h"

namespace parta::identity {

// Reads and writes inside one database transaction.
class IdentityTransaction {
 public:
  virtual ~IdentityTransaction() = default;

  // Claims `retry.request_id` of `caller_id` for `operation` with this call's `answer` until the
  // transaction ends (a concurrent claim of the same id waits for it); the answer is stored
  // sealed, as it may hold a secret. nullopt: the claim is this call's (also when there is no
  // request id); otherwise the answer of the call that made it. ALREADY_EXISTS
  // (REQUEST_ID_REUSED) when that call asked something else.
  virtual absl::StatusOr<std::optional<std::string>> ClaimRequest(absl::string_view caller_id,
                                                                  absl::string_view operation,
                                                                  const RetryKey& retry,
                                                                  absl::string_view answer,
                                                                  absl::Time now) = 0;

  // ALREADY_EXISTS (ACCOUNT_EXISTS) when the e-mail or phone is taken.
  virtual absl::Status InsertAccount(const Account& account) = 0;
  virtual absl::StatusOr<std::optional<Account>> FindAccount(absl::string_view id) = 0;
  // By normalised e-mail or E.164 phone.
  virtual absl::StatusOr<std::optional<Account>> FindAccountByLogin(absl::string_view login) = 0;
  virtual absl::Status SetOperator(absl::string_view account_id, bool is_operator) = 0;
  virtual absl::StatusOr<std::optional<Account>> FindAccountByExternalKey(
      absl::string_view external_key) = 0;

  // ESIA sign-ins (domain/esia_sign_in.cc). Holds, until the transaction ends, the lock that
  // serialises everything about the ESIA person `oid` (two first sign-ins make one account).
  virtual absl::Status LockEsiaPerson(absl::string_view oid) = 0;
  virtual absl::StatusOr<std::optional<Account>> FindAccountByEsiaOid(absl::string_view oid) = 0;
  // Ties the account to `oid` (or updates the trust of its tie); an empty `oid` unties it.
  // ALREADY_EXISTS ESIA_ALREADY_LINKED when another account is tied to `oid`,
  // FAILED_PRECONDITION ACCOUNT_ALREADY_LINKED when the account is tied to another person.
  virtual absl::Status SetEsiaLink(absl::string_view account_id, absl::string_view oid,
                                   bool trusted, absl::Time at) = 0;
  // Keeps the account's SNILS (11 digits) sealed, with its keyed hash and masked form; an empty
  // `snils` forgets it.
  virtual absl::Status SetSnils(absl::string_view account_id, absl::string_view snils) = 0;
  // Replaces the children the provider listed for the account (sealed: names and birth dates
  // are a child's personal data); an empty list forgets them.
  virtual absl::Status SetEsiaChildren(absl::string_view account_id,
                                       const std::vector<ProviderChild>& children) = 0;
  // The account's children as last listed, in the provider's order.
  virtual absl::StatusOr<std::vector<ProviderChild>> ListEsiaChildren(
      absl::string_view account_id) = 0;
  virtual absl::Status InsertEsiaSignIn(const EsiaSignInRequest& request) = 0;
  // Removes and returns the sign-in started with `state`, `verifier_hash` and for `account_id`
  // (empty: a sign-in); nullopt when there is none, leaving any other untouched.
  virtual absl::StatusOr<std::optional<EsiaSignInRequest>> TakeEsiaSignIn(
      absl::string_view state, absl::string_view verifier_hash,
      absl::string_view account_id) = 0;
  // Sets the account's own level (Account::own_verification).
  virtual absl::Status SetVerification(absl::string_view account_id, VerificationLevel level,
                                       absl::Time at) = 0;
  // Replaces the account's login code.
  virtual absl::Status SaveLoginCode(const LoginCode& code) = 0;
  virtual absl::StatusOr<std::optional<LoginCode>> FindLoginCode(
      absl::string_view account_id) = 0;
  // Deletes the code if it is still `code_hash` (a concurrent use spent it otherwise).
  virtual absl::StatusOr<bool> DeleteLoginCode(absl::string_view account_id,
                                               absl::string_view code_hash) = 0;
  virtual absl::Status UpdateDisplayName(absl::string_view account_id, absl::string_view name,
                                         absl::Time at) = 0;
  virtual absl::Status UpdatePassword(absl::string_view account_id, absl::string_view hash,
                                      absl::Time at) = 0;

  virtual absl::Status InsertSession(const Session& session) = 0;
  virtual absl::StatusOr<std::optional<Session>> FindSession(absl::string_view id) = 0;
  virtual absl::Status TouchSession(absl::string_view id, absl::Time at) = 0;
  // Sessions of the account that are not revoked, the newest first (by creation time, then by
  // id, descending), at most `limit`; with `before`, only those that come after it in that order.
  virtual absl::StatusOr<std::vector<Session>> ListActiveSessions(
      absl::string_view account_id, const std::optional<SessionKey>& before, int limit) = 0;
  // Marks the session revoked and records a SessionRevoked event in the outbox, in this
  // transaction. A session revoked already keeps its first time and reason (no new event).
  virtual absl::Status RevokeSession(absl::string_view id, absl::Time at,
                                     absl::string_view reason) = 0;
  // RevokeSession for every open session of the account but `keep`; returns how many.
  virtual absl::StatusOr<int> RevokeOtherSessions(absl::string_view account_id,
                                                  absl::string_view keep, absl::Time at,
                                                  absl::string_view reason) = 0;
  // Deletes what can no longer be used: refresh tokens past expiry, sessions idle or revoked for
  // longer than `session_age`, login failure records older than `failure_age` that block
  // nothing, claims of retried creates older than `request_age`. Returns the rows deleted.
  virtual absl::StatusOr<int64_t> PurgeExpired(absl::Time now, absl::Duration session_age,
                                               absl::Duration failure_age,
                                               absl::Duration request_age) = 0;

  virtual absl::Status InsertRefreshToken(const RefreshToken& token) = 0;
  // Reads the token row and locks it until the transaction ends.
  virtual absl::StatusOr<std::optional<RefreshToken>> LockRefreshToken(
      absl::string_view token_hash) = 0;
  virtual absl::StatusOr<std::optional<RefreshToken>> FindRefreshToken(
      absl::string_view token_hash) = 0;
  virtual absl::Status MarkRefreshTokenRotated(absl::string_view token_hash, absl::Time at) = 0;

  virtual absl::Status InsertApiClient(const ApiClient& client) = 0;
  virtual absl::StatusOr<std::optional<ApiClient>> FindApiClient(absl::string_view id) = 0;
  // By id (time-ordered), after `after_id` (empty: from the first), at most `limit`.
  virtual absl::StatusOr<std::vector<ApiClient>> ListApiClients(absl::string_view after_id,
                                                                int limit) = 0;
  // Replaces the secret's hash (and its time) of a client that is not revoked; false otherwise.
  virtual absl::StatusOr<bool> ReplaceApiClientSecret(absl::string_view id,
                                                      absl::string_view secret_hash,
                                                      absl::Time at) = 0;
  // Binds the client to a certificate (an empty thumbprint removes the binding) unless it is
  // revoked; false when it is.
  virtual absl::StatusOr<bool> SetApiClientCertificate(absl::string_view id,
                                                       absl::string_view thumbprint,
                                                       std::optional<absl::Time> not_after) = 0;
  // Marks the client revoked at `at` unless it is already.
  virtual absl::Status DisableApiClient(absl::string_view id, absl::Time at) = 0;

  // Password resets (domain/password_reset.cc). Replaces the account's code.
  virtual absl::Status SaveResetCode(const ResetCode& code) = 0;
  // The account's code, locked until the transaction ends.
  virtual absl::StatusOr<std::optional<ResetCode>> LockResetCode(
      absl::string_view account_id) = 0;
  virtual absl::Status SetResetAttempts(absl::string_view account_id, int attempts) = 0;
  virtual absl::Status DeleteResetCode(absl::string_view account_id) = 0;
  // The reset requests of `login`, locked until the transaction ends (empty if none).
  virtual absl::StatusOr<ResetRequests> LockResetRequests(absl::string_view login) = 0;
  virtual absl::Status SaveResetRequests(absl::string_view login,
                                         const ResetRequests& requests) = 0;

  // Address changes (domain/contact_change.cc). Replaces the account's pending change.
  virtual absl::Status SaveContactChange(const ContactChange& change) = 0;
  // The account's pending change, locked until the transaction ends.
  virtual absl::StatusOr<std::optional<ContactChange>> LockContactChange(
      absl::string_view account_id) = 0;
  virtual absl::Status SetContactChangeAttempts(absl::string_view account_id, int attempts) = 0;
  virtual absl::Status DeleteContactChange(absl::string_view account_id) = 0;
  // Sets the account's e-mail or phone. ALREADY_EXISTS (ACCOUNT_EXISTS) when another has it.
  virtual absl::Status SetContact(absl::string_view account_id, DeliveryChannel channel,
                                  absl::string_view value, absl::Time at) = 0;

  // Messages to people, sent in the background (domain/message_delivery.h).
  virtual absl::Status InsertOutgoingMessage(const OutgoingMessage& message) = 0;
  // Up to `limit` messages due at `now`, oldest first, locked until the transaction ends;
  // messages another transaction holds are skipped.
  virtual absl::StatusOr<std::vector<OutgoingMessage>> LockDueMessages(absl::Time now,
                                                                       int limit) = 0;
  virtual absl::Status DeleteOutgoingMessage(absl::string_view id) = 0;
  virtual absl::Status RescheduleOutgoingMessage(absl::string_view id, int attempts,
                                                 absl::Time next_attempt_at,
                                                 absl::string_view error) = 0;

  // Operators' account administration (domain/account_admin.cc).
  virtual absl::Status SetAccountState(absl::string_view account_id, AccountState state,
                                       absl::Time at) = 0;
  // Active operator accounts, locked (FOR UPDATE) so that two operators cannot lock each
  // other out at once.
  virtual absl::StatusOr<std::vector<std::string>> LockActiveOperators() = 0;
  virtual absl::Status InsertAudit(const AuditEntry& entry) = 0;
  // Appends the change to the outbox stream "accounts" (kAccountsStream), in this transaction.
  virtual absl::Status RecordAccountChange(const AccountChange& change) = 0;

  // Account erasure (domain/account_erasure.cc). Saves `erasure` as the account's pending one.
  virtual absl::Status SaveErasure(const Erasure& erasure) = 0;
  // The account's pending erasure, locked until the transaction ends.
  virtual absl::StatusOr<std::optional<Erasure>> LockPendingErasure(
      absl::string_view account_id) = 0;
  // Pending erasures due at `now`, at most `limit`, locked; those another transaction holds are
  // skipped (replicas share them).
  virtual absl::StatusOr<std::vector<Erasure>> LockDueErasures(absl::Time now, int limit) = 0;
  // Ends the pending erasure: `done` true when it was carried out, false when cancelled.
  virtual absl::Status EndErasure(absl::string_view account_id, bool done, absl::Time at) = 0;
  // Wipes the account's personal data and everything tied to it (sessions, codes, links to
  // ESIA, pending messages to it), leaving a tombstone: state deleted, no login, the name
  // kErasedDisplayName.
  virtual absl::Status WipeAccount(absl::string_view account_id, absl::Time at) = 0;

  // Entries about `account_id` (empty: all), the newest first (by `seq`), at most `limit`,
  // written before the entry `before_seq` (0: from the newest).
  virtual absl::StatusOr<std::vector<AuditEntry>> ListAudit(absl::string_view account_id,
                                                            int64_t before_seq, int limit) = 0;
  // Deletes spent reset state, expired messages and audit entries older than `audit_age`.
  virtual absl::StatusOr<int64_t> PurgeRecovery(absl::Time now, absl::Duration request_window,
                                                absl::Duration audit_age) = 0;

  // The failure record of `login`, locked until the transaction ends (created empty if absent,
  // so that concurrent attempts on one login queue here).
  virtual absl::StatusOr<LoginFailures> LockLoginFailures(absl::string_view login) = 0;
  virtual absl::Status SaveLoginFailures(absl::string_view login,
                                         const LoginFailures& failures) = 0;
  virtual absl::Status ClearLoginFailures(absl::string_view login) = 0;
};

class IdentityStore {
 public:
  virtual ~IdentityStore() = default;
  // Commits when `work` returns OK, rolls back otherwise. `work` may run more than once
  // (serialization retries).
  virtual absl::Status Transact(const std::function<absl::Status(IdentityTransaction&)>& work) = 0;
  // For reads only: each statement stands alone (no BEGIN/COMMIT round trips).
  virtual absl::Status Read(const std::function<absl::Status(IdentityTransaction&)>& work) = 0;
  // Events of the stream "accounts" after `after_sequence`, in order (the catch-up read).
  virtual absl::StatusOr<std::vector<Event>> ReadAccountEvents(int64_t after_sequence,
                                                               int limit) = 0;
};

// A token signing key with its schedule: published from creation, signs from `activates_at`
// until `retires_at`, removed after `expires_at` (when every token it signed has expired).
struct SigningKeyRecord {
  std::string kid;
  std::string private_key;  // raw Ed25519 seed, decrypted; never logged
  absl::Time created_at;
  absl::Time activates_at;
  absl::Time retires_at;
  absl::Time expires_at;
};

struct KeyChanges {
  std::vector<SigningKeyRecord> add;
  std::vector<std::string> remove;  // key ids
};

class KeyStore {
 public:
  virtual ~KeyStore() = default;
  virtual absl::StatusOr<std::vector<SigningKeyRecord>> LoadKeys() = 0;
  // Under a lock shared by every replica: reads the keys, asks `plan` what to change, applies it.
  virtual absl::Status Maintain(
      const std::function<KeyChanges(const std::vector<SigningKeyRecord>& current)>& plan) = 0;
};

}  // namespace parta::identity
