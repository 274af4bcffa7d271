#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/auth/token.h"
#include "libs/core/random.h"
#include "libs/core/status.h"

namespace parta::auth {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

Claims UserClaims() {
  Claims claims;
  claims.issuer = "parta-identity";
  claims.audience = "parta";
  claims.subject = "account-1";
  claims.session_id = "session-1";
  claims.token_id = "jti-1";
  claims.issued_at = kNow;
  claims.not_before = kNow;
  claims.expires_at = kNow + absl::Minutes(15);
  claims.scopes = {"profile"};
  return claims;
}

VerifyOptions Options() { return {.issuer = "parta-identity", .audience = "parta"}; }

struct Signer {
  Ed25519PrivateKey key = Ed25519PrivateKey::Generate();
  KeySet keys{{"k1", key.PublicKey()}};
  std::string Sign(const Claims& claims) const { return SignToken(key, "k1", claims); }
};

std::string Reason(const absl::StatusOr<Claims>& result) {
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == absl::StatusCode::kUnauthenticated);
  return ReasonOf(result.status());
}

// Rebuilds a token with another header or payload, keeping the original signature.
std::string Forge(absl::string_view token, absl::string_view header_json,
                  absl::string_view payload_json = "") {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  parts[0] = Base64UrlEncode(header_json);
  if (!payload_json.empty()) parts[1] = Base64UrlEncode(payload_json);
  return absl::StrCat(parts[0], ".", parts[1], ".", parts[2]);
}

TEST_CASE("A signed token verifies and yields its claims", "[auth][unit]") {
  Signer signer;
  absl::StatusOr<Claims> claims = VerifyToken(signer.Sign(UserClaims()), signer.keys, Options(),
                                              kNow + absl::Minutes(1));
  REQUIRE(claims.ok());
  CHECK(claims->subject == "account-1");
  CHECK(claims->session_id == "session-1");
  CHECK(claims->expires_at == kNow + absl::Minutes(15));
  CHECK(claims->HasScope("profile"));
  CHECK_FALSE(claims->is_operator);
}

TEST_CASE("Signing is deterministic for the same claims", "[auth][unit]") {
  Signer signer;
  CHECK(signer.Sign(UserClaims()) == signer.Sign(UserClaims()));
}

TEST_CASE("Tokens that must be refused are refused with their reason", "[auth][unit]") {
  Signer signer;
  std::string token = signer.Sign(UserClaims());
  absl::Time now = kNow + absl::Minutes(1);

  SECTION("a tampered payload") {
    Claims changed = UserClaims();
    changed.subject = "account-2";
    std::vector<std::string> parts = absl::StrSplit(signer.Sign(changed), '.');
    std::vector<std::string> original = absl::StrSplit(token, '.');
    std::string tampered = absl::StrCat(original[0], ".", parts[1], ".", original[2]);
    CHECK(Reason(VerifyToken(tampered, signer.keys, Options(), now)) == "BAD_SIGNATURE");
  }
  SECTION("alg none") {
    std::string forged = Forge(token, R"({"alg":"none","typ":"at+jwt","kid":"k1"})");
    CHECK(Reason(VerifyToken(forged, signer.keys, Options(), now)) == "UNSUPPORTED_ALGORITHM");
  }
  SECTION("an HMAC algorithm") {
    std::string forged = Forge(token, R"({"alg":"HS256","typ":"at+jwt","kid":"k1"})");
    CHECK(Reason(VerifyToken(forged, signer.keys, Options(), now)) == "UNSUPPORTED_ALGORITHM");
  }
  SECTION("an unknown key id") {
    Signer other;
    std::string foreign = SignToken(other.key, "k9", UserClaims());
    CHECK(Reason(VerifyToken(foreign, signer.keys, Options(), now)) == "UNKNOWN_KEY");
  }
  SECTION("a known key id with another key's signature") {
    Signer other;
    std::string foreign = other.Sign(UserClaims());
    CHECK(Reason(VerifyToken(foreign, signer.keys, Options(), now)) == "BAD_SIGNATURE");
  }
  SECTION("an expired token") {
    CHECK(Reason(VerifyToken(token, signer.keys, Options(), kNow + absl::Minutes(16))) ==
          "TOKEN_EXPIRED");
  }
  SECTION("a token not yet valid") {
    CHECK(Reason(VerifyToken(token, signer.keys, Options(), kNow - absl::Minutes(5))) ==
          "TOKEN_NOT_YET_VALID");
  }
  SECTION("another audience") {
    VerifyOptions options = Options();
    options.audience = "elsewhere";
    CHECK(Reason(VerifyToken(token, signer.keys, options, now)) == "WRONG_AUDIENCE");
  }
  SECTION("another issuer") {
    VerifyOptions options = Options();
    options.issuer = "someone-else";
    CHECK(Reason(VerifyToken(token, signer.keys, options, now)) == "WRONG_ISSUER");
  }
  SECTION("a token with neither session nor client") {
    Claims claims = UserClaims();
    claims.session_id.clear();
    CHECK(Reason(VerifyToken(signer.Sign(claims), signer.keys, Options(), now)) ==
          "MISSING_CLAIM");
  }
  SECTION("garbage") {
    CHECK(Reason(VerifyToken("not.a.token", signer.keys, Options(), now)) == "MALFORMED_TOKEN");
    CHECK(Reason(VerifyToken("", signer.keys, Options(), now)) == "MALFORMED_TOKEN");
  }
}

