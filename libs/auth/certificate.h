#pragma once

// X.509 client certificates as mutual TLS binds them to API clients (RFC 8705): the SHA-256
// thumbprint of the DER encoding, base64url without padding (the `x5t#S256` of a token's `cnf`),
// and when the certificate expires.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace parta::auth {

struct CertificateFacts {
  std::string thumbprint;  // x5t#S256
  absl::Time not_after;
};

// Exactly one PEM certificate (surrounding whitespace allowed); INVALID_ARGUMENT
// `INVALID_CERTIFICATE` otherwise.
absl::StatusOr<CertificateFacts> ReadPemCertificate(absl::string_view pem);

// The reasons queued by the last failed OpenSSL calls, joined with "; " (the queue is emptied).
std::string TakeOpenSslErrors();

}  // namespace parta::auth
