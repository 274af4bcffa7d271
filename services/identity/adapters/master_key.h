#pragma once

// The master key that seals secrets at rest (signing keys). Read from a file holding 64 hex
// characters (a Kubernetes secret mounted as a file in production); never logged.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parta::identity {

class MasterKey {
 public:
  // FAILED_PRECONDITION (MASTER_KEY_UNREADABLE / MASTER_KEY_INVALID) on a bad file.
  static absl::StatusOr<MasterKey> FromFile(const std::string& path);
  static absl::StatusOr<MasterKey> FromHex(absl::string_view hex);

  // XChaCha20-Poly1305 with a random nonce; `context` is bound as associated data.
  std::string Seal(absl::string_view plaintext, absl::string_view context) const;
  // DATA_LOSS (SEALED_SECRET_CORRUPT) when the ciphertext or its context do not match.
  absl::StatusOr<std::string> Open(absl::string_view sealed, absl::string_view context) const;

  // A 32-byte subkey for `purpose`, independent of the master key and of other purposes.
  std::string DeriveSubkey(absl::string_view purpose) const;

 private:
  explicit MasterKey(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace parta::identity
