#pragma once

// Signs ID tokens: compact JWTs with RS256 under the emulator's own RSA key.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/esia-emulator/openssl.h"

namespace parta::esia_emulator {

class IdTokenSigner {
 public:
  // Reads a PEM RSA private key (PKCS#8 or traditional). NOT_FOUND when the file cannot be read,
  // INVALID_ARGUMENT (BAD_SIGNING_KEY) when it holds no RSA private key.
  static absl::StatusOr<IdTokenSigner> Load(const std::string& pem_path);

  // The token header's "kid": the first 16 hex digits of SHA-256 of the public key's DER
  // (SubjectPublicKeyInfo).
  const std::string& key_id() const { return key_id_; }

  // header.payload.signature, the header being {"alg":"RS256","typ":"JWT","kid":key_id()} and the
  // payload `claims_json` (a serialised JSON object) as given. INTERNAL (SIGNING_FAILED) when
  // OpenSSL fails.
  absl::StatusOr<std::string> Sign(absl::string_view claims_json) const;

 private:
  IdTokenSigner(OpenSslPtr<EVP_PKEY> key, std::string key_id);

  OpenSslPtr<EVP_PKEY> key_;
  std::string key_id_;
};

}  // namespace parta::esia_emulator
