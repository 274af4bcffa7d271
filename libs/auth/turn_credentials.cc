#include "libs/auth/turn_credentials.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace parta::auth {

TurnCredentials MakeTurnCredentials(absl::string_view secret, absl::string_view user_id,
                                    absl::Time expiry) {
  TurnCredentials credentials;
  credentials.username = absl::StrCat(absl::ToUnixSeconds(expiry), ":", user_id);
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t mac_size = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA1", nullptr, secret.data(), secret.size(),
                reinterpret_cast<const unsigned char*>(credentials.username.data()),
                credentials.username.size(), mac, sizeof(mac), &mac_size) == nullptr) {
    std::abort();  // an OpenSSL without HMAC-SHA1 cannot run this service at all
  }
  credentials.password =
      absl::Base64Escape(absl::string_view(reinterpret_cast<const char*>(mac), mac_size));
  return credentials;
}

}  // namespace parta::auth
