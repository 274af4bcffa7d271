#include "libs/core/address_group.h"

#include <arpa/inet.h>

#include <cstring>

#include "absl/strings/match.h"

namespace parta {

std::string AddressGroup(absl::string_view address) {
  const std::string text(address);
  in6_addr ip6{};
  if (!absl::StrContains(text, ':') || inet_pton(AF_INET6, text.c_str(), &ip6) != 1) {
    return text;
  }
  if (IN6_IS_ADDR_V4MAPPED(&ip6)) {
    char ip4[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &ip6.s6_addr[12], ip4, sizeof ip4);
    return ip4;
  }
  std::memset(&ip6.s6_addr[8], 0, 8);
  char prefix[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, &ip6, prefix, sizeof prefix);
  return std::string(prefix) + "/64";
}

}  // namespace parta
