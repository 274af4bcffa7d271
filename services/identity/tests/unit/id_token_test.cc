// The checks of ESIA's ID tokens, one by one: tokens signed with a test provider key (the ESIA
// emulator's signer), each wrong in one way, are refused naming that way; none can throw.
#include "services/identity/esia/id_token.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/testing/certificates.h"
#include "tools/esia-emulator/id_token_signer.h"

namespace parta::identity::esia {
namespace {

using nlohmann::json;

constexpr char kIssuer[] = "http://esia-emulator.parta/";
constexpr char kClient[] = "PARTA";
constexpr char kNonce[] = "n-0S6_WzA2Mj";

// A provider key pair in a fresh folder, its signer and the verifier of its certificate.
struct Provider {
  explicit Provider(parta::testing::KeyAlgorithm algorithm = parta::testing::KeyAlgorithm::kRsa)
      : files(parta::testing::WriteSelfSignedCertificate(folder, "ESIA", algorithm)) {}
  ~Provider() { std::filesystem::remove_all(folder); }

  std::string folder = (std::filesystem::temp_directory_path() /
                        absl::StrCat("parta-id-token-", absl::BytesToHexString(RandomBytes(6))))
                           .string();
  parta::testing::CertificateFiles files;

  std::string Sign(const json& claims) const {
    auto signer = esia_emulator::IdTokenSigner::Load(files.key_path);
    REQUIRE(signer.ok());
    auto token = signer->Sign(claims.dump());
    REQUIRE(token.ok());
    return *token;
  }
  std::unique_ptr<IdTokenVerifier> Verifier() const {
    auto verifier = IdTokenVerifier::FromCertificateFile(files.certificate_path);
    REQUIRE(verifier.ok());
    return *std::move(verifier);
  }
};

const absl::Time kNow = absl::FromUnixSeconds(1796630400);

json GoodClaims() {
  const int64_t now = absl::ToUnixSeconds(kNow);
  return {{"iss", kIssuer},
          {"aud", kClient},
          {"sub", "1000000001"},
          {"iat", now},
          {"nbf", now},
          {"exp", now + 3600},
          {"nonce", kNonce},
          {"urn:esia:sbj",
           {{"urn:esia:sbj_typ", "P"},
            {"urn:esia:sbj_is_tru", true},
            {"urn:esia:sbj_oid", 1000000001}}}};
}

IdTokenExpectations Expected() {
  return {.issuer = kIssuer, .audience = kClient, .nonce = kNonce, .now = kNow};
}

// Verifying `token` fails with ESIA_BAD_RESPONSE naming `why`.
void CheckRefused(const IdTokenVerifier& verifier, const std::string& token,
                  absl::string_view why) {
  absl::StatusOr<IdTokenClaims> claims = verifier.Verify(token, Expected());
  INFO(claims.status().ToString());
  REQUIRE_FALSE(claims.ok());
  CHECK(ReasonOf(claims.status()) == "ESIA_BAD_RESPONSE");
  CHECK(absl::StrContains(claims.status().message(), why));
}

TEST_CASE("A good ID token gives the person's oid and whether he is trusted", "[esia][unit]") {
  Provider provider;
  auto claims = provider.Verifier()->Verify(provider.Sign(GoodClaims()), Expected());
  REQUIRE(claims.ok());
  CHECK(claims->oid == "1000000001");
  CHECK(claims->trusted);
  json untrusted = GoodClaims();
  untrusted["urn:esia:sbj"]["urn:esia:sbj_is_tru"] = false;
  untrusted["aud"] = json::array({"OTHER", kClient});  // an audience list naming us
  claims = provider.Verifier()->Verify(provider.Sign(untrusted), Expected());
  REQUIRE(claims.ok());
  CHECK_FALSE(claims->trusted);
}

TEST_CASE("ID tokens wrong in one way are refused, naming it", "[esia][unit]") {
  Provider provider;
  const auto verifier = provider.Verifier();
  auto with = [&](const char* name, json value) {
    json claims = GoodClaims();
    claims[name] = std::move(value);
    return provider.Sign(claims);
  };
  CheckRefused(*verifier, with("iss", "http://esia.example/"), "another issuer");
  CheckRefused(*verifier, with("aud", "SOMEONE_ELSE"), "another audience");
  CheckRefused(*verifier, with("nonce", "another"), "nonce");
  const int64_t now = absl::ToUnixSeconds(kNow);
  CheckRefused(*verifier, with("exp", now - 301), "expired");  // beyond the 5 min skew
  CheckRefused(*verifier, with("nbf", now + 301), "not valid yet");
  CHECK(verifier->Verify(with("exp", now - 200), Expected()).ok());  // within the skew
  CheckRefused(*verifier, with("sub", "1000000002"), "two different subjects");
  json path = GoodClaims();
  path["sub"] = "../1";
  path.erase("urn:esia:sbj");
  CheckRefused(*verifier, provider.Sign(path), "no subject");
  json no_subject = GoodClaims();
  no_subject.erase("sub");
  no_subject.erase("urn:esia:sbj");
  CheckRefused(*verifier, provider.Sign(no_subject), "no subject");
  // Claims of unexpected types are refused, not thrown.
  CheckRefused(*verifier, with("exp", "tomorrow"), "expired");
  CheckRefused(*verifier, with("urn:esia:sbj", json::array({1, 2})), "malformed");
}

TEST_CASE("ID tokens that are not RS256 JWTs by the provider's key are refused, none throws",
          "[esia][unit]") {
  Provider provider;
  Provider impostor;
  const auto verifier = provider.Verifier();
  CheckRefused(*verifier, impostor.Sign(GoodClaims()), "signature");
  const std::string good = provider.Sign(GoodClaims());
  const std::string rest = good.substr(good.find('.'));
  CheckRefused(*verifier, Base64UrlEncode(R"({"alg":"none"})") + rest, "RS256");
  CheckRefused(*verifier, Base64UrlEncode(R"({"alg":1})") + rest, "RS256");
  CheckRefused(*verifier, Base64UrlEncode("[]") + rest, "not a JWT");
  CheckRefused(*verifier, "a.b.c", "not a JWT");
  CheckRefused(*verifier, good.substr(0, good.rfind('.')), "not a JWT");
  CheckRefused(*verifier, "", "not a JWT");
  // Nesting is bounded before any parser recurses.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  CheckRefused(*verifier, Base64UrlEncode(deep) + rest, "not a JWT");
  CheckRefused(
      *verifier,
      good.substr(0, good.find('.') + 1) + Base64UrlEncode(deep) + good.substr(good.rfind('.')),
      "not a JWT");
}

TEST_CASE("ID tokens of a GOST provider are GOST3410_2012_256, in either byte order",
          "[esia][unit]") {
  Provider provider(parta::testing::KeyAlgorithm::kGost);
  const auto verifier = provider.Verifier();
  const std::string good = provider.Sign(GoodClaims());
  auto claims = verifier->Verify(good, Expected());
  INFO(claims.status().ToString());
  REQUIRE(claims.ok());
  CHECK(claims->oid == "1000000001");
  std::optional<json> header = json::parse(*Base64UrlDecode(good.substr(0, good.find('.'))));
  CHECK((*header)["alg"] == "GOST3410_2012_256");

  // The signature reversed (CryptoPro's little-endian order) is the same signature.
  const std::string signing_input = good.substr(0, good.rfind('.'));
  std::string signature = *Base64UrlDecode(good.substr(good.rfind('.') + 1));
  const std::string reversed(signature.rbegin(), signature.rend());
  CHECK(verifier->Verify(signing_input + "." + Base64UrlEncode(reversed), Expected()).ok());
  // Any other change of it is not.
  signature[5] = static_cast<char>(signature[5] ^ 0x01);
  CheckRefused(*verifier, signing_input + "." + Base64UrlEncode(signature), "signature");

  // Another GOST key, an RSA key, or a header that names another algorithm: refused.
  CheckRefused(*verifier, Provider(parta::testing::KeyAlgorithm::kGost).Sign(GoodClaims()),
               "signature");
  CheckRefused(*verifier, Provider().Sign(GoodClaims()), "GOST3410_2012_256");
  const std::string rest = good.substr(good.find('.'));
  CheckRefused(*verifier, Base64UrlEncode(R"({"alg":"RS256"})") + rest, "GOST3410_2012_256");
  // And an RSA provider takes no GOST token.
  CheckRefused(*Provider().Verifier(), good, "RS256");
}

}  // namespace
}  // namespace parta::identity::esia
