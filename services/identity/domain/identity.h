#pragma once

// The use cases of the identity service. Transport-free: api/ maps protos to these calls; the
// caller's verified token arrives as auth::Claims and is the only source of "who".

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/auth/password_hasher.h"
#include "libs/auth/token.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "services/identity/domain/account.h"
#include "services/identity/domain/government_provider.h"
#include "services/identity/domain/key_ring.h"
#include "services/identity/domain/login_protection.h"
#include "services/identity/domain/ports.h"
#include "services/identity/domain/refresh_tokens.h"

namespace parta::identity {

// Getting back into an account with a code sent to its e-mail or phone.
struct PasswordResetPolicy {
  absl::Duration code_ttl = absl::Minutes(15);
  absl::Duration min_interval = absl::Minutes(1);  // between two codes for one login
  int per_window = 5;                              // codes per login per window
  absl::Duration window = absl::Hours(1);
  int max_attempts = 5;                            // wrong codes that spend a code
  // Requests per client address: a burst, refilled at this rate.
  double address_burst = 30;
  double address_per_second = 1.0 / 60;
  // Whether the deployment can send e-mail and SMS (a login of another kind is refused).
  bool email = false;
  bool sms = false;
};

struct IdentitySettings {
  std::string issuer = "parta-identity";
  std::string audience = "parta";
  absl::Duration access_token_ttl = absl::Minutes(15);
  absl::Duration refresh_token_ttl = absl::Hours(24 * 30);
  absl::Duration refresh_grace = absl::Seconds(30);
  absl::Duration service_token_ttl = absl::Minutes(15);
  absl::Duration login_code_ttl = absl::Hours(24 * 30);
  // How long a create with a request id is answered again rather than made anew.
  absl::Duration create_retry_window = absl::Hours(1);
  // How long a person has to come back from the ESIA provider.
  absl::Duration esia_sign_in_ttl = absl::Minutes(10);
  LoginProtectionPolicy login_protection;
  PasswordResetPolicy password_reset;
  // How long account audit entries are kept.
  absl::Duration audit_retention = absl::Hours(24 * 365 * 3);
  // How long a closed account waits before its erasure is final (an operator may cancel it).
  absl::Duration erasure_grace = absl::Hours(24 * 30);
};

struct RegisterInput {
  std::string email;
  std::string phone;
  std::string password;
  std::string display_name;
};

struct LoginInput {
  std::string login;
  std::string password;
  std::string device;
  std::string client_address;
};

struct ActivateInput {
  std::string login;
  std::string code;
  std::string new_password;
  std::string device;
  std::string client_address;
};

struct PasswordResetInput {
  std::string login;
  std::string code;
  std::string new_password;
  std::string device;
  std::string client_address;
};

// What RequestPasswordReset answers, whoever has the login.
struct PasswordResetStarted {
  DeliveryChannel channel = DeliveryChannel::kEmail;
  absl::Time expires_at;
};

// An operator's action on an account, with his reason and where he is.
struct OperatorAction {
  std::string reason;
  std::string client_address;
};

struct AuditPage {
  std::vector<AuditEntry> entries;
  std::string next_page_token;  // empty on the last page
};

// What identity holds about a person, for his data export (no secret: no hash, code or token).
struct AccountExport {
  Account account;
  std::vector<Session> open_sessions;  // the newest first
  std::vector<AuditEntry> audit;       // what was done to his account, the newest first
};

// An account closed for erasure.
struct ErasureStarted {
  Account account;
  absl::Time erase_at;
};

// A page of an event stream.
struct EventPage {
  std::vector<Event> events;
  bool has_more = false;
};

struct NewManagedAccount {
  std::string display_name;
  std::string external_key;
};

// A school-managed account and, when one was made now, its one-time login code.
struct ManagedCredentials {
  Account account;
  std::string login_code;  // "XXXX-XXXX-XXXX" or empty
  absl::Time code_expires_at;
  bool created = false;
};

// One page of a person's open sessions.
struct ApiClientPage {
  std::vector<ApiClient> clients;
  std::string next_page_token;  // empty on the last page
};

struct SessionPage {
  std::vector<Session> sessions;
  std::string next_page_token;  // empty on the last page
};

struct EsiaStart {
  std::string authorization_url;
  std::string state;
  std::string verifier;  // kept by the client that started, given back with the return
  absl::Time expires_at;
};

// What the provider sent the person back with (the redirect's query), and where he is.
struct EsiaReturn {
  std::string state;
  std::string verifier;           // EsiaStart::verifier
  std::string code;               // empty when the provider answered with an error
  std::string error;              // the OAuth error, empty on success
  std::string error_description;  // the provider's words about it
  std::string device;
  std::string client_address;
};

struct EsiaSignIn {
  IssuedTokens tokens;
  Account account;
  bool created = false;  // the account was made by this sign-in
};

// What an operator asks for when he registers an API client.
struct ApiClientRequest {
  std::string display_name;
  std::vector<std::string> scopes;
  std::string client_certificate;          // PEM to bind the client to, or empty
  std::vector<std::string> school_ids;     // schools it may touch
  std::vector<std::string> region_codes;   // regions whose schools it may touch
};

struct NewApiClient {
  std::string client_id;
  std::string client_secret;
};

class Identity {
 public:
  // `government`: the ESIA client; null when the deployment has none (its RPCs then answer
  // ESIA_NOT_CONFIGURED).
  Identity(IdentityStore& store, auth::PasswordHasher& hasher, KeyRing& keys,
           const RefreshTokenCodec& refresh_tokens, const Clock& clock, IdGenerator& ids,
           IdentitySettings settings, GovernmentProvider* government = nullptr);

