#pragma once

// Access tokens: JWTs signed with Ed25519 (`alg: EdDSA`, `typ: at+jwt`, `kid`), verified as
// RFC 8725 asks: one allowed algorithm, the key chosen only by `kid` from our own key set (never
// from the token), every registered claim checked.

#include <map>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/auth/ed25519.h"

namespace parta::auth {

// The scope that opens `internal` RPCs.
inline constexpr absl::string_view kInternalScope = "parta.internal";

struct Claims {
  std::string issuer;          // iss
  std::string audience;        // aud
  std::string subject;         // sub: account id, or the client id of a service token
  std::string session_id;      // sid: empty for service tokens
  std::string client_id;       // client_id: set for service tokens only
  std::string client_name;     // client_name: the API client's registered name (service tokens)
  std::string token_id;        // jti
  absl::Time issued_at;        // iat
  absl::Time not_before;       // nbf
  absl::Time expires_at;       // exp
  bool is_operator = false;    // op: platform operator
  std::vector<std::string> scopes;  // scope, space-separated in the token
  // cnf.x5t#S256 (RFC 8705): the token is bound to the client certificate with this SHA-256
  // thumbprint (base64url) and is good only on a connection presenting it; empty: unbound.
  std::string certificate_thumbprint;
  // schools, regions: a service token of a client limited to these schools (ids) and the schools
  // of these regions (two-digit codes); both empty: not limited.
  std::vector<std::string> school_ids;
  std::vector<std::string> region_codes;

  bool HasScope(absl::string_view scope) const;
  bool IsService() const { return !client_id.empty(); }
  bool LimitedToSchools() const { return !school_ids.empty() || !region_codes.empty(); }
  // Whether the caller may touch the school `school_id` of region `region_code`: always when
  // not limited to schools.
  bool CoversSchool(absl::string_view school_id, absl::string_view region_code) const;
};

// Public keys by key id.
using KeySet = std::map<std::string, Ed25519PublicKey, std::less<>>;

// Signs `claims` with `key` under key id `kid`.
std::string SignToken(const Ed25519PrivateKey& key, absl::string_view kid, const Claims& claims);

struct VerifyOptions {
  std::string issuer;
  std::string audience;
  absl::Duration leeway = absl::Seconds(30);
};

// The key id of a token's header, without verifying anything (to pick a key set).
absl::StatusOr<std::string> PeekKeyId(absl::string_view token);

// Verifies signature and claims. Every failure is UNAUTHENTICATED with a reason:
// MALFORMED_TOKEN, UNSUPPORTED_ALGORITHM, UNKNOWN_KEY, BAD_SIGNATURE, WRONG_ISSUER,
// WRONG_AUDIENCE, TOKEN_EXPIRED, TOKEN_NOT_YET_VALID, MISSING_CLAIM.
absl::StatusOr<Claims> VerifyToken(absl::string_view token, const KeySet& keys,
                                   const VerifyOptions& options, absl::Time now);

// JWKS (RFC 7517) documents of OKP/Ed25519 keys.
std::string KeySetToJwks(const KeySet& keys);
absl::StatusOr<KeySet> KeySetFromJwks(absl::string_view json);

}  // namespace parta::auth
