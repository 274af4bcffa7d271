#include "services/gateway/rest/request_identity.h"

#include <cstring>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/core/random.h"

namespace parta::gateway {
namespace {

bool IsLowerHex(absl::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(absl::string_view text) {
  return text.find_first_not_of('0') == absl::string_view::npos;
}

}  // namespace

bool IsSaneRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != ':' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

bool IsValidTraceparent(absl::string_view traceparent) {
  if (traceparent.size() != 55) return false;
  if (traceparent[2] != '-' || traceparent[35] != '-' || traceparent[52] != '-') return false;
  const absl::string_view version = traceparent.substr(0, 2);
  const absl::string_view trace_id = traceparent.substr(3, 32);
  const absl::string_view parent_id = traceparent.substr(36, 16);
  const absl::string_view flags = traceparent.substr(53, 2);
  return IsLowerHex(version) && version != "ff" && IsLowerHex(trace_id) && !AllZero(trace_id) &&
         IsLowerHex(parent_id) && !AllZero(parent_id) && IsLowerHex(flags);
}

std::string NewTraceparent() {
  // Trace ids need to be unique, not secret: a per-thread generator seeded from the kernel
  // keeps a system call off every request.
  thread_local std::mt19937_64 generator = [] {
    const std::string seed = RandomBytes(8);
    uint64_t value = 0;
    std::memcpy(&value, seed.data(), sizeof(value));
    return std::mt19937_64(value);
  }();
  uint64_t high = generator(), low = generator(), parent = generator();
  if ((high | low) == 0) low = 1;
  if (parent == 0) parent = 1;
  return absl::StrFormat("00-%016x%016x-%016x-00", high, low, parent);
}

}  // namespace parta::gateway