  absl::StatusOr<Account> Register(const RegisterInput& input);
  absl::StatusOr<IssuedTokens> Login(const LoginInput& input);
  absl::StatusOr<IssuedTokens> Refresh(absl::string_view refresh_token);
  absl::Status Logout(const auth::Claims& caller);

  absl::StatusOr<Account> GetMe(const auth::Claims& caller);
  absl::StatusOr<Account> UpdateDisplayName(const auth::Claims& caller,
                                            absl::string_view display_name);
  // The caller's open sessions, the newest first, `page_size` (0: 50, at most 100) after the
  // page `page_token` ends (empty: the first page). INVALID_PAGE, INVALID_PAGE_TOKEN.
  absl::StatusOr<SessionPage> ListSessions(const auth::Claims& caller, int page_size,
                                           absl::string_view page_token);
  absl::Status RevokeSession(const auth::Claims& caller, absl::string_view session_id);
  // Returns how many other sessions were ended.
  absl::StatusOr<int> ChangePassword(const auth::Claims& caller, absl::string_view current,
                                     absl::string_view replacement,
                                     const std::string& client_address);

  // A retry of the caller's `retry.request_id` within the retry window answers the first call's
  // client and secret; the id with other arguments is ALREADY_EXISTS (REQUEST_ID_REUSED).
  absl::StatusOr<NewApiClient> CreateApiClient(const auth::Claims& caller,
                                               const ApiClientRequest& request,
                                               const RetryKey& retry = {});
  // `presented_certificate`: the thumbprint of the client certificate the caller's connection
  // presented (empty: none). A bound client must present its own; its token is bound to it.
  absl::StatusOr<IssuedServiceToken> IssueServiceToken(absl::string_view client_id,
                                                       absl::string_view client_secret,
                                                       const std::vector<std::string>& scopes,
                                                       absl::string_view presented_certificate);
  // Deletes expired refresh tokens, long-dead sessions, stale failure records and retried
  // creates' claims older than the retry window. Periodic.
  absl::StatusOr<int64_t> PurgeExpired();

  // For Parta's own services (internal RPC).
  absl::StatusOr<Account> GetAccount(absl::string_view account_id);

  // Getting back in (domain/password_reset.cc). Request: writes a code and its message when an
  // active account has `login`; answers the same either way. LOGIN_REQUIRED, INVALID_EMAIL,
  // INVALID_PHONE, ASK_SCHOOL_FOR_CODE, DELIVERY_NOT_CONFIGURED, RESET_THROTTLED,
  // ADDRESS_THROTTLED.
  absl::StatusOr<PasswordResetStarted> RequestPasswordReset(absl::string_view login,
                                                            const std::string& client_address);
  // Sets the new password, spends the code, ends every session and opens one. INVALID_CODE,
  // ACCOUNT_LOCKED, the password reasons, LOGIN_THROTTLED, ADDRESS_THROTTLED.
  absl::StatusOr<IssuedTokens> ResetPassword(const PasswordResetInput& input);

  // Adding or changing the caller's e-mail or phone (domain/contact_change.cc): a code goes to
  // the new address (`email` or `phone`, exactly one). CONTACT_REQUIRED, INVALID_EMAIL,
  // INVALID_PHONE, ACCOUNT_EXISTS, CONTACT_UNCHANGED, GUEST_ACCOUNT, DELIVERY_NOT_CONFIGURED,
  // CODE_THROTTLED.
  absl::StatusOr<PasswordResetStarted> StartContactChange(const auth::Claims& caller,
                                                          absl::string_view email,
                                                          absl::string_view phone);
  // The code came back: the new address is the account's; the old one is told. CODE_REQUIRED,
  // INVALID_CODE, ACCOUNT_EXISTS.
  absl::StatusOr<Account> ConfirmContactChange(const auth::Claims& caller,
                                               absl::string_view code,
                                               const std::string& client_address);

