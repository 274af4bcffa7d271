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
}

TEST_CASE("Polls, awards, mentions, attachments, reactions, titles, mutes and queries",
          "[messaging][unit]") {
  CHECK(ValidatePoll("Когда экскурсия?", {"В субботу", "В воскресенье"}).ok());
  CHECK(ReasonOf(ValidatePoll("Вопрос?", {})) == "INVALID_POLL");
  std::vector<std::string> eleven(11, "вариант");
  CHECK(ReasonOf(ValidatePoll("Вопрос?", eleven)) == "INVALID_POLL");
  CHECK(ValidatePoll("Вопрос?", std::vector<std::string>(10, "вариант")).ok());
  CHECK(ReasonOf(ValidatePoll("  ", {"да"})) == "INVALID_POLL");
  CHECK(ReasonOf(ValidatePoll("Вопрос?", {"да", " "})) == "INVALID_POLL");
  CHECK(ReasonOf(ValidateAwardComment(std::string(501, 'a'))) == "INVALID_AWARD");
  std::string uuid = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
  CHECK(ValidateMentions({uuid}).ok());
  CHECK(ReasonOf(ValidateMentions({"@masha"})) == "INVALID_MENTION");
  CHECK(ReasonOf(ValidateMentions(std::vector<std::string>(51, uuid))) == "TOO_MANY_MENTIONS");
  CHECK(ReasonOf(ValidateAttachments(std::vector<std::string>(11, uuid))) == "INVALID_ATTACHMENT");
  CHECK(ReasonOf(ValidateAttachments({"file.pdf"})) == "INVALID_ATTACHMENT");
  CHECK(ValidateReaction("👍").ok());
  CHECK(ValidateReaction("❤️").ok());
  CHECK(ReasonOf(ValidateReaction("💩")) == "UNKNOWN_REACTION");
  CHECK(ReasonOf(ValidateReaction("")) == "UNKNOWN_REACTION");
  CHECK(ValidateTitle("Олимпиада по физике").ok());
  CHECK(ReasonOf(ValidateTitle(" ")) == "INVALID_TITLE");
  CHECK(ReasonOf(ValidateReportReason("")) == "INVALID_REASON");
  CHECK(ValidateMuteDuration(absl::Minutes(1)).ok());
  CHECK(ReasonOf(ValidateMuteDuration(absl::Seconds(59))) == "INVALID_DURATION");
  CHECK(ReasonOf(ValidateMuteDuration(absl::Hours(24 * 31))) == "INVALID_DURATION");
  CHECK(ValidateQuery("задача").ok());
  CHECK(ReasonOf(ValidateQuery("!!!")) == "INVALID_QUERY");
  CHECK(ReasonOf(ValidateQuery("")) == "INVALID_QUERY");
}

}  // namespace
}  // namespace parta::messaging
