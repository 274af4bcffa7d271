#pragma once

// Checks an ID token from ESIA: a JWT signed with the provider's key (its certificate from a
// file): GOST3410_2012_256 (or _512) with a GOST R 34.10-2012 key as in production, RS256
// with an RSA key; from the expected issuer, for this system (audience: the client id),
// within its times (allowing the provider's clock skew), carrying the nonce this sign-in sent.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace parta::identity::esia {

// What a checked ID token says about the person.
struct IdTokenClaims {
  std::string oid;       // `sub` (also urn:esia:sbj.urn:esia:sbj_oid)
  bool trusted = false;  // urn:esia:sbj.urn:esia:sbj_is_tru
};

struct IdTokenExpectations {
  std::string issuer;
  std::string audience;
  std::string nonce;
  absl::Time now;
  absl::Duration skew = absl::Minutes(5);
};

class IdTokenVerifier {
 public:
  // Reads the provider's PEM certificate (RSA or GOST R 34.10-2012). INVALID_ARGUMENT ESIA_KEYS
  // when it cannot.
  static absl::StatusOr<std::unique_ptr<IdTokenVerifier>> FromCertificateFile(
      const std::string& cert_file);
  ~IdTokenVerifier();
  IdTokenVerifier(const IdTokenVerifier&) = delete;
  IdTokenVerifier& operator=(const IdTokenVerifier&) = delete;

  // UNAVAILABLE ESIA_BAD_RESPONSE, naming what failed: the form, the algorithm (the provider
  // key's only), the signature, the issuer, the audience, the times, the nonce, the subject.
  absl::StatusOr<IdTokenClaims> Verify(absl::string_view token,
                                       const IdTokenExpectations& expected) const;

 private:
  struct Key;
  explicit IdTokenVerifier(std::unique_ptr<Key> key);
  absl::StatusOr<IdTokenClaims> Check(absl::string_view token,
                                      const IdTokenExpectations& expected) const;
  bool VerifySignature(absl::string_view signed_part, absl::string_view signature) const;
  std::unique_ptr<Key> key_;
};

}  // namespace parta::identity::esia