  // Operators' account administration (domain/account_admin.cc), each audited: OPERATOR_ONLY
  // for anyone else, REASON_REQUIRED without a reason.
  // By e-mail, phone or username (`login`), or by id: QUERY_REQUIRED, INVALID_ACCOUNT_ID.
  absl::StatusOr<std::optional<Account>> LookUpAccount(const auth::Claims& caller,
                                                       absl::string_view login,
                                                       absl::string_view account_id,
                                                       const OperatorAction& action);
  // Ends every session and refuses sign-in: ACCOUNT_NOT_FOUND, ACCOUNT_DELETED, LAST_OPERATOR.
  absl::StatusOr<Account> LockAccount(const auth::Claims& caller, absl::string_view account_id,
                                      const OperatorAction& action);
  absl::StatusOr<Account> UnlockAccount(const auth::Claims& caller, absl::string_view account_id,
                                        const OperatorAction& action);
  // The newest first; `account_id` empty: every account. INVALID_PAGE, INVALID_PAGE_TOKEN,
  // INVALID_ACCOUNT_ID.
  absl::StatusOr<AuditPage> ListAccountAudit(const auth::Claims& caller,
                                             absl::string_view account_id, int page_size,
                                             absl::string_view page_token);

  // Erasure on request (domain/account_erasure.cc). The person himself or an operator closes
  // the account (sessions end, sign-in refused) and the erasure becomes final after the grace
  // period: NOT_YOUR_ACCOUNT, ACCOUNT_NOT_FOUND, ACCOUNT_DELETED, LAST_OPERATOR, REASON_REQUIRED.
  absl::StatusOr<ErasureStarted> RequestAccountErasure(const auth::Claims& caller,
                                                       absl::string_view account_id,
                                                       const OperatorAction& action);
  // The same for `requested_by`, whom a service vouches for (a parent, by the directory).
  absl::StatusOr<ErasureStarted> RequestErasureOnBehalf(absl::string_view requested_by,
                                                        absl::string_view account_id,
                                                        const OperatorAction& action);
  // Operators, within the grace period: NO_PENDING_ERASURE, ACCOUNT_DELETED.
  absl::StatusOr<Account> CancelAccountErasure(const auth::Claims& caller,
                                               absl::string_view account_id,
                                               const OperatorAction& action);
  // Carries out the erasures that are due, one transaction each; how many were done.
  absl::StatusOr<int> FinishDueErasures();
  // The stream "accounts" after `after_sequence`: INVALID_PAGE, INVALID_SEQUENCE.
  absl::StatusOr<EventPage> ListAccountEvents(int64_t after_sequence, int page_size);
  // For the person's data export (domain/account_export.cc): INVALID_ACCOUNT_ID,
  // ACCOUNT_NOT_FOUND.
  absl::StatusOr<AccountExport> ExportAccountData(absl::string_view account_id);

