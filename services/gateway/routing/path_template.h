#pragma once

// Path templates of `google.api.http` rules (google/api/http.proto):
//
//   Template = "/" Segments [ ":" Verb ] ;
//   Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}" ;
//
// `{name}` means `{name=*}`; `**` matches the rest of the path and must come last. A matched
// path yields one binding per variable: the field path and the percent-decoded value (a
// multi-segment value keeps "/" and leaves an encoded "%2F" as it is).

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parta::gateway {

// A variable's value after a match.
struct PathBinding {
  std::vector<std::string> field_path;  // proto field names, outermost first
  std::string value;
};

class PathTemplate {
 public:
  // INVALID_ARGUMENT (reason INVALID_PATH_TEMPLATE) with the position of the problem.
  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  // The bindings when `path` (no query string) matches, nullopt when it does not.
  std::optional<std::vector<PathBinding>> Match(absl::string_view path) const;

  // The template with variable names erased ("/v1/schools/*/classes/*:verb"): two templates
  // with the same shape match the same paths, which is a collision.
  std::string Shape() const;

  // A concrete path this template matches, with every variable filled by `example` values
  // (for the routability test and the OpenAPI document).
  std::string ExamplePath() const;

  // The template as written.
  const std::string& text() const { return text_; }

  // Field paths bound by the template, in order.
  std::vector<std::vector<std::string>> VariableFields() const;

  // The template's segments in order, for writers of other notations (the OpenAPI document).
  struct Piece {
    enum class Kind { kLiteral, kSingle, kMulti };
    Kind kind;
    std::string literal;  // kLiteral only
    int variable;         // index into VariableFields(); -1 outside any variable
  };
  std::vector<Piece> Pieces() const;
  const std::string& verb() const { return verb_; }

  // Ordering by specificity: at the first differing segment, a literal beats `*`, which beats
  // `**`; a longer template beats its prefix. The router tries more specific templates first.
  static bool MoreSpecific(const PathTemplate& a, const PathTemplate& b);

 private:
  enum class SegmentKind { kLiteral, kSingle, kMulti };
  struct Segment {
    SegmentKind kind;
    std::string literal;  // kLiteral only
  };
  struct Variable {
    std::vector<std::string> field_path;
    size_t first_segment;  // [first_segment, end_segment)
    size_t end_segment;
  };

  std::string text_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
  std::string verb_;
};

// Percent-decodes `text`; "%2F" stays encoded when `keep_slash`. nullopt on a bad escape.
std::optional<std::string> PercentDecode(absl::string_view text, bool keep_slash);

}  // namespace parta::gateway
