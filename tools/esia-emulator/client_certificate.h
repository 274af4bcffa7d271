#pragma once

// The registered system's certificate and the checks of what the system sends with it: the
// client_certificate_hash and the client_secret (a detached CMS signature by the certificate's
// key).

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/esia-emulator/openssl.h"

namespace parta::esia_emulator {

class ClientCertificate {
 public:
  // Reads a PEM X.509 certificate. NOT_FOUND when the file cannot be read, INVALID_ARGUMENT
  // (BAD_CERTIFICATE) when it holds no certificate.
  static absl::StatusOr<ClientCertificate> Load(const std::string& pem_path);

  // What client_certificate_hash must be: the lower-case hex digest of the certificate's DER,
  // Streebog-256 for a GOST certificate, SHA-256 otherwise.
  const std::string& hash() const { return hash_; }

  // OK when `client_secret` is base64url (padded or not) of a DER CMS SignedData, detached, whose
  // signature over `data` verifies and whose every signer is this certificate. Otherwise
  // UNAUTHENTICATED with reason BAD_CLIENT_SECRET and a message saying what is wrong.
  absl::Status Verify(absl::string_view data, absl::string_view client_secret) const;

 private:
  ClientCertificate(OpenSslPtr<X509> certificate, std::string der);

  OpenSslPtr<X509> certificate_;
  std::string der_;
  std::string hash_;
};

}  // namespace parta::esia_emulator