  // School-managed accounts (domain/managed_accounts.cc).
  absl::StatusOr<IssuedTokens> ActivateManagedAccount(const ActivateInput& input);
  absl::StatusOr<std::vector<ManagedCredentials>> CreateManagedAccounts(
      const std::vector<NewManagedAccount>& accounts);
  absl::StatusOr<std::vector<ManagedCredentials>> IssueLoginCodes(
      const std::vector<std::string>& account_ids);
  // A guest account (no login, no password) with one session that ends `valid_for` (1 minute to
  // 24 hours) from now: INVALID_DISPLAY_NAME, INVALID_VALID_FOR.
  absl::StatusOr<GuestSession> CreateGuestSession(absl::string_view display_name,
                                                  absl::Duration valid_for);
  // ESIA sign-in (domain/esia_sign_in.cc). Start: a new sign-in's state and the provider's
  // address to send the person to, valid `esia_sign_in_ttl`.
  absl::StatusOr<EsiaStart> StartEsiaSignIn();
  // The person came back from the provider: finds the account tied to his ESIA person or makes
  // one (no other login; government-verified while the provider vouches for him), and opens a
  // session. UNAUTHENTICATED ESIA_STATE_UNKNOWN (unknown, used or expired: start again),
  // PERMISSION_DENIED ESIA_DENIED (the person or the provider said no), the provider's errors
  // (GovernmentProvider::Complete), UNAUTHENTICATED ACCOUNT_LOCKED.
  absl::StatusOr<EsiaSignIn> CompleteEsiaSignIn(const EsiaReturn& input);
  // Linking ESIA to the caller's own account, from his signed-in session: as a sign-in, but the
  // started sign-in names the account, and only its owner finishes it. Complete: FAILED_PRECONDITION
  // ACCOUNT_ALREADY_LINKED (tied to another ESIA person), ALREADY_EXISTS ESIA_ALREADY_LINKED (the
  // person is tied to another account), UNAUTHENTICATED ESIA_STATE_UNKNOWN (also a link started
  // by someone else), and the errors of CompleteEsiaSignIn. Linking the person already tied to
  // the account only refreshes his trust.
  absl::StatusOr<EsiaStart> StartEsiaLink(const auth::Claims& caller);
  absl::StatusOr<Account> CompleteEsiaLink(const auth::Claims& caller, const EsiaReturn& input);
  // Unties ESIA from the caller's account; it loses the government level. FAILED_PRECONDITION
  // ESIA_NOT_LINKED, LAST_SIGN_IN_METHOD (no e-mail, phone or username to sign in with after).
  absl::StatusOr<Account> UnlinkEsia(const auth::Claims& caller);
  // The children the provider lists for the caller (as of his last ESIA sign-in or link), while
  // his account is tied to a confirmed ESIA person: FAILED_PRECONDITION NOT_GOVERNMENT_VERIFIED.
  absl::StatusOr<std::vector<ProviderChild>> ListEsiaChildren(const auth::Claims& caller);
  // For the directory (a parent claims a child): `child_id` of the government-verified account
  // `account_id`. FAILED_PRECONDITION NOT_GOVERNMENT_VERIFIED, NOT_FOUND ESIA_CHILD_NOT_FOUND.
  absl::StatusOr<ProviderChild> GetEsiaChild(absl::string_view account_id,
                                             absl::string_view child_id);

  // Raises the verification level; a lower or equal level changes nothing.
  absl::StatusOr<Account> RaiseVerificationLevel(absl::string_view account_id,
                                                 VerificationLevel level);

  // Operators' management of API clients (domain/api_clients.cc): OPERATOR_ONLY for anyone
  // else, API_CLIENT_NOT_FOUND for an unknown id.
  absl::StatusOr<ApiClientPage> ListApiClients(const auth::Claims& caller, int page_size,
                                               absl::string_view page_token);
  // A new secret, shown once; the old one stops working. FAILED_PRECONDITION API_CLIENT_REVOKED.
  absl::StatusOr<NewApiClient> RotateApiClientSecret(const auth::Claims& caller,
                                                     absl::string_view client_id);
  // Binds the client to the PEM certificate `pem`, or unbinds it when `pem` is empty:
  // INVALID_CERTIFICATE, API_CLIENT_REVOKED.
  absl::StatusOr<ApiClient> SetApiClientCertificate(const auth::Claims& caller,
                                                    absl::string_view client_id,
                                                    absl::string_view pem);
  // Revokes the client for good (again: nothing changes).
  absl::StatusOr<ApiClient> RevokeApiClient(const auth::Claims& caller,
                                            absl::string_view client_id);

  // Registers an API client for one of Parta's own services (`service`: "directory"), with the
  // scopes it needs (domain/service_scopes.h): INVALID_ARGUMENT UNKNOWN_SERVICE. For the
  // deployment's command line only (no operator account involved).
  absl::StatusOr<NewApiClient> CreateServiceClient(absl::string_view service);

  // Makes the account with `login` a platform operator; creates it from `input_if_missing`
  // (whose login fields are ignored) when there is none. For the operator CLI only.
  absl::StatusOr<Account> GrantOperator(absl::string_view login, RegisterInput input_if_missing);

  const IdentitySettings& settings() const { return settings_; }

