#pragma once

// Signs the requests this system sends to ESIA, as the provider's method prescribes: the
// `client_secret` of a request is a detached CMS (PKCS#7) SignedData over the concatenation of
// some of its fields, made with the key of the system's registered certificate, DER, then
// base64url. A GOST R 34.10-2012 key as in production (through OpenSSL's GOST engine, with a
// Streebog-256 digest), or an RSA key for development. Key and certificate come from files.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parta::identity::esia {

class RequestSigner {
 public:
  // Reads a PEM private key and the PEM certificate it belongs to. INVALID_ARGUMENT ESIA_KEYS
  // for a file that cannot be read or parsed (a GOST key where the GOST engine is missing), or a
  // key that is not the certificate's.
  static absl::StatusOr<std::unique_ptr<RequestSigner>> FromFiles(const std::string& key_file,
                                                                  const std::string& cert_file);
  ~RequestSigner();
  RequestSigner(const RequestSigner&) = delete;
  RequestSigner& operator=(const RequestSigner&) = delete;

  // The base64url detached CMS signature of `data`. INTERNAL ESIA_SIGNING when OpenSSL fails.
  absl::StatusOr<std::string> Sign(absl::string_view data) const;
  // The request's client_certificate_hash: the lower-case hex digest of the certificate's DER,
  // Streebog-256 for a GOST certificate, SHA-256 otherwise.
  const std::string& certificate_hash() const { return certificate_hash_; }

 private:
  struct Keys;
  RequestSigner(std::unique_ptr<Keys> keys, std::string certificate_hash);

  std::unique_ptr<Keys> keys_;
  const std::string certificate_hash_;
};

}  // namespace parta::identity::esia
