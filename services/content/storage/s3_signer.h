#pragma once

// AWS Signature Version 4 for S3-compatible object stores, in the Authorization header:
// the canonical request (method, URI, query, signed headers, payload hash), the string to sign
// under the day's credential scope, and the HMAC-SHA256 key derived from the secret, the day, the
// region and the service. Pure: tested against the worked examples of the S3 API reference.

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/http/client.h"

namespace parta::content {

struct S3Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string region = "us-east-1";
};

// The hash of an empty payload (GET, HEAD, DELETE).
inline constexpr absl::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Signs a request: adds `x-amz-date` (from `now`) and `x-amz-content-sha256` to `headers`, which
// must already hold `host` and whatever else is to be signed, then adds `Authorization`.
// `path` is the object's path before encoding ("/bucket/key"); `canonical_query` the query string
// already encoded and sorted ("max-keys=2&prefix=J", or "").
void SignS3Request(const S3Credentials& credentials, absl::string_view method,
                   absl::string_view path, absl::string_view canonical_query,
                   absl::string_view payload_sha256_hex, absl::Time now, http::Headers& headers);

// RFC 3986 encoding as S3 wants it: unreserved characters kept, '/' kept, the rest %XX.
std::string S3EncodePath(absl::string_view path);

}  // namespace parta::content
