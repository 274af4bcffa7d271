#include "services/content/domain/grants.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/core/random.h"
#include "libs/core/status.h"

namespace parta::content {
namespace {

constexpr absl::string_view kRead = "r";
constexpr absl::string_view kLink = "l";

std::string Hmac(absl::string_view key, absl::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length);
  return std::string(reinterpret_cast<const char*>(mac), length);
}

std::optional<absl::Time> TimeOf(absl::string_view micros) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(micros, &value)) return std::nullopt;
  return absl::FromUnixMicros(value);
}

}  // namespace

GrantSigner::GrantSigner(std::string key) : key_(std::move(key)) {}

std::string GrantSigner::Sign(absl::string_view purpose, absl::string_view fields) const {
  std::string token = absl::StrCat(purpose, ".", Base64UrlEncode(fields));
  const std::string mac = Hmac(key_, token);
  absl::StrAppend(&token, ".", Base64UrlEncode(mac));
  return token;
}

std::optional<std::string> GrantSigner::Open(absl::string_view purpose,
                                             absl::string_view token) const {
  const size_t last_dot = token.rfind('.');
  if (last_dot == absl::string_view::npos) return std::nullopt;
  const absl::string_view signed_part = token.substr(0, last_dot);
  if (signed_part.size() <= purpose.size() + 1 ||
      signed_part.substr(0, purpose.size() + 1) != absl::StrCat(purpose, ".")) {
    return std::nullopt;
  }
  const std::optional<std::string> mac = Base64UrlDecode(token.substr(last_dot + 1));
  const std::string expected = Hmac(key_, signed_part);
  if (!mac || mac->size() != expected.size() ||
      CRYPTO_memcmp(mac->data(), expected.data(), expected.size()) != 0) {
    return std::nullopt;
  }
  return Base64UrlDecode(signed_part.substr(purpose.size() + 1));
}

std::string GrantSigner::SignRead(const ReadGrant& grant) const {
  return Sign(kRead, absl::StrJoin({grant.version_id, grant.sha256, absl::StrCat(grant.size),
                                    absl::StrCat(absl::ToUnixMicros(grant.expire_time))},
                                   "\n"));
}

std::string GrantSigner::SignLink(const LinkGrant& grant) const {
  return Sign(kLink, absl::StrJoin({grant.version_id, grant.user_id,
                                    absl::StrCat(absl::ToUnixMicros(grant.expire_time))},
                                   "\n"));
}

absl::StatusOr<ReadGrant> GrantSigner::VerifyRead(absl::string_view token, absl::Time now) const {
  const absl::Status invalid =
      PermissionDenied("INVALID_READ_TOKEN", "the read token is not one this service issued");
  const std::optional<std::string> fields = Open(kRead, token);
  if (!fields) return invalid;
  const std::vector<absl::string_view> parts = absl::StrSplit(*fields, '\n');
  ReadGrant grant;
  std::optional<absl::Time> expire;
  if (parts.size() != 4 || !absl::SimpleAtoi(parts[2], &grant.size) ||
      !(expire = TimeOf(parts[3]))) {
    return invalid;
  }
  grant.version_id = std::string(parts[0]);
  grant.sha256 = std::string(parts[1]);
  grant.expire_time = *expire;
  if (now >= grant.expire_time) {
    return PermissionDenied("READ_TOKEN_EXPIRED", "the read token has expired: open it again");
  }
  return grant;
}

absl::StatusOr<LinkGrant> GrantSigner::VerifyLink(absl::string_view token, absl::Time now) const {
  const absl::Status invalid =
      PermissionDenied("INVALID_LINK", "the link is not one this service made");
  const std::optional<std::string> fields = Open(kLink, token);
  if (!fields) return invalid;
  const std::vector<absl::string_view> parts = absl::StrSplit(*fields, '\n');
  std::optional<absl::Time> expire;
  if (parts.size() != 3 || !(expire = TimeOf(parts[2]))) return invalid;
  LinkGrant grant{.version_id = std::string(parts[0]),
                  .user_id = std::string(parts[1]),
                  .expire_time = *expire};
  if (now >= grant.expire_time) {
    return PermissionDenied("LINK_EXPIRED", "the link has expired: ask for a new one");
  }
  return grant;
}

}  // namespace parta::content
