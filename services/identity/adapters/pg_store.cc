#include "services/identity/adapters/pg_store.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/time_util.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/pg/outbox.h"
#include "libs/pg/time.h"
#include "services/identity/domain/validation.h"
#include "parta/identity/v1/events.pb.h"

namespace parta::identity {
namespace {

using pg::FromMicros;
using pg::ToMicros;

constexpr char kAccountColumns[] =
    "id::text, coalesce(email, ''), coalesce(phone, ''), display_name, state, verification, "
    "is_operator, password_hash, " PARTA_PG_US("created_at")
    ", coalesce(username, ''), coalesce(external_key, ''), guest, coalesce(esia_oid, ''), "
    "esia_trusted, coalesce(snils_masked, '')";

constexpr char kApiClientColumns[] =
    "id::text, display_name, secret_hash, array_to_string(scopes, ' '), "
    "coalesce(created_by::text, ''), " PARTA_PG_US("created_at") ", " PARTA_PG_US(
        "secret_changed_at") ", " PARTA_PG_US("disabled_at") ", coalesce(certificate_sha256, ''), "
    PARTA_PG_US("certificate_not_after") ", array_to_string(school_ids, ' '), "
    "array_to_string(region_codes, ' ')";

ApiClient ApiClientFromRow(const pqxx::row& row) {
  ApiClient client{.id = row[0].as<std::string>(),
                   .display_name = row[1].as<std::string>(),
                   .secret_hash = row[2].as<std::string>(),
                   .scopes = absl::StrSplit(row[3].as<std::string>(), ' ', absl::SkipEmpty()),
                   .created_by = row[4].as<std::string>(),
                   .created_at = FromMicros(row[5].as<int64_t>()),
                   .secret_changed_at = FromMicros(row[6].as<int64_t>())};
  if (!row[7].is_null()) client.disabled_at = FromMicros(row[7].as<int64_t>());
  client.disabled = client.disabled_at.has_value();
  client.certificate_thumbprint = row[8].as<std::string>();
  if (!row[9].is_null()) client.certificate_not_after = FromMicros(row[9].as<int64_t>());
  client.school_ids = absl::StrSplit(row[10].as<std::string>(), ' ', absl::SkipEmpty());
  client.region_codes = absl::StrSplit(row[11].as<std::string>(), ' ', absl::SkipEmpty());
  return client;
}

AccountState ParseState(const std::string& text) {
  if (text == "locked") return AccountState::kLocked;
  if (text == "closed") return AccountState::kClosed;
  if (text == "deleted") return AccountState::kDeleted;
  return AccountState::kActive;
}

VerificationLevel ParseVerification(const std::string& text) {
  if (text == "school_confirmed") return VerificationLevel::kSchoolConfirmed;
  if (text == "government_verified") return VerificationLevel::kGovernmentVerified;
  return VerificationLevel::kNone;
}

Account AccountFromRow(const pqxx::row& row) {
  Account account{.id = row[0].as<std::string>(),
                 .email = row[1].as<std::string>(),
                 .phone = row[2].as<std::string>(),
                 .username = row[9].as<std::string>(),
                 .external_key = row[10].as<std::string>(),
                 .display_name = row[3].as<std::string>(),
                 .state = ParseState(row[4].as<std::string>()),
                 .own_verification = ParseVerification(row[5].as<std::string>()),
                 .is_operator = row[6].as<bool>(),
                 .guest = row[11].as<bool>(),
                 .esia_oid = row[12].as<std::string>(),
                 .esia_trusted = row[13].as<bool>(),
                 .snils_masked = row[14].as<std::string>(),
                 .password_hash = row[7].as<std::string>(),
                 .created_at = FromMicros(row[8].as<int64_t>())};
  SettleVerification(account);
  return account;
}

absl::string_view VerificationName(VerificationLevel level) {
  switch (level) {
    case VerificationLevel::kGovernmentVerified:
      return "government_verified";
    case VerificationLevel::kSchoolConfirmed:
      return "school_confirmed";
    case VerificationLevel::kNone:
      break;
  }
  return "none";
}

std::optional<std::string> NullIfEmpty(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

constexpr char kRefreshColumns[] =
    "token_hash, session_id::text, " PARTA_PG_US("issued_at") ", " PARTA_PG_US("expires_at")
    ", access_key_id, " PARTA_PG_US("rotated_at");

RefreshToken RefreshFromRow(const pqxx::row& row) {
  RefreshToken token{.token_hash = row[0].as<std::string>(),
                     .session_id = row[1].as<std::string>(),
                     .issued_at = FromMicros(row[2].as<int64_t>()),
                     .expires_at = FromMicros(row[3].as<int64_t>()),
                     .access_key_id = row[4].as<std::string>()};
  if (!row[5].is_null()) token.rotated_at = FromMicros(row[5].as<int64_t>());
  return token;
}

constexpr char kErasureSelect[] =
    "SELECT account_id::text, requested_by::text, reason, " PARTA_PG_US("requested_at") ", "
    PARTA_PG_US("erase_at") " FROM account_erasures";

google::protobuf::Timestamp Timestamp(absl::Time at) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(ToMicros(at));
}

constexpr char kSessionColumns[] =
    "id::text, account_id::text, device, client_address, " PARTA_PG_US("created_at")
    ", " PARTA_PG_US("last_used_at") ", " PARTA_PG_US("revoked_at")
    ", coalesce(revoke_reason, ''), " PARTA_PG_US("expires_at");

Session SessionFromRow(const pqxx::row& row) {
  Session session{.id = row[0].as<std::string>(),
                  .account_id = row[1].as<std::string>(),
                  .device = row[2].as<std::string>(),
                  .client_address = row[3].as<std::string>(),
                  .created_at = FromMicros(row[4].as<int64_t>()),
                  .last_used_at = FromMicros(row[5].as<int64_t>()),
                  .revoke_reason = row[7].as<std::string>()};
  if (!row[6].is_null()) session.revoked_at = FromMicros(row[6].as<int64_t>());
  if (!row[8].is_null()) session.expires_at = FromMicros(row[8].as<int64_t>());
  return session;
}

class PgIdentityTransaction final : public IdentityTransaction {
 public:
  PgIdentityTransaction(pqxx::transaction_base& tx, const MasterKey& master_key)
      : tx_(tx), master_key_(master_key) {}

  // The keyed hash a SNILS is found by: HMAC-SHA-256 under a subkey of the master key.
  // A child's record is sealed for its account and child alone: it cannot be moved to another.
  static std::string ChildContext(absl::string_view account_id, absl::string_view child_oid) {
    return absl::StrCat("esia child ", account_id, " ", child_oid);
  }

