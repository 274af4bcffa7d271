#include "services/content/storage/s3_signer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/http/encoding.h"

namespace parta::content {
namespace {

constexpr absl::string_view kService = "s3";

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<char*>(digest), length);
}

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), length));
}

// A header value trimmed, with runs of spaces inside made one.
std::string CanonicalValue(absl::string_view value) {
  std::vector<absl::string_view> words =
      absl::StrSplit(absl::StripAsciiWhitespace(value), ' ', absl::SkipEmpty());
  return absl::StrJoin(words, " ");
}

}  // namespace

std::string S3EncodePath(absl::string_view path) { return http::PercentEncode(path, true); }

void SignS3Request(const S3Credentials& credentials, absl::string_view method,
                   absl::string_view path, absl::string_view canonical_query,
                   absl::string_view payload_sha256_hex, absl::Time now, http::Headers& headers) {
  const std::string timestamp = absl::FormatTime("%Y%m%dT%H%M%SZ", now, absl::UTCTimeZone());
  const std::string day = timestamp.substr(0, 8);
  headers.emplace_back("x-amz-date", timestamp);
  headers.emplace_back("x-amz-content-sha256", std::string(payload_sha256_hex));

  std::vector<std::pair<std::string, std::string>> canonical;
  for (const auto& [name, value] : headers) {
    canonical.emplace_back(absl::AsciiStrToLower(name), CanonicalValue(value));
  }
  std::sort(canonical.begin(), canonical.end());
  std::string canonical_headers;
  std::vector<absl::string_view> names;
  for (const auto& [name, value] : canonical) {
    absl::StrAppend(&canonical_headers, name, ":", value, "\n");
    names.push_back(name);
  }
  const std::string signed_headers = absl::StrJoin(names, ";");

  const std::string canonical_request =
      absl::StrCat(method, "\n", S3EncodePath(path), "\n", canonical_query, "\n", canonical_headers,
                   "\n", signed_headers, "\n", payload_sha256_hex);
  const std::string scope =
      absl::StrCat(day, "/", credentials.region, "/", kService, "/aws4_request");
  const std::string string_to_sign = absl::StrCat("AWS4-HMAC-SHA256\n", timestamp, "\n", scope,
                                                  "\n", Sha256Hex(canonical_request));
  std::string key = HmacSha256(absl::StrCat("AWS4", credentials.secret_access_key), day);
  key = HmacSha256(key, credentials.region);
  key = HmacSha256(key, kService);
  key = HmacSha256(key, "aws4_request");
  const std::string signature = absl::BytesToHexString(HmacSha256(key, string_to_sign));
  headers.emplace_back(
      "Authorization",
      absl::StrCat("AWS4-HMAC-SHA256 Credential=", credentials.access_key_id, "/", scope,
                   ",SignedHeaders=", signed_headers, ",Signature=", signature));
}

}  // namespace parta::content
