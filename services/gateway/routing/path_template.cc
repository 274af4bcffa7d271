#include "services/gateway/routing/path_template.h"

#include <algorithm>
#include <cstddef>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/core/status.h"

namespace parta::gateway {
namespace {

absl::Status TemplateError(absl::string_view text, size_t position, absl::string_view what) {
  return InvalidArgument("INVALID_PATH_TEMPLATE",
                         absl::StrCat("path template \"", text, "\" at ", position, ": ", what));
}

bool IsFieldChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool IsLiteralChar(char c) {
  return c != '/' && c != ':' && c != '{' && c != '}' && c != '*' && c != '=' && c != '?' &&
         c != '#' && static_cast<unsigned char>(c) > 0x20;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(absl::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = HexValue(text[i + 1]);
    const int low = HexValue(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    const char decoded = static_cast<char>(high * 16 + low);
    if (keep_slash && decoded == '/') {
      out.append(text.substr(i, 3).data(), 3);
    } else {
      out.push_back(decoded);
    }
    i += 2;
  }
  return out;
}

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  PathTemplate result;
  result.text_ = std::string(text);
  size_t pos = 0;
  if (text.empty() || text[0] != '/') return TemplateError(text, 0, "must start with '/'");
  pos = 1;

  // Reads one non-variable segment at `pos`.
  auto read_plain_segment = [&](Segment& segment) -> absl::Status {
    if (text.substr(pos, 2) == "**") {
      segment = {SegmentKind::kMulti, ""};
      pos += 2;
      return absl::OkStatus();
    }
    if (pos < text.size() && text[pos] == '*') {
      segment = {SegmentKind::kSingle, ""};
      pos += 1;
      return absl::OkStatus();
    }
    const size_t start = pos;
    while (pos < text.size() && IsLiteralChar(text[pos])) ++pos;
    if (pos == start) return TemplateError(text, pos, "expected a segment");
    segment = {SegmentKind::kLiteral, std::string(text.substr(start, pos - start))};
    return absl::OkStatus();
  };

  while (true) {
    if (pos < text.size() && text[pos] == '{') {
      ++pos;
      Variable variable;
      const size_t path_start = pos;
      while (pos < text.size() && (IsFieldChar(text[pos]) || text[pos] == '.')) ++pos;
      const absl::string_view field_path = text.substr(path_start, pos - path_start);
      if (field_path.empty()) return TemplateError(text, pos, "expected a field path");
      for (absl::string_view part : absl::StrSplit(field_path, '.')) {
        if (part.empty()) return TemplateError(text, path_start, "empty field name");
        variable.field_path.emplace_back(part);
      }
      variable.first_segment = result.segments_.size();
      if (pos < text.size() && text[pos] == '=') {
        ++pos;
        while (true) {
          Segment segment;
          RETURN_IF_ERROR(read_plain_segment(segment));
          result.segments_.push_back(std::move(segment));
          if (pos < text.size() && text[pos] == '/') {
            ++pos;
            continue;
          }
          break;
        }
      } else {
        result.segments_.push_back({SegmentKind::kSingle, ""});
      }
      if (pos >= text.size() || text[pos] != '}') return TemplateError(text, pos, "expected '}'");
      ++pos;
      variable.end_segment = result.segments_.size();
      result.variables_.push_back(std::move(variable));
    } else {
      Segment segment;
      RETURN_IF_ERROR(read_plain_segment(segment));
      result.segments_.push_back(std::move(segment));
    }
    if (pos < text.size() && text[pos] == '/') {
      ++pos;
      continue;
    }
    break;
  }
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    const size_t start = pos;
    while (pos < text.size() && IsLiteralChar(text[pos])) ++pos;
    if (pos == start) return TemplateError(text, pos, "empty verb");
    result.verb_ = std::string(text.substr(start, pos - start));
  }
  if (pos != text.size()) return TemplateError(text, pos, "unexpected character");

  for (size_t i = 0; i < result.segments_.size(); ++i) {
    if (result.segments_[i].kind == SegmentKind::kMulti && i + 1 != result.segments_.size()) {
      return TemplateError(text, 0, "'**' must be the last segment");
    }
  }
  for (size_t i = 0; i < result.variables_.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (result.variables_[i].field_path == result.variables_[j].field_path) {
        return TemplateError(text, 0, "a field is bound twice");
      }
    }
  }
  return result;
}

