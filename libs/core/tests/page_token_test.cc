#include "libs/core/page_token.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "libs/core/status.h"

namespace parta {
namespace {

constexpr char kChat[] = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
constexpr char kOtherChat[] = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";
constexpr char kUser[] = "0193a1b2-0000-7000-8000-000000000001";

TEST_CASE("A page token gives back its key for the same list and scope only", "[core][unit]") {
  std::string token = EncodePageToken("members", kChat, {kUser});
  CHECK(token.find(kUser) == std::string::npos);  // not a raw id
  absl::StatusOr<std::vector<std::string>> key = DecodePageToken(token, "members", kChat, 1);
  REQUIRE(key.ok());
  CHECK(*key == std::vector<std::string>{kUser});

  CHECK(ReasonOf(DecodePageToken(token, "members", kOtherChat, 1).status()) ==
        "INVALID_PAGE_TOKEN");
  CHECK(ReasonOf(DecodePageToken(token, "chats", kChat, 1).status()) == "INVALID_PAGE_TOKEN");
  CHECK(ReasonOf(DecodePageToken(token, "members", kChat, 2).status()) == "INVALID_PAGE_TOKEN");
  CHECK(DecodePageToken(token, "members", kOtherChat, 1).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("An empty page token is the first page, a garbled one is refused", "[core][unit]") {
  absl::StatusOr<std::vector<std::string>> first = DecodePageToken("", "chats", kUser, 1);
  REQUIRE(first.ok());
  CHECK(first->empty());

  std::string token = EncodePageToken("chats", kUser, {kChat});
  for (size_t i = 0; i < token.size(); ++i) {
    std::string garbled = token;
    garbled[i] = garbled[i] == 'A' ? 'B' : 'A';
    CHECK(ReasonOf(DecodePageToken(garbled, "chats", kUser, 1).status()) == "INVALID_PAGE_TOKEN");
  }
  for (const std::string& bad : {std::string("not a token"), std::string("="), token + "A",
                                 token.substr(0, token.size() - 2), std::string(2000, 'A')}) {
    CHECK(ReasonOf(DecodePageToken(bad, "chats", kUser, 1).status()) == "INVALID_PAGE_TOKEN");
  }
}

TEST_CASE("Page sizes: 0 means the default, beyond the maximum is refused", "[core][unit]") {
  CHECK(*PageSize(0, 100, 500) == 100);
  CHECK(*PageSize(500, 100, 500) == 500);
  CHECK(ReasonOf(PageSize(501, 100, 500).status()) == "INVALID_PAGE");
  CHECK(ReasonOf(PageSize(-1, 100, 500).status()) == "INVALID_PAGE");
}

}  // namespace
}  // namespace parta
