#pragma once

// Ed25519 keys. OpenSSL 3 generates keys and signs; verification, the hot path of every
// service, uses libsodium's implementation of the same RFC 8032 algorithm, which checks a
// signature about twice as fast as OpenSSL 3.0 on the machines we measured (see the README's
// performance section).

#include <memory>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace parta::auth {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

class Ed25519PublicKey {
 public:
  // From the 32-byte raw public key.
  static absl::StatusOr<Ed25519PublicKey> FromRaw(absl::string_view raw);

  bool Verify(absl::string_view message, absl::string_view signature) const;
  std::string Raw() const { return raw_; }

 private:
  explicit Ed25519PublicKey(std::string raw) : raw_(std::move(raw)) {}
  std::string raw_;
};

class Ed25519PrivateKey {
 public:
  static Ed25519PrivateKey Generate();
  // From the 32-byte raw private key (the seed).
  static absl::StatusOr<Ed25519PrivateKey> FromRaw(absl::string_view raw);

  // Deterministic: the same message always gives the same 64-byte signature.
  std::string Sign(absl::string_view message) const;
  std::string RawPrivate() const;
  std::string RawPublic() const;
  Ed25519PublicKey PublicKey() const;

 private:
  explicit Ed25519PrivateKey(PkeyPtr key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace parta::auth