 private:
  absl::StatusOr<Account> CreateAccount(const RegisterInput& input, bool is_operator);
  // `created_by`: the operator's account id, empty for the command line (which has no retry).
  absl::StatusOr<NewApiClient> RegisterApiClient(const ApiClientRequest& request,
                                                 const std::string& created_by,
                                                 const RetryKey& retry);
  struct Authenticated {
    Account account;
    std::string login_key;  // whose failure record the caller clears on success
  };
  // Checks the per-address and per-login throttles, then the password. A failure drains the
  // address's bucket; a success leaves the clearing of the login's record to the caller's
  // transaction.
  absl::StatusOr<Authenticated> Authenticate(const LoginInput& input);
  // Before a password is checked: refuses while the address or the login must wait, and counts
  // the attempt on the login as failed until a success clears it (ClearLoginFailures), so
  // parallel guesses are counted one by one. `also` runs in the same transaction (a lookup).
  // `login_key` empty: only the address is checked.
  absl::Status AdmitPasswordAttempt(
      const std::string& login_key, const std::string& address,
      const std::function<absl::Status(IdentityTransaction&)>& also = nullptr);
  absl::StatusOr<Account> ActiveAccount(const auth::Claims& caller);
  // Counts a request for a code sent to `key` (a login, or an account's address change) in
  // `tx`: how long to wait when the policy's limits are reached, nullopt when it may go.
  absl::StatusOr<std::optional<absl::Duration>> CountCodeRequest(IdentityTransaction& tx,
                                                                 const std::string& key,
                                                                 absl::Time now);
  // Writes `message` to be sent from `now` until `expires_at`, in `tx`.
  absl::Status SendLater(IdentityTransaction& tx, OutgoingMessage message, absl::Time now,
                         absl::Time expires_at);
  // DELIVERY_NOT_CONFIGURED unless the deployment sends messages of `channel`.
  absl::Status RequireChannel(DeliveryChannel channel) const;
  // Checks the caller is an operator and gave a reason (1–500 characters).
  absl::Status CheckOperatorAction(const auth::Claims& caller, const OperatorAction& action) const;
  // REASON_REQUIRED unless the action gives a reason of 1–500 characters.
  absl::Status CheckReason(const OperatorAction& action) const;
  // Closes the account `id` for erasure at `requested_by`'s request (domain/account_erasure.cc).
  absl::StatusOr<ErasureStarted> CloseForErasure(const std::string& requested_by,
                                                 const std::string& id,
                                                 const OperatorAction& action);
  // Sets the state of `account_id` (not deleted) and audits it as `audit`, unless it was so.
  absl::StatusOr<Account> SetAccountState(const auth::Claims& caller,
                                          absl::string_view account_id, AccountState state,
                                          AuditAction audit, const OperatorAction& action);
  // ESIA (domain/esia_sign_in.cc): keeps a new sign-in (for `account_id`'s link when set) and
  // answers where to send the person; takes back the sign-in of a return and asks the provider
  // who came back.
  absl::StatusOr<EsiaStart> StartEsia(const std::string& account_id);
  struct EsiaArrival {
    EsiaSignInRequest request;
    ProviderPerson person;
  };
  // `account_id`: the linking account, empty for a sign-in.
  absl::StatusOr<EsiaArrival> ArriveFromEsia(const EsiaReturn& input,
                                             const std::string& account_id);
  // Opens a session for `account` and issues its first pair; `also` runs in the same
  // transaction (clearing the login's failures, setting a password, inserting a guest). With a
  // `lifetime`, the session ends that long from now (its end truncated to whole seconds).
  absl::StatusOr<IssuedTokens> OpenSession(
      const Account& account, const std::string& device, const std::string& client_address,
      const std::function<absl::Status(IdentityTransaction&)>& also,
      std::optional<absl::Duration> lifetime = std::nullopt);
  // A new login code for a managed account, stored in `tx`.
  absl::StatusOr<ManagedCredentials> NewLoginCode(IdentityTransaction& tx, Account account,
                                                  absl::Time now);
  // The access token of `account` for `session`, issued at `issued_at`, expiring at
  // `expires_at`, with key `signer`. Deterministic: the same inputs give the same token.
  std::string SignAccessToken(const Account& account, absl::string_view session_id,
                              absl::string_view token_id, absl::Time issued_at,
                              absl::Time expires_at, const KeyRing::Signer& signer) const;
  // When a refresh token issued at `now` for `session` expires: the refresh-token lifetime, but
  // never after the session's end.
  absl::Time RefreshExpiry(absl::Time now, const Session& session) const;
  absl::StatusOr<IssuedTokens> IssuePair(const Account& account, absl::string_view session_id,
                                         absl::string_view refresh_token,
                                         const RefreshToken& record) const;

  IdentityStore& store_;
  GovernmentProvider* const government_;
  auth::PasswordHasher& hasher_;
  KeyRing& keys_;
  const RefreshTokenCodec& refresh_tokens_;
  const Clock& clock_;
  IdGenerator& ids_;
  const IdentitySettings settings_;
  AddressThrottle address_throttle_;
  AddressThrottle reset_address_throttle_;  // reset requests per client address
};

}  // namespace parta::identity
