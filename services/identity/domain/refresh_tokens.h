#pragma once

// Refresh tokens are 256-bit random strings, stored only as SHA-256. The successor of a token is
// derived from it with a server secret (HMAC-SHA256), so a retry within the grace period can be
// answered with the very same successor without storing any token in the clear.

#include <string>

#include "absl/strings/string_view.h"

namespace parta::identity {

// The purpose under which the codec's secret is derived from the master key.
inline constexpr absl::string_view kRefreshChainPurpose = "parta refresh chain";

class RefreshTokenCodec {
 public:
  // `secret`: 32 bytes, derived from the master key.
  explicit RefreshTokenCodec(std::string secret);

  // A fresh random token (base64url, 43 characters).
  std::string NewToken() const;
  // The token that replaces `token` when it is rotated.
  std::string Successor(absl::string_view token) const;
  // Hex SHA-256, the only form in which tokens are stored.
  static std::string Hash(absl::string_view token);

 private:
  std::string secret_;
};

}  // namespace parta::identity
