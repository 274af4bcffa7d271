#pragma once

// JSON-lines logging to stdout. One line per event:
//   {"ts":"2026-11-29T12:00:00.123Z","level":"info","msg":"rpc","request_id":"…","code":"OK"}
// Never log passwords, tokens or personal data (names, e-mails, phones).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

namespace parta::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// One log line, written when it goes out of scope.
class Line {
 public:
  Line(Level level, absl::string_view message);
  ~Line();
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;

  Line& With(absl::string_view key, absl::string_view value);
  Line& With(absl::string_view key, const char* value) { return With(key, absl::string_view(value)); }
  Line& With(absl::string_view key, int64_t value);
  Line& With(absl::string_view key, int value) { return With(key, int64_t{value}); }
  Line& With(absl::string_view key, double value);
  Line& With(absl::string_view key, bool value);

 private:
  bool enabled_;
  std::string buffer_;
};

inline Line Debug(absl::string_view message) { return Line(Level::kDebug, message); }
inline Line Info(absl::string_view message) { return Line(Level::kInfo, message); }
inline Line Warning(absl::string_view message) { return Line(Level::kWarning, message); }
inline Line Error(absl::string_view message) { return Line(Level::kError, message); }

// Lines below `level` are dropped. Default: info (PARTA_LOG_LEVEL in services).
void SetMinimumLevel(Level level);
std::optional<Level> ParseLevel(absl::string_view text);

// Replaces stdout as the destination (tests capture lines). Pass nullptr to restore stdout.
void SetSinkForTesting(std::function<void(absl::string_view line)> sink);

// Tags every line written by this thread with a request id while it lives.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string request_id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};

// Appends `text` to `out` as a JSON string literal, quotes included.
void AppendJsonString(std::string& out, absl::string_view text);

}  // namespace parta::log
