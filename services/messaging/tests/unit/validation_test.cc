#include "services/messaging/domain/validation.h"

#include <catch2/catch.hpp>
#include <string>

#include "libs/core/status.h"

namespace parta::messaging {
namespace {

TEST_CASE("Message text: Cyrillic counted in characters, blank, oversize and broken UTF-8 refused",
          "[messaging][unit]") {
  CHECK(ValidateText("Привет, 5А!").ok());
  std::string longest;
  for (int i = 0; i < kMaxTextLength; ++i) longest += "ж";  // 2 bytes each
  CHECK(ValidateText(longest).ok());
  CHECK(ReasonOf(ValidateText(longest + "ж")) == "TEXT_TOO_LONG");
  CHECK(ReasonOf(ValidateText("")) == "EMPTY_MESSAGE");
  CHECK(ReasonOf(ValidateText(" \n\t ")) == "EMPTY_MESSAGE");
  CHECK(ReasonOf(ValidateText("\xd0")) == "INVALID_UTF8");
  CHECK(ReasonOf(ValidateText("\xc0\xaf")) == "INVALID_UTF8");  // an overlong "/"
}

TEST_CASE("Request ids, chat ids and page sizes", "[messaging][unit]") {
  CHECK(ValidateRequestId("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b").ok());
  CHECK(ReasonOf(ValidateRequestId("")) == "INVALID_REQUEST_ID");
  CHECK(ReasonOf(ValidateRequestId(std::string(65, 'x'))) == "INVALID_REQUEST_ID");
  CHECK(ReasonOf(ValidateRequestId("with space")) == "INVALID_REQUEST_ID");
  CHECK(ReasonOf(ValidateRequestId("кириллица")) == "INVALID_REQUEST_ID");
  CHECK(ValidateChatId("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b").ok());
  CHECK(ReasonOf(ValidateChatId("chat-1")) == "INVALID_CHAT_ID");
  CHECK(*PageSize(0, 50, 200) == 50);
  CHECK(*PageSize(200, 50, 200) == 200);
  CHECK(ReasonOf(PageSize(201, 50, 200).status()) == "INVALID_PAGE");
  CHECK(ReasonOf(PageSize(-1, 50, 200).status()) == "INVALID_PAGE");
}

}  // namespace
}  // namespace parta::messaging
