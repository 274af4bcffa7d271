#include "libs/core/config.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace parta {

Config::Config()
    : Config([](absl::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
      }) {}

Config::Config(Lookup lookup) : lookup_(std::move(lookup)) {}

std::optional<std::string> Config::Get(absl::string_view name) const {
  auto value = lookup_(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

std::string Config::String(absl::string_view name, absl::string_view fallback) {
  return Get(name).value_or(std::string(fallback));
}

std::string Config::RequiredString(absl::string_view name) {
  auto value = Get(name);
  if (!value) {
    problems_.push_back(absl::StrCat(name, " is required"));
    return "";
  }
  return *value;
}

int64_t Config::Int(absl::string_view name, int64_t fallback, int64_t min, int64_t max) {
  auto value = Get(name);
  if (!value) return fallback;
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(*value, &parsed) || parsed < min || parsed > max) {
    problems_.push_back(absl::StrCat(name, " must be an integer in [", min, ", ", max, "]"));
    return fallback;
  }
  return parsed;
}

bool Config::Bool(absl::string_view name, bool fallback) {
  auto value = Get(name);
  if (!value) return fallback;
  bool parsed = false;
  if (!absl::SimpleAtob(*value, &parsed)) {
    problems_.push_back(absl::StrCat(name, " must be true or false"));
    return fallback;
  }
  return parsed;
}

absl::Duration Config::Duration(absl::string_view name, absl::Duration fallback) {
  auto value = Get(name);
  if (!value) return fallback;
  absl::Duration parsed;
  if (!absl::ParseDuration(*value, &parsed) || parsed < absl::ZeroDuration()) {
    problems_.push_back(
        absl::StrCat(name, " must be a non-negative duration such as 30s, 15m or 720h"));
    return fallback;
  }
  return parsed;
}

absl::Status Config::Validate() const {
  if (problems_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("invalid configuration: ", absl::StrJoin(problems_, "; ")));
}

void ExitWithStartupError(const absl::Status& status) {
  std::fprintf(stderr, "fatal: %s\n", std::string(status.message()).c_str());
  std::exit(2);
}

}  // namespace parta
