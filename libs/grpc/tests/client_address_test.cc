#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "libs/grpc/call.h"

namespace parta::grpc {
namespace {

TEST_CASE("X-Forwarded-For is believed only from trusted proxies", "[grpc][unit]") {
  std::vector<std::string> proxies = {"10.0.0.0/8", "127.0.0.1"};
  CHECK(ClientAddress("ipv4:203.0.113.5:4000", "198.51.100.7", proxies) == "203.0.113.5");
  CHECK(ClientAddress("ipv4:10.1.2.3:4000", "198.51.100.7", proxies) == "198.51.100.7");
  // A client cannot hide behind a forged first hop: the nearest untrusted hop wins.
  CHECK(ClientAddress("ipv4:10.1.2.3:4000", "1.2.3.4, 198.51.100.7, 10.9.9.9", proxies) ==
        "198.51.100.7");
  CHECK(ClientAddress("ipv4:127.0.0.1:4000", "", proxies) == "127.0.0.1");
  CHECK(ClientAddress("ipv6:[::1]:4000", "198.51.100.7", proxies) == "::1");
}

TEST_CASE("Trusted proxy networks are validated", "[grpc][unit]") {
  CHECK(ValidNetwork("10.0.0.0/8"));
  CHECK(ValidNetwork("127.0.0.1"));
  CHECK(ValidNetwork("2001:db8::/32"));
  CHECK_FALSE(ValidNetwork("10.0.0.0/-1"));
  CHECK_FALSE(ValidNetwork("10.0.0.0/33"));
  CHECK_FALSE(ValidNetwork("::/129"));
  CHECK_FALSE(ValidNetwork("school"));
  CHECK_FALSE(ValidNetwork("10.0.0.0/8/1"));
}

TEST_CASE("PARTA_TRUSTED_PROXIES is read as a list and refused at the first bad entry",
          "[grpc][unit]") {
  auto env_with = [](std::string value) {
    return Config([value](absl::string_view name) -> std::optional<std::string> {
      if (name == "PARTA_TRUSTED_PROXIES") return value;
      return std::nullopt;
    });
  };
  Config good = env_with("10.0.0.0/8, 127.0.0.1");
  absl::StatusOr<std::vector<std::string>> proxies = TrustedProxiesFromEnvironment(good);
  REQUIRE(proxies.ok());
  CHECK(*proxies == std::vector<std::string>{"10.0.0.0/8", "127.0.0.1"});
  Config bad = env_with("10.0.0.0/8,gateway");
  absl::StatusOr<std::vector<std::string>> refused = TrustedProxiesFromEnvironment(bad);
  CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(refused.status().message(), "gateway"));
  Config none = env_with("");
  CHECK(TrustedProxiesFromEnvironment(none)->empty());
}

}  // namespace
}  // namespace parta::grpc
