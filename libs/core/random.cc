#include "libs/core/random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"

namespace parta {

std::string RandomCode(size_t length) {
  std::string bytes = RandomBytes(length);
  std::string code(length, '0');
  for (size_t i = 0; i < length; ++i) {
    code[i] = kCrockfordAlphabet[static_cast<unsigned char>(bytes[i]) & 31];
  }
  return code;
}

std::optional<std::string> NormalizeCode(absl::string_view typed, size_t length) {
  std::string out;
  for (char c : typed) {
    if (c == ' ' || c == '-') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    if (c == '\0' || std::strchr(kCrockfordAlphabet, c) == nullptr) return std::nullopt;
    out.push_back(c);
  }
  if (out.size() != length) return std::nullopt;
  return out;
}

std::string RandomBytes(size_t size) {
  std::string out(size, '\0');
  size_t filled = 0;
  while (filled < size) {
    ssize_t got = getrandom(out.data() + filled, size - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      std::abort();
    }
    filled += static_cast<size_t>(got);
  }
  return out;
}

namespace {

std::string FormatUuidV7(std::string bytes, absl::Time now) {
  uint64_t millis = static_cast<uint64_t>(absl::ToUnixMillis(now));
  for (int i = 0; i < 6; ++i) {
    bytes[i] = static_cast<char>((millis >> (8 * (5 - i))) & 0xff);
  }
  bytes[6] = static_cast<char>(0x70 | (bytes[6] & 0x0f));
  bytes[8] = static_cast<char>(0x80 | (bytes[8] & 0x3f));
  std::string hex = absl::BytesToHexString(bytes);
  return absl::StrFormat("%s-%s-%s-%s-%s", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4),
                         hex.substr(16, 4), hex.substr(20, 12));
}

}  // namespace

std::string NewUuidV7(absl::Time now) { return FormatUuidV7(RandomBytes(16), now); }

std::string NewRequestId(absl::Time now) {
  thread_local std::mt19937_64 generator = [] {
    std::string seed = RandomBytes(8);
    uint64_t value = 0;
    std::memcpy(&value, seed.data(), sizeof(value));
    return std::mt19937_64(value);
  }();
  std::string bytes(16, '\0');
  uint64_t high = generator();
  uint64_t low = generator();
  std::memcpy(bytes.data(), &high, 8);
  std::memcpy(bytes.data() + 8, &low, 8);
  return FormatUuidV7(std::move(bytes), now);
}

bool IsUuid(absl::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::string Base64UrlEncode(absl::string_view bytes) { return absl::WebSafeBase64Escape(bytes); }

std::optional<std::string> Base64UrlDecode(absl::string_view text) {
  if (text.find('=') != absl::string_view::npos) return std::nullopt;
  std::string out;
  if (!absl::WebSafeBase64Unescape(text, &out)) return std::nullopt;
  // Reject non-canonical encodings so that one value has exactly one spelling.
  if (Base64UrlEncode(out) != text) return std::nullopt;
  return out;
}

}  // namespace parta
