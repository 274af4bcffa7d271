#include "libs/core/log.h"

#include <atomic>
#include <cstdio>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace parta::log {
namespace {

std::atomic<int> minimum_level{static_cast<int>(Level::kInfo)};
thread_local std::string current_request_id;

// The process-wide destination of log lines; the one global of the logger.
struct Sink {
  absl::Mutex mu;
  std::function<void(absl::string_view)> sink ABSL_GUARDED_BY(mu);
};

Sink& TheSink() {
  static Sink* sink = new Sink;
  return *sink;
}

absl::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void AppendJsonString(std::string& out, absl::string_view text) {
  out.push_back('"');
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20) {
          out.append(absl::StrFormat("\\u%04x", c));
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

Line::Line(Level level, absl::string_view message)
    : enabled_(static_cast<int>(level) >= minimum_level.load(std::memory_order_relaxed)) {
  if (!enabled_) return;
  buffer_.reserve(256);
  absl::StrAppend(&buffer_, "{\"ts\":\"",
                  absl::FormatTime("%Y-%m-%d%ET%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
                  "\",\"level\":\"", LevelName(level), "\",\"msg\":");
  AppendJsonString(buffer_, message);
  if (!current_request_id.empty()) {
    buffer_.append(",\"request_id\":");
    AppendJsonString(buffer_, current_request_id);
  }
}

Line::~Line() {
  if (!enabled_) return;
  buffer_.append("}\n");
  Sink& sink = TheSink();
  absl::MutexLock lock(&sink.mu);
  if (sink.sink) {
    sink.sink(absl::string_view(buffer_).substr(0, buffer_.size() - 1));
  } else {
    std::fwrite(buffer_.data(), 1, buffer_.size(), stdout);
    std::fflush(stdout);
  }
}

Line& Line::With(absl::string_view key, absl::string_view value) {
  if (!enabled_) return *this;
  buffer_.push_back(',');
  AppendJsonString(buffer_, key);
  buffer_.push_back(':');
  AppendJsonString(buffer_, value);
  return *this;
}

Line& Line::With(absl::string_view key, int64_t value) {
  if (!enabled_) return *this;
  buffer_.push_back(',');
  AppendJsonString(buffer_, key);
  absl::StrAppend(&buffer_, ":", value);
  return *this;
}

Line& Line::With(absl::string_view key, double value) {
  if (!enabled_) return *this;
  buffer_.push_back(',');
  AppendJsonString(buffer_, key);
  absl::StrAppend(&buffer_, ":", absl::StrFormat("%.6g", value));
  return *this;
}

Line& Line::With(absl::string_view key, bool value) {
  if (!enabled_) return *this;
  buffer_.push_back(',');
  AppendJsonString(buffer_, key);
  buffer_.append(value ? ":true" : ":false");
  return *this;
}

void SetMinimumLevel(Level level) { minimum_level.store(static_cast<int>(level)); }

std::optional<Level> ParseLevel(absl::string_view text) {
  for (Level candidate : {Level::kDebug, Level::kInfo, Level::kWarning, Level::kError}) {
    if (text == LevelName(candidate)) return candidate;
  }
  return std::nullopt;
}

void SetSinkForTesting(std::function<void(absl::string_view line)> sink) {
  Sink& the_sink = TheSink();
  absl::MutexLock lock(&the_sink.mu);
  the_sink.sink = std::move(sink);
}

ScopedRequestId::ScopedRequestId(std::string request_id)
    : previous_(std::exchange(current_request_id, std::move(request_id))) {}

ScopedRequestId::~ScopedRequestId() { current_request_id = std::move(previous_); }

}  // namespace parta::log
