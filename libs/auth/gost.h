#pragma once

// GOST R 34.10-2012 signatures and GOST R 34.11-2012 (Streebog) digests, as Russian government
// systems require, through OpenSSL's GOST engine (Debian's libengine-gost-openssl). Once
// enabled, PEM keys and certificates of the GOST algorithms are read like RSA ones, and CMS
// signs and verifies with them. RSA keeps working beside them.

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <optional>
#include <string>

#include "absl/status/status.h"

namespace parta::auth {

// Loads the engine and makes its algorithms available to this process; the first call does the
// work, later ones return its outcome. FAILED_PRECONDITION GOST_UNAVAILABLE when the engine is
// not installed or does not start.
absl::Status EnableGostAlgorithms();

// The lower-case hex digest of `certificate`'s DER under the digest of its key's family:
// Streebog-256 for a GOST key, SHA-256 otherwise. "" when its key cannot be read (a GOST key
// without the engine) or it cannot be encoded or hashed.
std::string CertificateHashHex(X509* certificate);

// How a JWT is signed with a key: its "alg" and the digest signed. RS256 for RSA,
// GOST3410_2012_256 / GOST3410_2012_512 (Streebog of the same size) for GOST R 34.10-2012, as
// ESIA names them.
struct JwtAlgorithm {
  std::string name;
  const EVP_MD* digest = nullptr;
  bool gost = false;
};
// nullopt for a key of another kind (or a GOST key without the engine).
std::optional<JwtAlgorithm> JwtAlgorithmOf(const EVP_PKEY* key);

// " (<why GOST is unavailable>)" when EnableGostAlgorithms failed, "" otherwise: what a message
// about a key that cannot be read adds.
std::string GostUnavailableSuffix();

}  // namespace parta::auth
