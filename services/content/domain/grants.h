#pragma once

// Signed, short-lived grants of one version, checked without a database: the read token that
// OpenDownload hands out for ReadContent (it carries where the bytes are), and the download link
// a person makes for `<img src>` and players (bound to him). An HMAC-SHA256 under the service's
// key signs each; every instance of a deployment shares the key.
//
//   grant := "<purpose>.<base64url(fields joined by '\n')>.<base64url(HMAC of what precedes)>"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace parta::content {

// What a read token opens.
struct ReadGrant {
  std::string version_id;
  std::string sha256;  // the blob's name
  int64_t size = 0;
  absl::Time expire_time;
};

// Whose a download link is.
struct LinkGrant {
  std::string version_id;
  std::string user_id;
  absl::Time expire_time;
};

class GrantSigner {
 public:
  // `key`: at least 32 bytes of secret.
  explicit GrantSigner(std::string key);

  std::string SignRead(const ReadGrant& grant) const;
  std::string SignLink(const LinkGrant& grant) const;

  // PERMISSION_DENIED `INVALID_READ_TOKEN` (forged, garbled, another kind of grant) or
  // `READ_TOKEN_EXPIRED` (at or after its expiry).
  absl::StatusOr<ReadGrant> VerifyRead(absl::string_view token, absl::Time now) const;
  // PERMISSION_DENIED `INVALID_LINK` or `LINK_EXPIRED`.
  absl::StatusOr<LinkGrant> VerifyLink(absl::string_view token, absl::Time now) const;

 private:
  std::string Sign(absl::string_view purpose, absl::string_view fields) const;
  // The fields of a grant of `purpose` whose signature holds; nullopt otherwise.
  std::optional<std::string> Open(absl::string_view purpose, absl::string_view token) const;

  const std::string key_;
};

}  // namespace parta::content
