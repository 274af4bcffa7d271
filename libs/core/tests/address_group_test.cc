#include "libs/core/address_group.h"

#include <catch2/catch.hpp>

namespace parta {
namespace {

TEST_CASE("IPv4 addresses are their own group", "[core][unit]") {
  CHECK(AddressGroup("203.0.113.5") == "203.0.113.5");
  CHECK(AddressGroup("::ffff:203.0.113.5") == "203.0.113.5");
}

TEST_CASE("IPv6 addresses of one /64 share a group and other /64s do not", "[core][unit]") {
  CHECK(AddressGroup("2001:db8:1:2::1") == "2001:db8:1:2::/64");
  CHECK(AddressGroup("2001:db8:1:2:ffff:eeee:dddd:cccc") == "2001:db8:1:2::/64");
  CHECK(AddressGroup("2001:DB8:1:2:0:0:0:9") == "2001:db8:1:2::/64");
  CHECK(AddressGroup("2001:db8:1:3::1") == "2001:db8:1:3::/64");
  CHECK(AddressGroup("::1") == "::/64");
}

TEST_CASE("what is not an address is kept as it is", "[core][unit]") {
  CHECK(AddressGroup("") == "");
  CHECK(AddressGroup("unknown") == "unknown");
  CHECK(AddressGroup("2001:db8::zz") == "2001:db8::zz");
}

}  // namespace
}  // namespace parta
