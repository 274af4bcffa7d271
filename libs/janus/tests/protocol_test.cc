#include "libs/janus/protocol.h"

#include <catch2/catch.hpp>

#include "libs/http/client.h"
#include "libs/janus/errors.h"
#include "libs/testing/status_matchers.h"

namespace parta::janus {
namespace {

using nlohmann::json;

TEST_CASE("Janus URLs are taken apart, and anything but http is refused", "[janus][unit]") {
  auto url = http::Url::Parse("http://127.0.0.1:18088/janus", kHttpReasons);
  REQUIRE_OK(url);
  CHECK(url->host == "127.0.0.1");
  CHECK(url->port == 18088);
  CHECK(url->path == "/janus");
  auto bare = http::Url::Parse("http://janus.internal", kHttpReasons);
  REQUIRE_OK(bare);
  CHECK(bare->port == 80);
  CHECK(bare->path == "/");
  CHECK_STATUS(http::Url::Parse("https://127.0.0.1/janus", kHttpReasons), kInvalidArgument,
               kBadUrl);
  CHECK_STATUS(http::Url::Parse("http://127.0.0.1:0/janus", kHttpReasons), kInvalidArgument,
               kBadUrl);
  CHECK_STATUS(http::Url::Parse("http://:80/janus", kHttpReasons), kInvalidArgument, kBadUrl);
  CHECK_STATUS(http::Url::Parse("http://user:pw@host/janus", kHttpReasons), kInvalidArgument,
               kBadUrl);
}

TEST_CASE("Janus core errors keep their code in the message and get a reason", "[janus][unit]") {
  json answer = {{"janus", "error"}, {"error", {{"code", 458}, {"reason", "No such session 12"}}}};
  absl::Status status = CoreStatus(answer);
  CHECK(status.code() == absl::StatusCode::kNotFound);
  CHECK(ReasonOf(status) == kSessionNotFound);
  CHECK(status.message() == "janus error 458: No such session 12");
  CHECK(CoreStatus({{"janus", "success"}}).ok());
  CHECK(ReasonOf(CoreError(456, "JSEP error: missing mandatory element (sdp)")) == kInvalidJsep);
  CHECK(ReasonOf(CoreError(456, "Missing mandatory element (plugin)")) == kInvalidRequest);
  CHECK(ReasonOf(CoreError(403, "Unauthorized request")) == kUnauthorized);
  CHECK(ReasonOf(CoreError(472, "Not accepting new sessions")) == kNotAcceptingSessions);
  CHECK(ReasonOf(CoreError(490, "?")) == kJanusError);
  // An error of a strange shape is still an error.
  CHECK(ReasonOf(CoreStatus({{"janus", "error"}, {"error", "text"}})) == kJanusError);
}

TEST_CASE("VideoRoom errors become statuses with reasons", "[janus][unit]") {
  auto of = [](int code) {
    return PluginStatus({{"videoroom", "event"}, {"error_code", code}, {"error", "x"}});
  };
  CHECK(ReasonOf(of(426)) == kRoomNotFound);
  CHECK(ReasonOf(of(427)) == kRoomExists);
  CHECK(ReasonOf(of(428)) == kFeedNotFound);
  CHECK(ReasonOf(of(432)) == kRoomFull);
  CHECK(of(433).code() == absl::StatusCode::kPermissionDenied);
  CHECK(ReasonOf(of(433)) == kRoomUnauthorized);
  CHECK(ReasonOf(of(436)) == kParticipantExists);
  CHECK(ReasonOf(of(437)) == kInvalidJsep);
  CHECK(ReasonOf(of(424)) == kWrongState);
  CHECK(ReasonOf(of(429)) == kInvalidRequest);
  CHECK(ReasonOf(of(499)) == kJanusError);
  CHECK(of(433).message() == "janus videoroom error 433: x");
  CHECK(PluginStatus({{"videoroom", "joined"}}).ok());
}

TEST_CASE("Answers that are not JSON or not HTTP 200 are bad responses", "[janus][unit]") {
  CHECK_STATUS(ParseAnswer({.status = 200, .body = "<html>"}, "create"), kInternal, kBadResponse);
  CHECK_STATUS(ParseAnswer({.status = 500, .body = "{}"}, "create"), kInternal, kBadResponse);
  CHECK_STATUS(ParseAnswer({.status = 200, .body = "42"}, "create"), kInternal, kBadResponse);
  REQUIRE_OK(ParseAnswer({.status = 200, .body = "[{\"janus\":\"keepalive\"}]"}, "poll"));
  CHECK_STATUS(IdField({{"id", -1}}, "id"), kInternal, kBadResponse);
  CHECK_STATUS(IdField({{"id", "12"}}, "id"), kInternal, kBadResponse);
  auto id = IdField({{"id", 4503599627370495ULL}}, "id");
  REQUIRE_OK(id);
  CHECK(*id == 4503599627370495ULL);
  CHECK(StringField({{"janus", 5}}, "janus").empty());
  CHECK(QueryEscape("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9");
  CHECK(NewTransaction() != NewTransaction());
}

}  // namespace
}  // namespace parta::janus