std::optional<std::vector<PathBinding>> PathTemplate::Match(absl::string_view path) const {
  if (path.empty() || path[0] != '/') return std::nullopt;
  absl::string_view rest = path.substr(1);
  if (!verb_.empty()) {
    if (rest.size() <= verb_.size() + 1) return std::nullopt;
    const absl::string_view suffix = rest.substr(rest.size() - verb_.size() - 1);
    if (suffix[0] != ':' || suffix.substr(1) != verb_) return std::nullopt;
    rest.remove_suffix(suffix.size());
  }
  std::vector<absl::string_view> parts = absl::StrSplit(rest, '/');

  // For every segment, the range of parts it took.
  std::vector<std::pair<size_t, size_t>> taken(segments_.size());
  size_t part = 0;
  for (size_t i = 0; i < segments_.size(); ++i) {
    const Segment& segment = segments_[i];
    switch (segment.kind) {
      case SegmentKind::kLiteral:
        if (part >= parts.size() || parts[part] != segment.literal) return std::nullopt;
        taken[i] = {part, part + 1};
        ++part;
        break;
      case SegmentKind::kSingle:
        if (part >= parts.size() || parts[part].empty()) return std::nullopt;
        taken[i] = {part, part + 1};
        ++part;
        break;
      case SegmentKind::kMulti:
        for (size_t p = part; p < parts.size(); ++p) {
          if (parts[p].empty()) return std::nullopt;
        }
        taken[i] = {part, parts.size()};
        part = parts.size();
        break;
    }
  }
  if (part != parts.size()) return std::nullopt;

  std::vector<PathBinding> bindings;
  bindings.reserve(variables_.size());
  for (const Variable& variable : variables_) {
    const size_t first = taken[variable.first_segment].first;
    const size_t end = taken[variable.end_segment - 1].second;
    PathBinding binding{variable.field_path, ""};
    const bool single = end - first == 1 &&
                        segments_[variable.first_segment].kind != SegmentKind::kMulti;
    for (size_t p = first; p < end; ++p) {
      std::optional<std::string> decoded = PercentDecode(parts[p], /*keep_slash=*/!single);
      if (!decoded) return std::nullopt;
      if (p != first) binding.value.push_back('/');
      binding.value += *decoded;
    }
    bindings.push_back(std::move(binding));
  }
  return bindings;
}

std::string PathTemplate::Shape() const {
  std::string shape;
  for (const Segment& segment : segments_) {
    shape.push_back('/');
    switch (segment.kind) {
      case SegmentKind::kLiteral: shape += segment.literal; break;
      case SegmentKind::kSingle: shape += "*"; break;
      case SegmentKind::kMulti: shape += "**"; break;
    }
  }
  if (!verb_.empty()) absl::StrAppend(&shape, ":", verb_);
  return shape;
}

std::string PathTemplate::ExamplePath() const {
  std::string path;
  int filler = 0;
  for (const Segment& segment : segments_) {
    path.push_back('/');
    switch (segment.kind) {
      case SegmentKind::kLiteral: path += segment.literal; break;
      case SegmentKind::kSingle: absl::StrAppend(&path, "example", ++filler); break;
      case SegmentKind::kMulti: absl::StrAppend(&path, "example", ++filler, "/more"); break;
    }
  }
  if (!verb_.empty()) absl::StrAppend(&path, ":", verb_);
  return path;
}

std::vector<std::vector<std::string>> PathTemplate::VariableFields() const {
  std::vector<std::vector<std::string>> fields;
  for (const Variable& variable : variables_) fields.push_back(variable.field_path);
  return fields;
}

std::vector<PathTemplate::Piece> PathTemplate::Pieces() const {
  std::vector<Piece> pieces;
  for (size_t i = 0; i < segments_.size(); ++i) {
    Piece piece{Piece::Kind::kLiteral, segments_[i].literal, -1};
    if (segments_[i].kind == SegmentKind::kSingle) piece.kind = Piece::Kind::kSingle;
    if (segments_[i].kind == SegmentKind::kMulti) piece.kind = Piece::Kind::kMulti;
    for (size_t v = 0; v < variables_.size(); ++v) {
      if (i >= variables_[v].first_segment && i < variables_[v].end_segment) {
        piece.variable = static_cast<int>(v);
      }
    }
    pieces.push_back(std::move(piece));
  }
  return pieces;
}

bool PathTemplate::MoreSpecific(const PathTemplate& a, const PathTemplate& b) {
  const size_t common = std::min(a.segments_.size(), b.segments_.size());
  for (size_t i = 0; i < common; ++i) {
    const auto rank_a = static_cast<int>(a.segments_[i].kind);
    const auto rank_b = static_cast<int>(b.segments_[i].kind);
    if (rank_a != rank_b) return rank_a < rank_b;
  }
  if (a.segments_.size() != b.segments_.size()) return a.segments_.size() > b.segments_.size();
  if (a.verb_.empty() != b.verb_.empty()) return !a.verb_.empty();
  return a.text_ < b.text_;
}

}  // namespace parta::gateway
