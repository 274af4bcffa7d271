#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "libs/core/config.h"

namespace parta {
namespace {

Config FromMap(std::map<std::string, std::string> values) {
  return Config([values](absl::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  });
}

TEST_CASE("Config reads values and falls back to defaults", "[core][unit]") {
  Config config = FromMap({{"PARTA_A", "x"}, {"PARTA_N", "42"}, {"PARTA_D", "15m"},
                           {"PARTA_B", "true"}, {"PARTA_EMPTY", ""}});
  CHECK(config.String("PARTA_A", "y") == "x");
  CHECK(config.String("PARTA_EMPTY", "fallback") == "fallback");
  CHECK(config.Int("PARTA_N", 1, 0, 100) == 42);
  CHECK(config.Int("PARTA_MISSING", 7, 0, 100) == 7);
  CHECK(config.Duration("PARTA_D", absl::Seconds(1)) == absl::Minutes(15));
  CHECK(config.Bool("PARTA_B", false));
  CHECK(config.Validate().ok());
}

TEST_CASE("Config reports every bad setting in one error", "[core][unit]") {
  Config config = FromMap({{"PARTA_N", "lots"}, {"PARTA_D", "-5s"}, {"PARTA_BIG", "1000"}});
  config.Int("PARTA_N", 1, 0, 100);
  config.Duration("PARTA_D", absl::Seconds(1));
  config.Int("PARTA_BIG", 1, 0, 100);
  config.RequiredString("PARTA_PG_URI");
  absl::Status status = config.Validate();
  REQUIRE(status.code() == absl::StatusCode::kInvalidArgument);
  std::string message(status.message());
  CHECK(message.find("PARTA_N") != std::string::npos);
  CHECK(message.find("PARTA_D") != std::string::npos);
  CHECK(message.find("PARTA_BIG") != std::string::npos);
  CHECK(message.find("PARTA_PG_URI is required") != std::string::npos);
}

}  // namespace
}  // namespace parta
