#pragma once

// Identifiers and random bytes from the kernel's CSPRNG.

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/core/clock.h"

namespace parta {

// `size` bytes from getrandom(2). Aborts if the kernel cannot supply them (never in practice).
std::string RandomBytes(size_t size);

// The alphabet of codes people type: Crockford's base32 (digits and upper-case letters
// without I, L, O and U).
inline constexpr char kCrockfordAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// `length` random characters of kCrockfordAlphabet (5 random bits each).
std::string RandomCode(size_t length);

// A code as a person typed it back: spaces and dashes dropped, upper case, O read as 0 and I, L
// as 1; nullopt unless exactly `length` characters of kCrockfordAlphabet remain.
std::optional<std::string> NormalizeCode(absl::string_view typed, size_t length);

// A version 7 UUID (time-ordered, 74 random bits) in canonical text form.
std::string NewUuidV7(absl::Time now);

// A UUIDv7-shaped id for correlating logs (request ids): from a per-thread generator seeded by
// the kernel, so it costs no system call. Not for secrets or stored identifiers.
std::string NewRequestId(absl::Time now);

// True for a canonical lower-case UUID text.
bool IsUuid(absl::string_view text);

// Makes ids for new objects; injected so tests can predict them.
class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  virtual std::string NewId() = 0;
};

class UuidV7Generator final : public IdGenerator {
 public:
  explicit UuidV7Generator(const Clock& clock) : clock_(clock) {}
  std::string NewId() override { return NewUuidV7(clock_.Now()); }

 private:
  const Clock& clock_;
};

// RFC 4648 base64url without padding.
std::string Base64UrlEncode(absl::string_view bytes);
std::optional<std::string> Base64UrlDecode(absl::string_view text);

}  // namespace parta
