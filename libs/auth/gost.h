#pragma once

// GOST R 34.10-2012 signatures and GOST R 34.11-2012 (Streebog) digests, as Russian government
// systems require, through OpenSSL's GOST engine (Debian's libengine-gost-openssl). Once
// enabled, PEM keys and certificates of the GOST algorithms are read like RSA ones, and CMS
// signs and verifies with them. RSA keeps working beside them.

#include <openssl/x509.h>

#include <string>

#include "absl/status/status.h"

namespace parta::auth {

// Loads the engine and makes its algorithms available to this process; the first call does the
// work, later ones return its outcome. FAILED_PRECONDITION GOST_UNAVAILABLE when the engine is
// not installed or does not start.
absl::Status EnableGostAlgorithms();

// Whether `certificate`'s public key is a GOST R 34.10-2012 key (256 or 512 bits).
bool HasGostKey(X509* certificate);

// The lower-case hex digest of `certificate`'s DER under the digest of its key's family:
// Streebog-256 for a GOST key, SHA-256 otherwise. "" when it cannot be encoded or hashed.
std::string CertificateHashHex(X509* certificate);

}  // namespace parta::auth
