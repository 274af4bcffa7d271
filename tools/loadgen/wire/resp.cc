#include "tools/loadgen/wire/resp.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace parta::loadgen {
namespace {

// The line starting at `at` (without CRLF) and where the next one starts; npos while incomplete.
size_t Line(absl::string_view in, size_t at, absl::string_view& line) {
  const size_t end = in.find("\r\n", at);
  if (end == absl::string_view::npos) return absl::string_view::npos;
  line = in.substr(at, end - at);
  return end + 2;
}

// One scalar element at `at`: where the next starts, npos while incomplete, 0 when malformed.
size_t Scalar(absl::string_view in, size_t at, absl::string_view& item) {
  if (at >= in.size()) return absl::string_view::npos;
  absl::string_view line;
  const size_t next = Line(in, at, line);
  if (next == absl::string_view::npos) return next;
  switch (line[0]) {
    case '+':
    case '-':
    case ':':
      item = line.substr(1);
      return next;
    case '$': {
      int64_t size = 0;
      if (!absl::SimpleAtoi(line.substr(1), &size)) return 0;
      if (size < 0) {
        item = {};
        return next;
      }
      if (in.size() < next + static_cast<size_t>(size) + 2) return absl::string_view::npos;
      item = in.substr(next, static_cast<size_t>(size));
      return next + static_cast<size_t>(size) + 2;
    }
    default:
      return 0;
  }
}

}  // namespace

std::string RespCommand(const std::vector<absl::string_view>& arguments) {
  std::string command = absl::StrCat("*", arguments.size(), "\r\n");
  for (absl::string_view argument : arguments) {
    absl::StrAppend(&command, "$", argument.size(), "\r\n", argument, "\r\n");
  }
  return command;
}

int64_t ParseRespReply(absl::string_view in, std::vector<absl::string_view>& items) {
  items.clear();
  if (in.empty()) return 0;
  if (in[0] != '*') {
    absl::string_view item;
    const size_t next = Scalar(in, 0, item);
    if (next == absl::string_view::npos) return 0;
    if (next == 0) return -1;
    items.push_back(item);
    return static_cast<int64_t>(next);
  }
  absl::string_view line;
  size_t at = Line(in, 0, line);
  if (at == absl::string_view::npos) return 0;
  int64_t count = 0;
  if (!absl::SimpleAtoi(line.substr(1), &count)) return -1;
  for (int64_t i = 0; i < count; ++i) {
    if (at < in.size() && in[at] == '*') return -1;
    absl::string_view item;
    const size_t next = Scalar(in, at, item);
    if (next == absl::string_view::npos) return 0;
    if (next == 0) return -1;
    items.push_back(item);
    at = next;
  }
  return static_cast<int64_t>(at);
}

}  // namespace parta::loadgen
