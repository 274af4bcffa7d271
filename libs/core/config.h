#pragma once

// Configuration from PARTA_* environment variables. Each getter records what is wrong instead of
// failing at once, so a service reports every bad setting in one clear startup error.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace parta {

class Config {
 public:
  using Lookup = std::function<std::optional<std::string>(absl::string_view name)>;

  // Reads the process environment.
  Config();
  // Reads through `lookup` (tests pass a map).
  explicit Config(Lookup lookup);

  std::string String(absl::string_view name, absl::string_view fallback);
  // An empty or missing value is an error.
  std::string RequiredString(absl::string_view name);
  int64_t Int(absl::string_view name, int64_t fallback, int64_t min, int64_t max);
  bool Bool(absl::string_view name, bool fallback);
  // Durations are written as Go-style strings: "15m", "30s", "720h", "250ms".
  absl::Duration Duration(absl::string_view name, absl::Duration fallback);

  // OK, or INVALID_ARGUMENT naming every bad or missing setting.
  absl::Status Validate() const;

 private:
  std::optional<std::string> Get(absl::string_view name) const;

  Lookup lookup_;
  std::vector<std::string> problems_;
};

// Writes `status` as one line to stderr and exits with code 2. For startup errors only.
[[noreturn]] void ExitWithStartupError(const absl::Status& status);

}  // namespace parta
