#pragma once

// The unit of per-address limits. An IPv4 address is one client; an IPv6 subscriber usually
// holds a whole /64 and can pick any address in it, so limits count the /64.

#include <string>

#include "absl/strings/string_view.h"

namespace parta {

// "203.0.113.5" for an IPv4 address, "2001:db8:1:2::/64" for any IPv6 address of that /64
// (IPv4-mapped IPv6 counts as its IPv4 address); anything that is not an address as it is.
std::string AddressGroup(absl::string_view address);

}  // namespace parta