  std::string SnilsHash(absl::string_view snils) const {
    const std::string key = master_key_.DeriveSubkey("snils lookup");
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(snils.data()), snils.size(), digest, &length);
    return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), length));
  }

  absl::StatusOr<std::optional<std::string>> ClaimRequest(absl::string_view caller_id,
                                                          absl::string_view operation,
                                                          const RetryKey& retry,
                                                          absl::string_view answer,
                                                          absl::Time now) override {
    if (retry.request_id.empty()) return std::nullopt;
    // The caller id (a UUID) and the operation have no spaces, so the context is unambiguous.
    const std::string context =
        absl::StrCat("create_requests ", caller_id, " ", operation, " ", retry.request_id);
    const std::string sealed = master_key_.Seal(answer, context);
    const pqxx::binarystring fingerprint(retry.fingerprint.data(), retry.fingerprint.size());
    // A concurrent claim of the same key makes this insert wait for its transaction.
    pqxx::result claimed = tx_.exec_params(
        "INSERT INTO create_requests (caller_id, operation, request_id, fingerprint, "
        "sealed_answer, created_at) "
        "VALUES ($1, $2, $3, $4, $5, " PARTA_PG_TS("$6") ") ON CONFLICT DO NOTHING",
        std::string(caller_id), std::string(operation), retry.request_id, fingerprint,
        pqxx::binarystring(sealed.data(), sealed.size()), ToMicros(now));
    if (claimed.affected_rows() == 1) return std::nullopt;
    pqxx::result first = tx_.exec_params(
        "SELECT fingerprint, sealed_answer FROM create_requests "
        "WHERE caller_id = $1 AND operation = $2 AND request_id = $3",
        std::string(caller_id), std::string(operation), retry.request_id);
    if (first.empty()) {  // purged between the two statements: the retry window has passed
      return Error(absl::StatusCode::kAborted, "REQUEST_ID_EXPIRED",
                   "the request id's retry window ended just now; retry with a new id");
    }
    if (pqxx::binarystring(first[0][0]).str() != retry.fingerprint) {
      return AlreadyExists("REQUEST_ID_REUSED", "this request id was used for a different request");
    }
    const pqxx::binarystring first_answer(first[0][1]);
    return master_key_.Open(absl::string_view(first_answer.get(), first_answer.size()), context);
  }

  absl::Status InsertAccount(const Account& account) override {
    try {
      tx_.exec_params(
          "INSERT INTO accounts (id, email, phone, display_name, is_operator, password_hash, "
          "created_at, updated_at, username, external_key, guest, verification, esia_oid, "
          "esia_trusted) VALUES ($1, $2, $3, $4, $5, $6, " PARTA_PG_TS("$7") ", "
          PARTA_PG_TS("$7") ", $8, $9, $10, $11, $12, $13)",
          account.id, NullIfEmpty(account.email), NullIfEmpty(account.phone),
          account.display_name, account.is_operator, account.password_hash,
          ToMicros(account.created_at), NullIfEmpty(account.username),
          NullIfEmpty(account.external_key), account.guest,
          std::string(VerificationName(account.own_verification)), NullIfEmpty(account.esia_oid),
          account.esia_trusted);
    } catch (const pqxx::unique_violation&) {
      return AlreadyExists("ACCOUNT_EXISTS", "an account with this login already exists");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<Account>> FindAccount(absl::string_view id) override {
    if (!IsUuid(id)) return std::nullopt;
    pqxx::result rows = tx_.exec_params(
        std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE id = $1",
        std::string(id));
    if (rows.empty()) return std::nullopt;
    return AccountFromRow(rows[0]);
  }

  absl::StatusOr<std::optional<Account>> FindAccountByLogin(absl::string_view login) override {
    pqxx::result rows = tx_.exec_params(
        std::string("SELECT ") + kAccountColumns +
            " FROM accounts WHERE email = $1 OR phone = $1 OR username = $1",
        std::string(login));
    if (rows.empty()) return std::nullopt;
    return AccountFromRow(rows[0]);
  }

  absl::Status SetOperator(absl::string_view account_id, bool is_operator) override {
    tx_.exec_params("UPDATE accounts SET is_operator = $2, updated_at = now() WHERE id = $1",
                    std::string(account_id), is_operator);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<Account>> FindAccountByExternalKey(
      absl::string_view external_key) override {
    pqxx::result rows = tx_.exec_params(
        std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE external_key = $1",
        std::string(external_key));
    if (rows.empty()) return std::nullopt;
    return AccountFromRow(rows[0]);
  }

  absl::Status SetVerification(absl::string_view account_id, VerificationLevel level,
                               absl::Time at) override {
    const std::string name(VerificationName(level));
    tx_.exec_params("UPDATE accounts SET verification = $2, updated_at = " PARTA_PG_TS("$3")
                    " WHERE id = $1",
                    std::string(account_id), name, ToMicros(at));
    return absl::OkStatus();
  }

  absl::Status LockEsiaPerson(absl::string_view oid) override {
    tx_.exec_params("SELECT pg_advisory_xact_lock(hashtextextended('esia:' || $1, 0))",
                    std::string(oid));
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<Account>> FindAccountByEsiaOid(absl::string_view oid) override {
    pqxx::result rows = tx_.exec_params(
        std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE esia_oid = $1",
        std::string(oid));
    if (rows.empty()) return std::nullopt;
    return AccountFromRow(rows[0]);
  }

  absl::Status SetEsiaLink(absl::string_view account_id, absl::string_view oid, bool trusted,
                           absl::Time at) override {
    try {
      // Checked in the statement itself: two links of one account cannot both win.
      const pqxx::result updated = tx_.exec_params(
          "UPDATE accounts SET esia_oid = $2, esia_trusted = $3, updated_at = " PARTA_PG_TS("$4")
          " WHERE id = $1 AND (esia_oid IS NULL OR esia_oid = $2 OR $2 IS NULL)",
          std::string(account_id), NullIfEmpty(std::string(oid)), trusted, ToMicros(at));
      if (updated.affected_rows() == 0) {
        return FailedPrecondition("ACCOUNT_ALREADY_LINKED",
                                  "the account is tied to another ESIA person: unlink it first");
      }
    } catch (const pqxx::unique_violation&) {
      return AlreadyExists("ESIA_ALREADY_LINKED",
                           "this ESIA person is tied to another account already");
    }
    return absl::OkStatus();
  }

  absl::Status SetSnils(absl::string_view account_id, absl::string_view snils) override {
    if (snils.empty()) {
      tx_.exec_params(
          "UPDATE accounts SET snils_sealed = NULL, snils_hash = NULL, snils_masked = NULL "
          "WHERE id = $1",
          std::string(account_id));
      return absl::OkStatus();
    }
    // Sealed for this account alone: a row's value cannot be moved to another account's.
    const std::string sealed = master_key_.Seal(snils, absl::StrCat("snils ", account_id));
    const std::string hash = SnilsHash(snils);
    tx_.exec_params(
        "UPDATE accounts SET snils_sealed = $2, snils_hash = $3, snils_masked = $4 WHERE id = $1",
        std::string(account_id), pqxx::binarystring(sealed.data(), sealed.size()), hash,
        MaskSnils(snils));
    return absl::OkStatus();
  }

  absl::Status SetEsiaChildren(absl::string_view account_id,
                               const std::vector<ProviderChild>& children) override {
    tx_.exec_params("DELETE FROM esia_children WHERE account_id = $1", std::string(account_id));
    int position = 0;
    for (const ProviderChild& child : children) {
      // The provider's fields never hold a line break (esia/esia_client.cc checks them).
      const std::string sealed = master_key_.Seal(
          absl::StrJoin({child.last_name, child.first_name, child.middle_name, child.birth_date},
                        "\n"),
          ChildContext(account_id, child.oid));
      tx_.exec_params(
          "INSERT INTO esia_children (account_id, child_oid, position, sealed) "
          "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
          std::string(account_id), child.oid, position++,
          pqxx::binarystring(sealed.data(), sealed.size()));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<ProviderChild>> ListEsiaChildren(
      absl::string_view account_id) override {
    std::vector<ProviderChild> children;
    for (const pqxx::row& row : tx_.exec_params(
             "SELECT child_oid, sealed FROM esia_children WHERE account_id = $1 ORDER BY position",
             std::string(account_id))) {
      ProviderChild child{.oid = row[0].as<std::string>()};
      const pqxx::binarystring sealed(row[1]);
      ASSIGN_OR_RETURN(const std::string data,
                       master_key_.Open(absl::string_view(sealed.get(), sealed.size()),
                                        ChildContext(account_id, child.oid)));
      std::vector<std::string> fields = absl::StrSplit(data, '\n');
      if (fields.size() != 4) {
        return Error(absl::StatusCode::kDataLoss, "SEALED_SECRET_CORRUPT",
                     "a child's sealed record has the wrong shape");
      }
      child.last_name = std::move(fields[0]);
      child.first_name = std::move(fields[1]);
      child.middle_name = std::move(fields[2]);
      child.birth_date = std::move(fields[3]);
      children.push_back(std::move(child));
    }
    return children;
  }

  absl::Status InsertEsiaSignIn(const EsiaSignInRequest& request) override {
    tx_.exec_params(
        "INSERT INTO esia_sign_ins (state, nonce, created_at, expires_at, account_id, "
        "verifier_hash) VALUES ($1, $2, " PARTA_PG_TS("$3") ", " PARTA_PG_TS("$4") ", $5, $6)",
        request.state, request.nonce, ToMicros(request.created_at), ToMicros(request.expires_at),
        NullIfEmpty(request.account_id), request.verifier_hash);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<EsiaSignInRequest>> TakeEsiaSignIn(
      absl::string_view state, absl::string_view verifier_hash,
      absl::string_view account_id) override {
    if (!IsUuid(state) || (!account_id.empty() && !IsUuid(account_id))) return std::nullopt;
    pqxx::result rows = tx_.exec_params(
        "DELETE FROM esia_sign_ins WHERE state = $1 AND verifier_hash = $2 AND "
        "account_id IS NOT DISTINCT FROM $3::uuid RETURNING state::text, nonce, "
        PARTA_PG_US("created_at") ", " PARTA_PG_US("expires_at") ", coalesce(account_id::text, '')",
        std::string(state), std::string(verifier_hash), NullIfEmpty(std::string(account_id)));
    if (rows.empty()) return std::nullopt;
    return EsiaSignInRequest{.state = rows[0][0].as<std::string>(),
                             .nonce = rows[0][1].as<std::string>(),
                             .account_id = rows[0][4].as<std::string>(),
                             .verifier_hash = std::string(verifier_hash),
                             .created_at = FromMicros(rows[0][2].as<int64_t>()),
                             .expires_at = FromMicros(rows[0][3].as<int64_t>())};
  }

  absl::Status SaveLoginCode(const LoginCode& code) override {
    tx_.exec_params(
        "INSERT INTO login_codes (account_id, code_hash, created_at, expires_at) VALUES ($1, $2, "
        PARTA_PG_TS("$3") ", " PARTA_PG_TS("$4") ") ON CONFLICT (account_id) DO UPDATE SET "
        "code_hash = excluded.code_hash, created_at = excluded.created_at, "
        "expires_at = excluded.expires_at",
        code.account_id, code.code_hash, ToMicros(code.created_at), ToMicros(code.expires_at));
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<LoginCode>> FindLoginCode(absl::string_view account_id) override {
    pqxx::result rows = tx_.exec_params(
        "SELECT account_id::text, code_hash, " PARTA_PG_US("created_at") ", "
        PARTA_PG_US("expires_at") " FROM login_codes WHERE account_id = $1",
        std::string(account_id));
    if (rows.empty()) return std::nullopt;
    return LoginCode{.account_id = rows[0][0].as<std::string>(),
                     .code_hash = rows[0][1].as<std::string>(),
                     .created_at = FromMicros(rows[0][2].as<int64_t>()),
                     .expires_at = FromMicros(rows[0][3].as<int64_t>())};
  }

  absl::StatusOr<bool> DeleteLoginCode(absl::string_view account_id,
                                       absl::string_view code_hash) override {
    return !tx_.exec_params(
                   "DELETE FROM login_codes WHERE account_id = $1 AND code_hash = $2 RETURNING 1",
                   std::string(account_id), std::string(code_hash))
                .empty();
  }

  absl::Status InsertSession(const Session& session) override {
    tx_.exec_params(
        "INSERT INTO sessions (id, account_id, device, client_address, created_at, last_used_at, "
        "expires_at) VALUES ($1, $2, $3, $4, " PARTA_PG_TS("$5") ", " PARTA_PG_TS("$6") ", "
        PARTA_PG_TS("$7") ")",
        session.id, session.account_id, session.device, session.client_address,
        ToMicros(session.created_at), ToMicros(session.last_used_at),
        session.expires_at ? std::optional<int64_t>(ToMicros(*session.expires_at))
                           : std::nullopt);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<Session>> FindSession(absl::string_view id) override {
    if (!IsUuid(id)) return std::nullopt;
    pqxx::result rows = tx_.exec_params(
        std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE id = $1",
        std::string(id));
    if (rows.empty()) return std::nullopt;
    return SessionFromRow(rows[0]);
  }

  absl::Status TouchSession(absl::string_view id, absl::Time at) override {
    tx_.exec_params("UPDATE sessions SET last_used_at = " PARTA_PG_TS("$2") " WHERE id = $1",
                    std::string(id), ToMicros(at));
    return absl::OkStatus();
  }

  absl::Status UpdateDisplayName(absl::string_view account_id, absl::string_view name,
                                 absl::Time at) override {
    tx_.exec_params("UPDATE accounts SET display_name = $2, updated_at = " PARTA_PG_TS("$3")
                    " WHERE id = $1",
                    std::string(account_id), std::string(name), ToMicros(at));
    return absl::OkStatus();
  }

  absl::Status UpdatePassword(absl::string_view account_id, absl::string_view hash,
                              absl::Time at) override {
    tx_.exec_params("UPDATE accounts SET password_hash = $2, updated_at = " PARTA_PG_TS("$3")
                    " WHERE id = $1",
                    std::string(account_id), std::string(hash), ToMicros(at));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<Session>> ListActiveSessions(
      absl::string_view account_id, const std::optional<SessionKey>& before,
      int limit) override {
    std::vector<Session> sessions;
    if (!IsUuid(account_id)) return sessions;
    // Keyset paging: (created_at, id) below the last of the previous page, never an offset.
    pqxx::result rows = tx_.exec_params(
        std::string("SELECT ") + kSessionColumns +
            " FROM sessions WHERE account_id = $1 AND revoked_at IS NULL "
            "AND (NOT $2 OR (created_at, id) < (" PARTA_PG_TS("$3") ", $4::uuid)) "
            "ORDER BY created_at DESC, id DESC LIMIT $5",
        std::string(account_id), before.has_value(),
        before ? ToMicros(before->created_at) : int64_t{0},
        before ? before->id : std::string("00000000-0000-0000-0000-000000000000"), limit);
    for (const pqxx::row& row : rows) sessions.push_back(SessionFromRow(row));
    return sessions;
  }

  absl::Status RevokeSession(absl::string_view id, absl::Time at,
                             absl::string_view reason) override {
    pqxx::result revoked = tx_.exec_params(
        "UPDATE sessions SET revoked_at = " PARTA_PG_TS("$2") ", revoke_reason = $3 "
        "WHERE id = $1 AND revoked_at IS NULL RETURNING account_id::text",
        std::string(id), ToMicros(at), std::string(reason));
    if (!revoked.empty()) {
      RecordRevocation(std::string(id), revoked[0][0].as<std::string>(), at, reason);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<int> RevokeOtherSessions(absl::string_view account_id, absl::string_view keep,
                                          absl::Time at, absl::string_view reason) override {
    pqxx::result revoked = tx_.exec_params(
        "UPDATE sessions SET revoked_at = " PARTA_PG_TS("$3") ", revoke_reason = $4 "
        "WHERE account_id = $1 AND id::text <> $2 AND revoked_at IS NULL RETURNING id::text",
        std::string(account_id), std::string(keep), ToMicros(at), std::string(reason));
    for (const pqxx::row& row : revoked) {
      RecordRevocation(row[0].as<std::string>(), std::string(account_id), at, reason);
    }
    return static_cast<int>(revoked.size());
  }

  absl::StatusOr<int64_t> PurgeExpired(absl::Time now, absl::Duration session_age,
                                       absl::Duration failure_age,
                                       absl::Duration request_age) override {
    int64_t deleted = 0;
    deleted += tx_.exec_params("DELETE FROM refresh_tokens WHERE expires_at < " PARTA_PG_TS("$1"),
                               ToMicros(now))
                   .affected_rows();
    deleted += tx_.exec_params(
                      "DELETE FROM sessions WHERE coalesce(revoked_at, last_used_at) < "
                      PARTA_PG_TS("$1"),
                      ToMicros(now - session_age))
                   .affected_rows();
    deleted += tx_.exec_params(
                      "DELETE FROM login_failures WHERE last_failure_at < " PARTA_PG_TS("$1")
                      " AND blocked_until < " PARTA_PG_TS("$2"),
                      ToMicros(now - failure_age), ToMicros(now))
                   .affected_rows();
    deleted += tx_.exec_params("DELETE FROM login_codes WHERE expires_at < " PARTA_PG_TS("$1"),
                               ToMicros(now))
                   .affected_rows();
    deleted += tx_.exec_params("DELETE FROM create_requests WHERE created_at < " PARTA_PG_TS("$1"),
                               ToMicros(now - request_age))
                   .affected_rows();
    deleted += tx_.exec_params("DELETE FROM esia_sign_ins WHERE expires_at < " PARTA_PG_TS("$1"),
                               ToMicros(now))
                   .affected_rows();
    return deleted;
  }

  absl::Status InsertRefreshToken(const RefreshToken& token) override {
    tx_.exec_params(
        "INSERT INTO refresh_tokens (token_hash, session_id, issued_at, expires_at, "
        "access_key_id) VALUES ($1, $2, " PARTA_PG_TS("$3") ", " PARTA_PG_TS("$4") ", $5)",
        token.token_hash, token.session_id, ToMicros(token.issued_at),
        ToMicros(token.expires_at), token.access_key_id);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<RefreshToken>> LockRefreshToken(
      absl::string_view token_hash) override {
    return SelectRefresh(token_hash, " FOR UPDATE");
  }

  absl::StatusOr<std::optional<RefreshToken>> FindRefreshToken(
      absl::string_view token_hash) override {
    return SelectRefresh(token_hash, "");
  }

  absl::Status MarkRefreshTokenRotated(absl::string_view token_hash, absl::Time at) override {
    tx_.exec_params(
        "UPDATE refresh_tokens SET rotated_at = " PARTA_PG_TS("$2") " WHERE token_hash = $1",
        std::string(token_hash), ToMicros(at));
    return absl::OkStatus();
  }

  absl::Status InsertApiClient(const ApiClient& client) override {
    tx_.exec_params(
        "INSERT INTO api_clients (id, display_name, secret_hash, scopes, created_by, created_at, "
        "secret_changed_at, certificate_sha256, certificate_not_after, school_ids, region_codes) "
        "VALUES ($1, $2, $3, string_to_array($4, ' '), $5, " PARTA_PG_TS("$6") ", " PARTA_PG_TS(
            "$6") ", $7, " PARTA_PG_TS("$8") ", string_to_array($9, ' '), "
        "string_to_array($10, ' '))",
        client.id, client.display_name, client.secret_hash, absl::StrJoin(client.scopes, " "),
        NullIfEmpty(client.created_by), ToMicros(client.created_at),
        NullIfEmpty(client.certificate_thumbprint),
        client.certificate_not_after ? std::optional<int64_t>(ToMicros(*client.certificate_not_after))
                                     : std::nullopt,
        absl::StrJoin(client.school_ids, " "), absl::StrJoin(client.region_codes, " "));
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<ApiClient>> FindApiClient(absl::string_view id) override {
    if (!IsUuid(id)) return std::nullopt;
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kApiClientColumns, " FROM api_clients WHERE id = $1"),
        std::string(id));
    if (rows.empty()) return std::nullopt;
    return ApiClientFromRow(rows[0]);
  }

  absl::StatusOr<std::vector<ApiClient>> ListApiClients(absl::string_view after_id,
                                                        int limit) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kApiClientColumns,
                     " FROM api_clients WHERE $1 = '' OR id > $1::uuid ORDER BY id LIMIT $2"),
        std::string(after_id), limit);
    std::vector<ApiClient> clients;
    for (const pqxx::row& row : rows) clients.push_back(ApiClientFromRow(row));
    return clients;
  }

  absl::StatusOr<bool> ReplaceApiClientSecret(absl::string_view id, absl::string_view secret_hash,
                                              absl::Time at) override {
    pqxx::result rows = tx_.exec_params(
        "UPDATE api_clients SET secret_hash = $2, secret_changed_at = " PARTA_PG_TS("$3")
        " WHERE id = $1 AND disabled_at IS NULL RETURNING 1",
        std::string(id), std::string(secret_hash), ToMicros(at));
    return !rows.empty();
  }

  absl::StatusOr<bool> SetApiClientCertificate(absl::string_view id, absl::string_view thumbprint,
                                               std::optional<absl::Time> not_after) override {
    pqxx::result rows = tx_.exec_params(
        "UPDATE api_clients SET certificate_sha256 = $2, certificate_not_after = " PARTA_PG_TS("$3")
        " WHERE id = $1 AND disabled_at IS NULL RETURNING 1",
        std::string(id), NullIfEmpty(std::string(thumbprint)),
        not_after ? std::optional<int64_t>(ToMicros(*not_after)) : std::nullopt);
    return !rows.empty();
  }

  absl::Status DisableApiClient(absl::string_view id, absl::Time at) override {
    tx_.exec_params("UPDATE api_clients SET disabled_at = " PARTA_PG_TS("$2")
                    " WHERE id = $1 AND disabled_at IS NULL",
                    std::string(id), ToMicros(at));
    return absl::OkStatus();
  }

  absl::Status SaveResetCode(const ResetCode& code) override {
    tx_.exec_params(
        "INSERT INTO reset_codes (account_id, code_hash, created_at, expires_at, attempts) "
        "VALUES ($1, $2, " PARTA_PG_TS("$3") ", " PARTA_PG_TS("$4") ", 0) "
        "ON CONFLICT (account_id) DO UPDATE SET code_hash = excluded.code_hash, "
        "created_at = excluded.created_at, expires_at = excluded.expires_at, attempts = 0",
        code.account_id, code.code_hash, ToMicros(code.created_at), ToMicros(code.expires_at));
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<ResetCode>> LockResetCode(absl::string_view account_id) override {
    if (!IsUuid(account_id)) return std::nullopt;
    pqxx::result rows = tx_.exec_params(
        "SELECT code_hash, " PARTA_PG_US("created_at") ", " PARTA_PG_US("expires_at")
        ", attempts FROM reset_codes WHERE account_id = $1 FOR UPDATE",
        std::string(account_id));
    if (rows.empty()) return std::nullopt;
    return ResetCode{.account_id = std::string(account_id),
                     .code_hash = rows[0][0].as<std::string>(),
                     .created_at = FromMicros(rows[0][1].as<int64_t>()),
                     .expires_at = FromMicros(rows[0][2].as<int64_t>()),
                     .attempts = rows[0][3].as<int>()};
  }

  absl::Status SetResetAttempts(absl::string_view account_id, int attempts) override {
    tx_.exec_params("UPDATE reset_codes SET attempts = $2 WHERE account_id = $1",
                    std::string(account_id), attempts);
    return absl::OkStatus();
  }

  absl::Status DeleteResetCode(absl::string_view account_id) override {
    tx_.exec_params("DELETE FROM reset_codes WHERE account_id = $1", std::string(account_id));
    return absl::OkStatus();
  }

  absl::StatusOr<ResetRequests> LockResetRequests(absl::string_view login) override {
    // One statement: creates the record if absent and locks it either way.
    pqxx::row row = tx_.exec_params1(
        "INSERT INTO reset_requests AS r (login, window_start, requests, last_request_at) "
        "VALUES ($1, 'epoch', 0, 'epoch') ON CONFLICT (login) DO UPDATE SET login = r.login "
        "RETURNING " PARTA_PG_US("r.window_start") ", r.requests, "
        PARTA_PG_US("r.last_request_at"),
        std::string(login));
    return ResetRequests{.window_start = FromMicros(row[0].as<int64_t>()),
                         .requests = row[1].as<int>(),
                         .last_request_at = FromMicros(row[2].as<int64_t>())};
  }

  absl::Status SaveResetRequests(absl::string_view login,
                                 const ResetRequests& requests) override {
    tx_.exec_params("UPDATE reset_requests SET window_start = " PARTA_PG_TS("$2")
                    ", requests = $3, last_request_at = " PARTA_PG_TS("$4") " WHERE login = $1",
                    std::string(login), ToMicros(requests.window_start), requests.requests,
                    ToMicros(requests.last_request_at));
    return absl::OkStatus();
  }

  absl::Status SaveContactChange(const ContactChange& change) override {
    tx_.exec_params(
        "INSERT INTO contact_changes (account_id, channel, new_value, code_hash, created_at, "
        "expires_at, attempts) VALUES ($1, $2, $3, $4, " PARTA_PG_TS("$5") ", " PARTA_PG_TS("$6")
        ", 0) ON CONFLICT (account_id) DO UPDATE SET channel = excluded.channel, "
        "new_value = excluded.new_value, code_hash = excluded.code_hash, "
        "created_at = excluded.created_at, expires_at = excluded.expires_at, attempts = 0",
        change.account_id, change.channel == DeliveryChannel::kEmail ? "email" : "sms",
        change.new_value, change.code_hash, ToMicros(change.created_at),
        ToMicros(change.expires_at));
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<ContactChange>> LockContactChange(
      absl::string_view account_id) override {
    if (!IsUuid(account_id)) return std::nullopt;
    pqxx::result rows = tx_.exec_params(
        "SELECT channel, new_value, code_hash, " PARTA_PG_US("created_at") ", "
        PARTA_PG_US("expires_at") ", attempts FROM contact_changes WHERE account_id = $1 "
        "FOR UPDATE",
        std::string(account_id));
    if (rows.empty()) return std::nullopt;
    return ContactChange{.account_id = std::string(account_id),
                         .channel = rows[0][0].as<std::string>() == "email"
                                        ? DeliveryChannel::kEmail
                                        : DeliveryChannel::kSms,
                         .new_value = rows[0][1].as<std::string>(),
                         .code_hash = rows[0][2].as<std::string>(),
                         .created_at = FromMicros(rows[0][3].as<int64_t>()),
                         .expires_at = FromMicros(rows[0][4].as<int64_t>()),
                         .attempts = rows[0][5].as<int>()};
  }

  absl::Status SetContactChangeAttempts(absl::string_view account_id, int attempts) override {
    tx_.exec_params("UPDATE contact_changes SET attempts = $2 WHERE account_id = $1",
                    std::string(account_id), attempts);
    return absl::OkStatus();
  }

  absl::Status DeleteContactChange(absl::string_view account_id) override {
    tx_.exec_params("DELETE FROM contact_changes WHERE account_id = $1",
                    std::string(account_id));
    return absl::OkStatus();
  }

  absl::Status SetContact(absl::string_view account_id, DeliveryChannel channel,
                          absl::string_view value, absl::Time at) override {
    try {
      tx_.exec_params(channel == DeliveryChannel::kEmail
                          ? "UPDATE accounts SET email = $2, updated_at = " PARTA_PG_TS("$3")
                            " WHERE id = $1"
                          : "UPDATE accounts SET phone = $2, updated_at = " PARTA_PG_TS("$3")
                            " WHERE id = $1",
                      std::string(account_id), std::string(value), ToMicros(at));
    } catch (const pqxx::unique_violation&) {
      return AlreadyExists("ACCOUNT_EXISTS", "another account has this address");
    }
    return absl::OkStatus();
  }

  // A message's body is sealed for that message alone.
  static std::string MessageContext(absl::string_view id) {
    return absl::StrCat("outgoing message ", id);
  }

  absl::Status InsertOutgoingMessage(const OutgoingMessage& message) override {
    const std::string sealed = master_key_.Seal(message.body, MessageContext(message.id));
    tx_.exec_params(
        "INSERT INTO outgoing_messages (id, channel, recipient, subject, body_sealed, created_at, "
        "expires_at, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, " PARTA_PG_TS("$6")
        ", " PARTA_PG_TS("$7") ", $8, " PARTA_PG_TS("$9") ")",
        message.id, message.channel == DeliveryChannel::kEmail ? "email" : "sms",
        message.recipient, message.subject, pqxx::binarystring(sealed.data(), sealed.size()),
        ToMicros(message.created_at), ToMicros(message.expires_at), message.attempts,
        ToMicros(message.next_attempt_at));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<OutgoingMessage>> LockDueMessages(absl::Time now,
                                                               int limit) override {
    pqxx::result rows = tx_.exec_params(
        "SELECT id::text, channel, recipient, subject, body_sealed, " PARTA_PG_US("created_at")
        ", " PARTA_PG_US("expires_at") ", attempts, " PARTA_PG_US("next_attempt_at")
        " FROM outgoing_messages WHERE next_attempt_at <= " PARTA_PG_TS("$1")
        " ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED",
        ToMicros(now), limit);
    std::vector<OutgoingMessage> messages;
    for (const pqxx::row& row : rows) {
      OutgoingMessage message{
          .id = row[0].as<std::string>(),
          .channel = row[1].as<std::string>() == "email" ? DeliveryChannel::kEmail
                                                         : DeliveryChannel::kSms,
          .recipient = row[2].as<std::string>(),
          .subject = row[3].as<std::string>(),
          .created_at = FromMicros(row[5].as<int64_t>()),
          .expires_at = FromMicros(row[6].as<int64_t>()),
          .attempts = row[7].as<int>(),
          .next_attempt_at = FromMicros(row[8].as<int64_t>())};
      const pqxx::binarystring sealed(row[4]);
      ASSIGN_OR_RETURN(message.body,
                       master_key_.Open(absl::string_view(sealed.get(), sealed.size()),
                                        MessageContext(message.id)));
      messages.push_back(std::move(message));
    }
    return messages;
  }

  absl::Status DeleteOutgoingMessage(absl::string_view id) override {
    tx_.exec_params("DELETE FROM outgoing_messages WHERE id = $1", std::string(id));
    return absl::OkStatus();
  }

  absl::Status RescheduleOutgoingMessage(absl::string_view id, int attempts,
                                         absl::Time next_attempt_at,
                                         absl::string_view error) override {
    tx_.exec_params("UPDATE outgoing_messages SET attempts = $2, next_attempt_at = "
                    PARTA_PG_TS("$3") ", last_error = $4 WHERE id = $1",
                    std::string(id), attempts, ToMicros(next_attempt_at),
                    std::string(error.substr(0, 1000)));
    return absl::OkStatus();
  }

  absl::Status SetAccountState(absl::string_view account_id, AccountState state,
                               absl::Time at) override {
    tx_.exec_params("UPDATE accounts SET state = $2, updated_at = " PARTA_PG_TS("$3")
                    " WHERE id = $1",
                    std::string(account_id),
                    state == AccountState::kLocked    ? "locked"
                    : state == AccountState::kClosed  ? "closed"
                    : state == AccountState::kDeleted ? "deleted"
                                                      : "active",
                    ToMicros(at));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::string>> LockActiveOperators() override {
    pqxx::result rows = tx_.exec(
        "SELECT id::text FROM accounts WHERE is_operator AND state = 'active' ORDER BY id "
        "FOR UPDATE");
    std::vector<std::string> ids;
    for (const pqxx::row& row : rows) ids.push_back(row[0].as<std::string>());
    return ids;
  }

  absl::Status RecordAccountChange(const AccountChange& change) override {
    v1::AccountEvent event;
    event.set_account_id(change.account_id);
    *event.mutable_time() = Timestamp(change.at);
    event.set_actor_id(change.actor_id);
    event.set_reason(change.reason);
    switch (change.kind) {
      case AccountChange::Kind::kLocked:
        event.mutable_locked();
        break;
      case AccountChange::Kind::kUnlocked:
        event.mutable_unlocked();
        break;
      case AccountChange::Kind::kClosed:
        *event.mutable_closed()->mutable_erase_time() = Timestamp(change.erase_at);
        break;
      case AccountChange::Kind::kReopened:
        event.mutable_reopened();
        break;
      case AccountChange::Kind::kErased:
        event.mutable_erased();
        break;
    }
    pg::AppendToOutbox(tx_, std::string(kAccountsStream), event.GetTypeName(),
                       event.SerializeAsString());
    return absl::OkStatus();
  }

  absl::Status SaveErasure(const Erasure& erasure) override {
    tx_.exec_params(
        "INSERT INTO account_erasures (account_id, state, requested_by, reason, requested_at, "
        "erase_at) VALUES ($1, 'pending', $2, $3, " PARTA_PG_TS("$4") ", " PARTA_PG_TS("$5") ") "
        "ON CONFLICT (account_id) DO UPDATE SET state = 'pending', "
        "requested_by = excluded.requested_by, reason = excluded.reason, "
        "requested_at = excluded.requested_at, erase_at = excluded.erase_at, finished_at = NULL",
        erasure.account_id, erasure.requested_by, erasure.reason,
        ToMicros(erasure.requested_at), ToMicros(erasure.erase_at));
    return absl::OkStatus();
  }

  static Erasure ErasureFromRow(const pqxx::row& row) {
    return Erasure{.account_id = row[0].as<std::string>(),
                   .requested_by = row[1].as<std::string>(),
                   .reason = row[2].as<std::string>(),
                   .requested_at = FromMicros(row[3].as<int64_t>()),
                   .erase_at = FromMicros(row[4].as<int64_t>())};
  }

  absl::StatusOr<std::optional<Erasure>> LockPendingErasure(
      absl::string_view account_id) override {
    pqxx::result rows = tx_.exec_params(
        std::string(kErasureSelect) + " WHERE account_id = $1 AND state = 'pending' FOR UPDATE",
        std::string(account_id));
    if (rows.empty()) return std::nullopt;
    return ErasureFromRow(rows[0]);
  }

  absl::StatusOr<std::vector<Erasure>> LockDueErasures(absl::Time now, int limit) override {
    pqxx::result rows = tx_.exec_params(
        std::string(kErasureSelect) + " WHERE state = 'pending' AND erase_at <= " +
            PARTA_PG_TS("$1") " ORDER BY erase_at LIMIT $2 FOR UPDATE SKIP LOCKED",
        ToMicros(now), limit);
    std::vector<Erasure> due;
    for (const pqxx::row& row : rows) due.push_back(ErasureFromRow(row));
    return due;
  }

  absl::Status EndErasure(absl::string_view account_id, bool done, absl::Time at) override {
    tx_.exec_params("UPDATE account_erasures SET state = $2, finished_at = " PARTA_PG_TS("$3")
                    " WHERE account_id = $1 AND state = 'pending'",
                    std::string(account_id), done ? "done" : "cancelled", ToMicros(at));
    return absl::OkStatus();
  }

  absl::Status WipeAccount(absl::string_view account_id, absl::Time at) override {
    const std::string id(account_id);
    // What was sent or about to be sent to his addresses, and the throttles of his logins.
    tx_.exec_params(
        "DELETE FROM outgoing_messages WHERE recipient IN "
        "(SELECT unnest(ARRAY[email, phone]) FROM accounts WHERE id = $1)",
        id);
    tx_.exec_params(
        "DELETE FROM login_failures WHERE login IN "
        "(SELECT unnest(ARRAY[email, phone, username]) FROM accounts WHERE id = $1)",
        id);
    for (const char* table : {"login_codes", "reset_codes", "contact_changes", "esia_children",
                              "esia_sign_ins"}) {
      tx_.exec_params(absl::StrCat("DELETE FROM ", table, " WHERE account_id = $1"), id);
    }
    tx_.exec_params("DELETE FROM sessions WHERE account_id = $1", id);  // tokens go with them
    tx_.exec_params(
        "UPDATE accounts SET state = 'deleted', email = NULL, phone = NULL, username = NULL, "
        "external_key = NULL, esia_oid = NULL, esia_trusted = false, snils_sealed = NULL, "
        "snils_hash = NULL, snils_masked = NULL, password_hash = '', is_operator = false, "
        "display_name = $2, "
        "updated_at = " PARTA_PG_TS("$3") " WHERE id = $1",
        id, std::string(kErasedDisplayName), ToMicros(at));
    return absl::OkStatus();
  }

  static absl::string_view AuditActionName(AuditAction action) {
    switch (action) {
      case AuditAction::kLocked:
        return "locked";
      case AuditAction::kUnlocked:
        return "unlocked";
      case AuditAction::kLookedUp:
        return "looked_up";
      case AuditAction::kContactChanged:
        return "contact_changed";
      case AuditAction::kErasureRequested:
        return "erasure_requested";
      case AuditAction::kErasureCancelled:
        return "erasure_cancelled";
      case AuditAction::kErased:
        return "erased";
      case AuditAction::kPasswordReset:
        break;
    }
    return "password_reset";
  }

  static AuditAction ParseAuditAction(const std::string& text) {
    if (text == "locked") return AuditAction::kLocked;
    if (text == "unlocked") return AuditAction::kUnlocked;
    if (text == "looked_up") return AuditAction::kLookedUp;
    if (text == "contact_changed") return AuditAction::kContactChanged;
    if (text == "erasure_requested") return AuditAction::kErasureRequested;
    if (text == "erasure_cancelled") return AuditAction::kErasureCancelled;
    if (text == "erased") return AuditAction::kErased;
    return AuditAction::kPasswordReset;
  }

  absl::Status InsertAudit(const AuditEntry& entry) override {
    tx_.exec_params(
        "INSERT INTO account_audit (id, action, account_id, actor_id, reason, client_address, "
        "created_at) VALUES ($1, $2, $3, $4, $5, $6, " PARTA_PG_TS("$7") ")",
        entry.id, std::string(AuditActionName(entry.action)), entry.account_id, entry.actor_id,
        entry.reason, entry.client_address, ToMicros(entry.created_at));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<AuditEntry>> ListAudit(absl::string_view account_id,
                                                    int64_t before_seq, int limit) override {
    // Keyset paging, the newest first.
    pqxx::result rows = tx_.exec_params(
        "SELECT id::text, action, account_id::text, actor_id::text, reason, client_address, "
        PARTA_PG_US("created_at") ", seq FROM account_audit "
        "WHERE ($1 = '' OR account_id = nullif($1, '')::uuid) AND ($2 = 0 OR seq < $2) "
        "ORDER BY seq DESC LIMIT $3",
        std::string(account_id), before_seq, limit);
    std::vector<AuditEntry> entries;
    for (const pqxx::row& row : rows) {
      entries.push_back(AuditEntry{.id = row[0].as<std::string>(),
                                   .seq = row[7].as<int64_t>(),
                                   .action = ParseAuditAction(row[1].as<std::string>()),
                                   .account_id = row[2].as<std::string>(),
                                   .actor_id = row[3].as<std::string>(),
                                   .reason = row[4].as<std::string>(),
                                   .client_address = row[5].as<std::string>(),
                                   .created_at = FromMicros(row[6].as<int64_t>())});
    }
    return entries;
  }

  absl::StatusOr<int64_t> PurgeRecovery(absl::Time now, absl::Duration request_window,
                                        absl::Duration audit_age) override {
    int64_t deleted = 0;
    deleted += tx_.exec_params("DELETE FROM reset_codes WHERE expires_at < " PARTA_PG_TS("$1"),
                               ToMicros(now))
                   .affected_rows();
    deleted += tx_.exec_params(
                      "DELETE FROM contact_changes WHERE expires_at < " PARTA_PG_TS("$1"),
                      ToMicros(now))
                   .affected_rows();
    deleted += tx_.exec_params(
                      "DELETE FROM reset_requests WHERE last_request_at < " PARTA_PG_TS("$1"),
                      ToMicros(now - request_window))
                   .affected_rows();
    // Stale messages the sender never got through (it drops them itself when it runs).
    deleted += tx_.exec_params(
                      "DELETE FROM outgoing_messages WHERE expires_at < " PARTA_PG_TS("$1"),
                      ToMicros(now))
                   .affected_rows();
    deleted += tx_.exec_params("DELETE FROM account_audit WHERE created_at < " PARTA_PG_TS("$1"),
                               ToMicros(now - audit_age))
                   .affected_rows();
    return deleted;
  }

  absl::StatusOr<LoginFailures> LockLoginFailures(absl::string_view login) override {
    // One statement: creates the record if absent and locks it either way.
    pqxx::row row = tx_.exec_params1(
        "INSERT INTO login_failures AS f (login, failures, last_failure_at, blocked_until) "
        "VALUES ($1, 0, 'epoch', 'epoch') ON CONFLICT (login) DO UPDATE SET login = f.login "
        "RETURNING f.failures, " PARTA_PG_US("f.last_failure_at") ", "
        PARTA_PG_US("f.blocked_until"),
        std::string(login));
    return LoginFailures{.failures = row[0].as<int>(),
                         .last_failure_at = FromMicros(row[1].as<int64_t>()),
                         .blocked_until = FromMicros(row[2].as<int64_t>())};
  }

  absl::Status SaveLoginFailures(absl::string_view login,
                                 const LoginFailures& failures) override {
    tx_.exec_params(
        "INSERT INTO login_failures (login, failures, last_failure_at, blocked_until) "
        "VALUES ($1, $2, " PARTA_PG_TS("$3") ", " PARTA_PG_TS("$4") ") "
        "ON CONFLICT (login) DO UPDATE SET failures = excluded.failures, "
        "last_failure_at = excluded.last_failure_at, blocked_until = excluded.blocked_until",
        std::string(login), failures.failures, ToMicros(failures.last_failure_at),
        ToMicros(failures.blocked_until));
    return absl::OkStatus();
  }

  absl::Status ClearLoginFailures(absl::string_view login) override {
    tx_.exec_params("DELETE FROM login_failures WHERE login = $1", std::string(login));
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<std::optional<RefreshToken>> SelectRefresh(absl::string_view token_hash,
                                                            const char* suffix) {
    pqxx::result rows = tx_.exec_params(std::string("SELECT ") + kRefreshColumns +
                                            " FROM refresh_tokens WHERE token_hash = $1" + suffix,
                                        std::string(token_hash));
    if (rows.empty()) return std::nullopt;
    return RefreshFromRow(rows[0]);
  }

  // A SessionRevoked event in the outbox, in this transaction.
  void RecordRevocation(const std::string& session_id, const std::string& account_id,
                        absl::Time at, absl::string_view reason) {
    v1::SessionRevoked event;
    event.set_session_id(session_id);
    event.set_account_id(account_id);
    *event.mutable_revoke_time() = Timestamp(at);
    event.set_reason(std::string(reason));
    pg::AppendToOutbox(tx_, std::string(kSessionsStream), event.GetTypeName(),
                       event.SerializeAsString());
  }

  pqxx::transaction_base& tx_;
  const MasterKey& master_key_;
};

}  // namespace

absl::Status PgIdentityStore::Transact(
    const std::function<absl::Status(IdentityTransaction&)>& work) {
  return pool_.Transact([&](pqxx::work& tx) {
    PgIdentityTransaction adapter(tx, master_key_);
    return work(adapter);
  });
}

absl::Status PgIdentityStore::Read(const std::function<absl::Status(IdentityTransaction&)>& work) {
  return pool_.Read([&](pqxx::nontransaction& tx) {
    PgIdentityTransaction adapter(tx, master_key_);
    return work(adapter);
  });
}

absl::StatusOr<std::vector<SigningKeyRecord>> PgKeyStore::Load(pqxx::work& tx) {
  pqxx::result rows = tx.exec(
      "SELECT kid, sealed_private, " PARTA_PG_US("created_at") ", " PARTA_PG_US("activates_at")
      ", " PARTA_PG_US("retires_at") ", " PARTA_PG_US("expires_at")
      " FROM signing_keys ORDER BY activates_at");
  std::vector<SigningKeyRecord> keys;
  for (const pqxx::row& row : rows) {
    SigningKeyRecord key{.kid = row[0].as<std::string>(),
                         .created_at = FromMicros(row[2].as<int64_t>()),
                         .activates_at = FromMicros(row[3].as<int64_t>()),
                         .retires_at = FromMicros(row[4].as<int64_t>()),
                         .expires_at = FromMicros(row[5].as<int64_t>())};
    pqxx::binarystring sealed(row[1]);
    ASSIGN_OR_RETURN(key.private_key, master_key_.Open(absl::string_view(sealed.get(), sealed.size()), key.kid));
    keys.push_back(std::move(key));
  }
  return keys;
}

absl::StatusOr<std::vector<SigningKeyRecord>> PgKeyStore::LoadKeys() {
  return pool_.TransactFor<std::vector<SigningKeyRecord>>(
      [this](pqxx::work& tx) { return Load(tx); });
}

absl::Status PgKeyStore::Maintain(
    const std::function<KeyChanges(const std::vector<SigningKeyRecord>& current)>& plan) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    // One replica at a time decides about new keys.
    tx.exec("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.signing_keys'))");
    ASSIGN_OR_RETURN(std::vector<SigningKeyRecord> current, Load(tx));
    KeyChanges changes = plan(current);
    for (const SigningKeyRecord& key : changes.add) {
      std::string sealed = master_key_.Seal(key.private_key, key.kid);
      tx.exec_params(
          "INSERT INTO signing_keys (kid, sealed_private, created_at, activates_at, retires_at, "
          "expires_at) VALUES ($1, $2, " PARTA_PG_TS("$3") ", " PARTA_PG_TS("$4") ", "
          PARTA_PG_TS("$5") ", " PARTA_PG_TS("$6") ")",
          key.kid, pqxx::binarystring(sealed.data(), sealed.size()), ToMicros(key.created_at),
          ToMicros(key.activates_at), ToMicros(key.retires_at), ToMicros(key.expires_at));
    }
    for (const std::string& kid : changes.remove) {
      tx.exec_params("DELETE FROM signing_keys WHERE kid = $1", kid);
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> PgSessionRevocations::IsRevoked(absl::string_view session_id) {
  if (!IsUuid(session_id)) return true;
  return pool_.ReadFor<bool>([&](pqxx::nontransaction& tx) -> absl::StatusOr<bool> {
    // A session of an account that is no longer active counts as revoked.
    pqxx::result rows = tx.exec_params(
        "SELECT s.revoked_at IS NOT NULL OR a.state <> 'active' "
        "FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id = $1",
        std::string(session_id));
    return rows.empty() || rows[0][0].as<bool>();
  });
}

}  // namespace parta::identity
