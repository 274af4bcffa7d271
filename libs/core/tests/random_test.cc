#include <catch2/catch.hpp>

#include <set>

#include "libs/core/random.h"

namespace parta {
namespace {

TEST_CASE("UUIDv7 ids are canonical, unique and ordered by time", "[core][unit]") {
  absl::Time t = absl::FromUnixMillis(1'800'000'000'000);
  std::string early = NewUuidV7(t);
  std::string late = NewUuidV7(t + absl::Milliseconds(1));
  CHECK(IsUuid(early));
  CHECK(early[14] == '7');
  CHECK(early < late);
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(NewUuidV7(t));
  CHECK(ids.size() == 1000);
  CHECK_FALSE(IsUuid("not-a-uuid"));
  CHECK_FALSE(IsUuid("0192D3A4-0000-7000-8000-000000000000"));
}

TEST_CASE("Request ids look like UUIDv7 and do not repeat", "[core][unit]") {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(NewRequestId(absl::Now()));
  CHECK(ids.size() == 1000);
  CHECK(IsUuid(*ids.begin()));
}

TEST_CASE("Base64url round-trips and rejects padding and non-canonical text", "[core][unit]") {
  std::string bytes = RandomBytes(32);
  std::string text = Base64UrlEncode(bytes);
  CHECK(text.size() == 43);
  CHECK(Base64UrlDecode(text) == bytes);
  CHECK_FALSE(Base64UrlDecode("YQ==").has_value());
  CHECK_FALSE(Base64UrlDecode("YR").has_value());
  CHECK_FALSE(Base64UrlDecode("a+b/").has_value());
}

}  // namespace
}  // namespace parta
