#include "services/identity/domain/one_time_code.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstdint>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/core/random.h"

namespace parta::identity {

std::string NewOneTimeCode() {
  constexpr uint32_t kRange = 1'000'000;
  constexpr uint32_t kLimit = UINT32_MAX - UINT32_MAX % kRange;  // no modulo bias
  uint32_t value = 0;
  do {
    std::string bytes = RandomBytes(sizeof value);
    std::memcpy(&value, bytes.data(), sizeof value);
  } while (value >= kLimit);
  std::string code = std::to_string(value % kRange);
  return std::string(kOneTimeCodeDigits - code.size(), '0') + code;
}

std::optional<std::string> NormalizeOneTimeCode(absl::string_view typed) {
  std::string code;
  for (char c : typed) {
    if (c == ' ' || c == '-') continue;
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    code += c;
  }
  if (code.size() != kOneTimeCodeDigits) return std::nullopt;
  return code;
}

std::string OneTimeCodeHash(absl::string_view account_id, absl::string_view code) {
  const std::string text = absl::StrCat(account_id, ":", code);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

bool SameCodeHash(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace parta::identity