TEST_CASE("A key set survives a JWKS round trip and skips foreign key types", "[auth][unit]") {
  Signer signer;
  absl::StatusOr<KeySet> parsed = KeySetFromJwks(KeySetToJwks(signer.keys));
  REQUIRE(parsed.ok());
  REQUIRE(parsed->size() == 1);
  CHECK(VerifyToken(signer.Sign(UserClaims()), *parsed, Options(), kNow).ok());

  absl::StatusOr<KeySet> mixed = KeySetFromJwks(
      R"({"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"}]})");
  REQUIRE(mixed.ok());
  CHECK(mixed->empty());
  CHECK_FALSE(KeySetFromJwks("[]").ok());
  CHECK_FALSE(KeySetFromJwks(R"({"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k"}]})").ok());
}

TEST_CASE("Public keys must be valid Ed25519 points", "[auth][unit]") {
  CHECK_FALSE(Ed25519PublicKey::FromRaw(std::string(31, 'a')).ok());
  CHECK_FALSE(Ed25519PublicKey::FromRaw(std::string(32, '\0')).ok());  // small-order point
  Ed25519PrivateKey key = Ed25519PrivateKey::Generate();
  absl::StatusOr<Ed25519PublicKey> parsed = Ed25519PublicKey::FromRaw(key.RawPublic());
  REQUIRE(parsed.ok());
  std::string signature = key.Sign("message");
  CHECK(parsed->Verify("message", signature));
  CHECK_FALSE(parsed->Verify("messagf", signature));
  signature[10] ^= 1;
  CHECK_FALSE(parsed->Verify("message", signature));
}

}  // namespace
}  // namespace parta::auth

namespace parta::auth {
namespace {

Claims ClientClaims() {
  Claims claims = UserClaims();
  claims.session_id.clear();
  claims.subject = claims.client_id = "client-1";
  claims.scopes = {"directory.events.read"};
  return claims;
}

// A token of `payload_json` signed by `signer`, for payloads SignToken would never write.
std::string SignRaw(const Signer& signer, absl::string_view payload_json) {
  std::string input = absl::StrCat(Base64UrlEncode(R"({"alg":"EdDSA","typ":"at+jwt","kid":"k1"})"),
                                   ".", Base64UrlEncode(payload_json));
  return absl::StrCat(input, ".", Base64UrlEncode(signer.key.Sign(input)));
}

TEST_CASE("A client's token carries its certificate binding and school limits", "[auth][unit]") {
  Signer signer;
  Claims claims = ClientClaims();
  claims.certificate_thumbprint = "b_qcJDA-tZfMatpc5IrxEaI8YgVmojvBm5MzwxB8R00";
  claims.school_ids = {"school-1"};
  claims.region_codes = {"77", "50"};
  absl::StatusOr<Claims> verified = VerifyToken(signer.Sign(claims), signer.keys, Options(), kNow);
  REQUIRE(verified.ok());
  CHECK(verified->certificate_thumbprint == claims.certificate_thumbprint);
  CHECK(verified->school_ids == claims.school_ids);
  CHECK(verified->region_codes == claims.region_codes);
  CHECK(verified->CoversSchool("school-1", "16"));
  CHECK(verified->CoversSchool("school-2", "50"));
  CHECK_FALSE(verified->CoversSchool("school-2", "16"));
  CHECK_FALSE(verified->CoversSchool("school-2", ""));

  absl::StatusOr<Claims> unlimited =
      VerifyToken(signer.Sign(ClientClaims()), signer.keys, Options(), kNow);
  REQUIRE(unlimited.ok());
  CHECK(unlimited->certificate_thumbprint.empty());
  CHECK_FALSE(unlimited->LimitedToSchools());
  CHECK(unlimited->CoversSchool("any", ""));
}

TEST_CASE("A binding or a limit that cannot be read refuses the token", "[auth][unit]") {
  Signer signer;
  const std::string base = absl::StrCat(
      R"({"iss":"parta-identity","aud":"parta","sub":"client-1","client_id":"client-1",)",
      R"("jti":"j","iat":)", absl::ToUnixSeconds(kNow), R"(,"nbf":)", absl::ToUnixSeconds(kNow),
      R"(,"exp":)", absl::ToUnixSeconds(kNow + absl::Minutes(5)));
  REQUIRE(VerifyToken(SignRaw(signer, base + "}"), signer.keys, Options(), kNow).ok());
  for (const char* extra : {R"("cnf":"abc")", R"("cnf":{})", R"("cnf":{"x5t#S256":""})",
                            R"("cnf":{"jkt":"abc"})", R"("cnf":{"x5t#S256":"abc","jkt":"abc"})",
                            R"("schools":"school-1")",
                            R"("schools":[])", R"("schools":[1])", R"("regions":[""])",
                            R"("regions":{"77":true})"}) {
    INFO(extra);
    CHECK(Reason(VerifyToken(SignRaw(signer, absl::StrCat(base, ",", extra, "}")), signer.keys,
                             Options(), kNow)) == "MALFORMED_TOKEN");
  }
}

}  // namespace
}  // namespace parta::auth
