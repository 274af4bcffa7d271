#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "libs/core/log.h"

namespace parta::log {
namespace {

TEST_CASE("Log lines are JSON with escaped values and the request id", "[core][unit]") {
  std::vector<std::string> lines;
  SetSinkForTesting([&lines](absl::string_view line) { lines.emplace_back(line); });
  {
    ScopedRequestId request("req-1");
    Info("rpc").With("method", "a\"b\n").With("count", 3).With("ok", true);
  }
  Info("after");
  Debug("dropped");
  SetSinkForTesting(nullptr);

  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find(R"("level":"info","msg":"rpc","request_id":"req-1")") != std::string::npos);
  CHECK(lines[0].find(R"("method":"a\"b\n","count":3,"ok":true})") != std::string::npos);
  CHECK(lines[1].find("request_id") == std::string::npos);
}

TEST_CASE("Log level names parse", "[core][unit]") {
  CHECK(ParseLevel("warning") == Level::kWarning);
  CHECK_FALSE(ParseLevel("loud").has_value());
}

}  // namespace
}  // namespace parta::log
