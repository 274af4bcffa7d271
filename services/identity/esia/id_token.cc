#include "services/identity/esia/id_token.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/auth/gost.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/text/json_nesting.h"

namespace parta::identity::esia {

using nlohmann::json;

struct IdTokenVerifier::Key {
  EVP_PKEY* key = nullptr;
  auth::JwtAlgorithm algorithm;  // the one its tokens must name
  ~Key() { EVP_PKEY_free(key); }
};

namespace {

absl::Status Bad(absl::string_view what) {
  return Unavailable("ESIA_BAD_RESPONSE", absl::StrCat("ESIA's ID token: ", what));
}

// The JSON of a base64url part; nullopt when it is neither.
std::optional<json> JsonPart(absl::string_view part) {
  std::optional<std::string> bytes = Base64UrlDecode(part);
  // Bounded before the recursive parser sees it.
  if (!bytes || !text::JsonNestingWithin(*bytes)) return std::nullopt;
  json parsed = json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return std::nullopt;
  return parsed;
}

// A NumericDate claim, or nullopt.
std::optional<absl::Time> TimeClaim(const json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_number()) return std::nullopt;
  return absl::FromUnixSeconds(it->get<int64_t>());
}

std::string StringClaim(const json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return "";
}

}  // namespace

IdTokenVerifier::IdTokenVerifier(std::unique_ptr<Key> key) : key_(std::move(key)) {}
IdTokenVerifier::~IdTokenVerifier() = default;

absl::StatusOr<std::unique_ptr<IdTokenVerifier>> IdTokenVerifier::FromCertificateFile(
    const std::string& cert_file) {
  // The real provider's certificate is GOST: read only with the engine loaded.
  (void)auth::EnableGostAlgorithms();
  X509* certificate = nullptr;
  if (BIO* in = BIO_new_file(cert_file.c_str(), "r")) {
    certificate = PEM_read_bio_X509(in, nullptr, nullptr, nullptr);
    BIO_free(in);
  }
  if (certificate == nullptr) {
    return InvalidArgument("ESIA_KEYS",
                           absl::StrCat("cannot read the provider's certificate in ", cert_file));
  }
  auto key = std::make_unique<Key>();
  key->key = X509_get_pubkey(certificate);
  X509_free(certificate);
  std::optional<auth::JwtAlgorithm> algorithm = auth::JwtAlgorithmOf(key->key);
  if (!algorithm) {
    ERR_clear_error();
    return InvalidArgument(
        "ESIA_KEYS", absl::StrCat("the provider's certificate holds no RSA or GOST R 34.10-2012 "
                                  "key",
                                  auth::GostUnavailableSuffix()));
  }
  key->algorithm = *std::move(algorithm);
  return std::unique_ptr<IdTokenVerifier>(new IdTokenVerifier(std::move(key)));
}

absl::StatusOr<IdTokenClaims> IdTokenVerifier::Verify(absl::string_view token,
                                                      const IdTokenExpectations& expected) const {
  // The token comes from outside: no shape of its JSON may throw out of here.
  try {
    return Check(token, expected);
  } catch (const json::exception& error) {
    return Bad(absl::StrCat("unreadable claims (", error.what(), ")"));
  }
}

bool IdTokenVerifier::VerifySignature(absl::string_view signed_part,
                                      absl::string_view signature) const {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  const bool valid =
      context != nullptr &&
      EVP_DigestVerifyInit(context, nullptr, key_->algorithm.digest, nullptr, key_->key) == 1 &&
      EVP_DigestVerify(
          context, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
          reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
  EVP_MD_CTX_free(context);
  ERR_clear_error();
  return valid;
}

absl::StatusOr<IdTokenClaims> IdTokenVerifier::Check(absl::string_view token,
                                                     const IdTokenExpectations& expected) const {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return Bad("not a JWT");
  std::optional<json> header = JsonPart(parts[0]);
  std::optional<json> claims = JsonPart(parts[1]);
  std::optional<std::string> signature = Base64UrlDecode(parts[2]);
  if (!header || !claims || !signature) return Bad("not a JWT");
  // The algorithm is the provider key's, whatever the token says it is.
  if (StringClaim(*header, "alg") != key_->algorithm.name) {
    return Bad(absl::StrCat("an algorithm other than ", key_->algorithm.name));
  }

  const std::string signed_part = absl::StrCat(parts[0], ".", parts[1]);
  // A GOST signature is accepted in OpenSSL's byte order (s then r, big-endian) or reversed
  // (the little-endian order of CryptoPro's CSP): both are the one signature, and neither can
  // be made without the provider's key.
  bool valid = VerifySignature(signed_part, *signature);
  if (!valid && key_->algorithm.gost) {
    valid = VerifySignature(signed_part, std::string(signature->rbegin(), signature->rend()));
  }
  if (!valid) return Bad("the signature does not verify with the provider's key");

  if (StringClaim(*claims, "iss") != expected.issuer) return Bad("another issuer");
  const auto audience = claims->find("aud");
  const bool for_us =
      audience != claims->end() &&
      ((audience->is_string() && audience->get<std::string>() == expected.audience) ||
       (audience->is_array() &&
        std::find(audience->begin(), audience->end(), json(expected.audience)) != audience->end()));
  if (!for_us) return Bad("another audience");
  const std::optional<absl::Time> expires = TimeClaim(*claims, "exp");
  if (!expires || *expires + expected.skew <= expected.now) return Bad("expired");
  for (const char* name : {"nbf", "iat"}) {
    const std::optional<absl::Time> start = TimeClaim(*claims, name);
    if (start && *start - expected.skew > expected.now) return Bad("not valid yet");
  }
  if (StringClaim(*claims, "nonce") != expected.nonce) return Bad("another sign-in's nonce");

  IdTokenClaims result;
  result.oid = StringClaim(*claims, "sub");
  const auto subject = claims->find("urn:esia:sbj");
  if (subject != claims->end() && !subject->is_object()) return Bad("a malformed urn:esia:sbj");
  if (subject != claims->end()) {
    const std::string oid = StringClaim(*subject, "urn:esia:sbj_oid");
    if (!oid.empty() && oid != result.oid) return Bad("two different subjects");
    const auto trusted = subject->find("urn:esia:sbj_is_tru");
    result.trusted = trusted != subject->end() && trusted->is_boolean() && trusted->get<bool>();
  }
  if (result.oid.empty() || result.oid.size() > 64 ||
      result.oid.find_first_not_of("0123456789") != std::string::npos) {
    return Bad("no subject");
  }
  return result;
}

}  // namespace parta::identity::esia
