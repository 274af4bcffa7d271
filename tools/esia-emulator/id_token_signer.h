#pragma once

// Signs ID tokens: compact JWTs under the emulator's own key, RS256 with an RSA key or
// GOST3410_2012_256 with a GOST R 34.10-2012 256-bit key (as the real provider signs; the
// signature in OpenSSL's byte order).

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/esia-emulator/openssl.h"

namespace parta::esia_emulator {

class IdTokenSigner {
 public:
  // Reads a PEM RSA or GOST R 34.10-2012 256-bit private key. NOT_FOUND when the file cannot be
  // read, INVALID_ARGUMENT (BAD_SIGNING_KEY) when it holds neither.
  static absl::StatusOr<IdTokenSigner> Load(const std::string& pem_path);

  // The token header's "kid": the first 16 hex digits of SHA-256 of the public key's DER
  // (SubjectPublicKeyInfo).
  const std::string& key_id() const { return key_id_; }
  // "RS256" or "GOST3410_2012_256".
  const std::string& algorithm() const { return algorithm_; }

  // header.payload.signature, the header being {"alg":algorithm(),"typ":"JWT","kid":key_id()}
  // and the payload `claims_json` (a serialised JSON object) as given. INTERNAL
  // (SIGNING_FAILED) when OpenSSL fails.
  absl::StatusOr<std::string> Sign(absl::string_view claims_json) const;

 private:
  IdTokenSigner(OpenSslPtr<EVP_PKEY> key, std::string key_id, std::string algorithm,
                const EVP_MD* digest);

  OpenSslPtr<EVP_PKEY> key_;
  std::string key_id_;
  std::string algorithm_;
  const EVP_MD* digest_;
};

}  // namespace parta::esia_emulator
