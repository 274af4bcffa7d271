// The engine API is deprecated in OpenSSL 3, but GOST comes to OpenSSL 3 as an engine: its
// provider (gostprov) cannot yet sign CMS. This file alone uses it.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "libs/auth/gost.h"

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/auth/certificate.h"
#include "libs/core/status.h"

namespace parta::auth {
namespace {

absl::Status LoadEngine() {
  ENGINE_load_builtin_engines();
  ENGINE* engine = ENGINE_by_id("gost");
  if (engine == nullptr) {
    return FailedPrecondition(
        "GOST_UNAVAILABLE",
        absl::StrCat("OpenSSL's GOST engine is not installed (libengine-gost-openssl): ",
                     TakeOpenSslErrors()));
  }
  // The functional reference ENGINE_init takes is kept for the life of the process.
  const bool started = ENGINE_init(engine) == 1;
  // Keys, their encodings and digests only: GOST ciphers stay out of every TLS cipher list.
  const bool registered =
      started && ENGINE_set_default(engine, ENGINE_METHOD_PKEY_METHS |
                                                ENGINE_METHOD_PKEY_ASN1_METHS |
                                                ENGINE_METHOD_DIGESTS) == 1;
  if (started && !registered) ENGINE_finish(engine);
  ENGINE_free(engine);
  if (!registered) {
    return FailedPrecondition("GOST_UNAVAILABLE",
                              absl::StrCat("OpenSSL's GOST engine does not start: ",
                                           TakeOpenSslErrors()));
  }
  return absl::OkStatus();
}

// Whether `certificate`'s public key is a GOST R 34.10-2012 key (256 or 512 bits).
bool HasGostKey(X509* certificate) {
  const EVP_PKEY* key = X509_get0_pubkey(certificate);
  if (key == nullptr) {
    ERR_clear_error();
    return false;
  }
  const int id = EVP_PKEY_get_id(key);
  return id == NID_id_GostR3410_2012_256 || id == NID_id_GostR3410_2012_512;
}

}  // namespace

absl::Status EnableGostAlgorithms() {
  static const absl::Status* const outcome = new absl::Status(LoadEngine());
  return *outcome;
}

std::string GostUnavailableSuffix() {
  const absl::Status gost = EnableGostAlgorithms();
  return gost.ok() ? "" : absl::StrCat(" (", gost.message(), ")");
}

std::optional<JwtAlgorithm> JwtAlgorithmOf(const EVP_PKEY* key) {
  const int id = key == nullptr ? NID_undef : EVP_PKEY_get_id(key);
  JwtAlgorithm algorithm;
  if (id == EVP_PKEY_RSA) {
    algorithm = {.name = "RS256", .digest = EVP_sha256()};
  } else if (id == NID_id_GostR3410_2012_256) {
    algorithm = {.name = "GOST3410_2012_256",
                 .digest = EVP_get_digestbynid(NID_id_GostR3411_2012_256),
                 .gost = true};
  } else if (id == NID_id_GostR3410_2012_512) {
    algorithm = {.name = "GOST3410_2012_512",
                 .digest = EVP_get_digestbynid(NID_id_GostR3411_2012_512),
                 .gost = true};
  }
  if (algorithm.digest == nullptr) return std::nullopt;
  return algorithm;
}

std::string CertificateHashHex(X509* certificate) {
  if (X509_get0_pubkey(certificate) == nullptr) {
    ERR_clear_error();
    return "";
  }
  unsigned char* der = nullptr;
  const int length = i2d_X509(certificate, &der);
  if (length <= 0) return "";
  const EVP_MD* md = HasGostKey(certificate) ? EVP_get_digestbynid(NID_id_GostR3411_2012_256)
                                             : EVP_sha256();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  const bool hashed = md != nullptr && EVP_Digest(der, static_cast<size_t>(length), digest,
                                                  &digest_length, md, nullptr) == 1;
  OPENSSL_free(der);
  if (!hashed) return "";
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), digest_length));
}

}  // namespace parta::auth
