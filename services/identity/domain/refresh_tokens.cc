#include "services/identity/domain/refresh_tokens.h"

#include <sodium.h>

#include "absl/strings/escaping.h"
#include "libs/core/random.h"

namespace parta::identity {

RefreshTokenCodec::RefreshTokenCodec(std::string secret) : secret_(std::move(secret)) {}

std::string RefreshTokenCodec::NewToken() const { return Base64UrlEncode(RandomBytes(32)); }

std::string RefreshTokenCodec::Successor(absl::string_view token) const {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret_.data()),
                              secret_.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(token.data()),
                                token.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return Base64UrlEncode(absl::string_view(reinterpret_cast<const char*>(mac), sizeof(mac)));
}

std::string RefreshTokenCodec::Hash(absl::string_view token) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(token.data()), token.size());
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

}  // namespace parta::identity
