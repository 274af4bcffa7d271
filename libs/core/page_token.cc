#include "libs/core/page_token.h"

#include <cstdint>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/core/random.h"
#include "libs/core/status.h"

namespace parta {
namespace {

constexpr absl::string_view kVersion = "p1";
constexpr size_t kCheckSize = 8;
constexpr size_t kMaxTokenSize = 1024;

// FNV-1a, 64 bits, little-endian: stable across builds and replicas.
std::string Check(absl::string_view payload) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : payload) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  std::string bytes(kCheckSize, '\0');
  for (size_t i = 0; i < kCheckSize; ++i) bytes[i] = static_cast<char>((hash >> (8 * i)) & 0xff);
  return bytes;
}

std::string Prefix(absl::string_view list, absl::string_view scope) {
  return absl::StrCat(kVersion, "\n", list, "\n", scope, "\n");
}

}  // namespace

absl::Status InvalidPageToken() {
  return InvalidArgument("INVALID_PAGE_TOKEN",
                         "page_token is not a next_page_token of this list; list from the start");
}

std::string EncodePageToken(absl::string_view list, absl::string_view scope,
                            const std::vector<std::string>& key) {
  std::string payload = absl::StrCat(Prefix(list, scope), absl::StrJoin(key, "\n"));
  return Base64UrlEncode(absl::StrCat(payload, Check(payload)));
}

absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view token,
                                                         absl::string_view list,
                                                         absl::string_view scope, size_t key_size) {
  if (token.empty()) return std::vector<std::string>();
  if (token.size() > kMaxTokenSize) return InvalidPageToken();
  std::optional<std::string> bytes = Base64UrlDecode(token);
  if (!bytes || bytes->size() < kCheckSize) return InvalidPageToken();
  absl::string_view payload(bytes->data(), bytes->size() - kCheckSize);
  absl::string_view check(bytes->data() + payload.size(), kCheckSize);
  if (check != Check(payload)) return InvalidPageToken();
  std::string prefix = Prefix(list, scope);
  if (!absl::ConsumePrefix(&payload, prefix)) return InvalidPageToken();
  std::vector<std::string> key = absl::StrSplit(payload, '\n');
  if (key.size() != key_size) return InvalidPageToken();
  return key;
}

absl::StatusOr<int> PageSize(int requested, int fallback, int max) {
  if (requested == 0) return fallback;
  if (requested < 1 || requested > max) {
    return InvalidArgument("INVALID_PAGE", absl::StrCat("page_size must be 1-", max));
  }
  return requested;
}

}  // namespace parta
