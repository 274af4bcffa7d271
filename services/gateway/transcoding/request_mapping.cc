#include "services/gateway/transcoding/request_mapping.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "libs/core/status.h"
#include "libs/text/json_nesting.h"
#include "nlohmann/json.hpp"
#include "services/gateway/routing/path_template.h"

namespace parta::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using nlohmann::json;

absl::Status MalformedJson(absl::string_view detail) {
  return InvalidArgument("MALFORMED_JSON", absl::StrCat("the body is not valid JSON: ", detail));
}

const FieldDescriptor* FindField(const Descriptor& message, absl::string_view name) {
  if (const FieldDescriptor* field = message.FindFieldByName(std::string(name))) return field;
  for (int i = 0; i < message.field_count(); ++i) {
    if (message.field(i)->json_name() == name) return message.field(i);
  }
  return nullptr;
}

// Fields given as plain strings in a URL: scalars and the well-known types whose JSON form is a
// string or a number (Timestamp, Duration, FieldMask, wrappers).
bool TakesUrlValue(const FieldDescriptor& field) {
  if (field.is_map()) return false;
  if (field.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return true;
  const std::string& name = field.message_type()->full_name();
  return name == "google.protobuf.Timestamp" || name == "google.protobuf.Duration" ||
         name == "google.protobuf.FieldMask" ||
         (absl::StartsWith(name, "google.protobuf.") && absl::EndsWith(name, "Value") &&
          name != "google.protobuf.Value");
}

bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    uint32_t code_point = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xE0) == 0xC0) {
      length = 2;
      code_point = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      code_point = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      code_point = byte & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < smallest[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

// The JSON value of a URL string for `field`; nullopt when it cannot be one (including text
// that is not UTF-8).
std::optional<json> UrlValue(const FieldDescriptor& field, const std::string& text) {
  if (!IsValidUtf8(text)) return std::nullopt;
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_BOOL:
      if (text == "true") return json(true);
      if (text == "false") return json(false);
      return std::nullopt;
    case FieldDescriptor::CPPTYPE_ENUM: {
      int64_t number = 0;
      if (absl::SimpleAtoi(text, &number)) return json(number);
      return json(text);
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      if (field.message_type()->full_name() == "google.protobuf.BoolValue") {
        if (text == "true") return json(true);
        if (text == "false") return json(false);
        return std::nullopt;
      }
      return json(text);
    default:
      // Numbers go as strings: the proto3 JSON parser accepts quoted numbers of every width and
      // checks their range.
      return json(text);
  }
}

// The JSON object that holds `field_path`'s last field, created along the way; the names used
// are the fields' JSON names, and the other spelling of each is removed so that a value set
// here replaces one the body gave.
json& ParentObject(json& root, const std::vector<const FieldDescriptor*>& fields) {
  json* node = &root;
  for (size_t i = 0; i + 1 < fields.size(); ++i) {
    json& object = *node;
    if (fields[i]->name() != fields[i]->json_name() && object.contains(fields[i]->name())) {
      object[fields[i]->json_name()] = std::move(object[fields[i]->name()]);
      object.erase(fields[i]->name());
    }
    json& child = object[fields[i]->json_name()];
    if (!child.is_object()) child = json::object();
    node = &child;
  }
  return *node;
}

void SetValue(json& root, const std::vector<const FieldDescriptor*>& fields, json value) {
  json& parent = ParentObject(root, fields);
  const FieldDescriptor& leaf = *fields.back();
  if (leaf.name() != leaf.json_name()) parent.erase(leaf.name());
  if (leaf.is_repeated()) {
    json& array = parent[leaf.json_name()];
    if (!array.is_array()) array = json::array();
    array.push_back(std::move(value));
  } else {
    parent[leaf.json_name()] = std::move(value);
  }
}

// Resolves a dotted field path (either spelling) from the request type.
std::optional<std::vector<const FieldDescriptor*>> ResolvePath(
    const Descriptor& request, const std::vector<std::string>& names) {
  std::vector<const FieldDescriptor*> fields;
  const Descriptor* message = &request;
  for (size_t i = 0; i < names.size(); ++i) {
    if (message == nullptr) return std::nullopt;
    const FieldDescriptor* field = FindField(*message, names[i]);
    if (field == nullptr) return std::nullopt;
    fields.push_back(field);
    const bool last = i + 1 == names.size();
    if (!last) {
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || field->is_repeated()) {
        return std::nullopt;
      }
      message = field->message_type();
    }
  }
  return fields;
}

bool StartsWithPath(const std::vector<const FieldDescriptor*>& path,
                    const std::vector<const FieldDescriptor*>& prefix) {
  if (prefix.size() > path.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (path[i] != prefix[i]) return false;
  }
  return true;
}

std::optional<std::string> QueryDecode(absl::string_view text) {
  std::string spaced(text);
  for (char& c : spaced) {
    if (c == '+') c = ' ';
  }
  return PercentDecode(spaced, /*keep_slash=*/false);
}

absl::Status ApplyQuery(const Route& route, absl::string_view query,
                        const std::vector<std::vector<const FieldDescriptor*>>& bound, json& root) {
  const Descriptor& request = *route.method->input_type();
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t equals = pair.find('=');
    const std::optional<std::string> key = QueryDecode(pair.substr(0, equals));
    const std::optional<std::string> value =
        QueryDecode(equals == absl::string_view::npos ? "" : pair.substr(equals + 1));
    if (!key || !value || !IsValidUtf8(*key)) {
      return InvalidArgument("INVALID_QUERY_PARAMETER",
                             "the query string has a bad % escape or is not UTF-8");
    }
    if (route.body == "*") {
      return InvalidArgument("UNKNOWN_QUERY_PARAMETER",
                             absl::StrCat("this route takes no query parameters; got \"", *key,
                                          "\""));
    }
    std::optional<std::vector<const FieldDescriptor*>> fields =
        ResolvePath(request, absl::StrSplit(*key, '.'));
    bool unknown = !fields || !TakesUrlValue(*fields->back());
    for (const auto& prefix : bound) {
      if (!unknown && StartsWithPath(*fields, prefix)) unknown = true;
    }
    if (unknown) {
      return InvalidArgument("UNKNOWN_QUERY_PARAMETER",
                             absl::StrCat("unknown query parameter \"", *key, "\""));
    }
    std::optional<json> typed = UrlValue(*fields->back(), *value);
    if (!typed) {
      return InvalidArgument("INVALID_QUERY_PARAMETER",
                             absl::StrCat("bad value for query parameter \"", *key, "\""));
    }
    SetValue(root, *fields, *std::move(typed));
  }
  return absl::OkStatus();
}

absl::Status ParseInto(absl::string_view json_text, google::protobuf::Message& request) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json_text.data(), json_text.size()), &request, options);
  if (!status.ok()) {
    return InvalidArgument("INVALID_REQUEST_FIELD",
                           absl::StrCat("the request does not fit ", request.GetTypeName(), ": ",
                                        std::string(status.message())));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status MapRequest(const Route& route, const std::vector<PathBinding>& bindings,
                        absl::string_view query, absl::string_view body,
                        google::protobuf::Message& request) {
  const bool has_body = !absl::StripAsciiWhitespace(body).empty();
  if (route.body.empty() && has_body) {
    return InvalidArgument("UNEXPECTED_BODY", "this route takes no request body");
  }
  // Before any parser, printer or destructor below recurses into it.
  if (!text::JsonNestingWithin(body)) {
    return InvalidArgument("JSON_TOO_DEEP",
                           absl::StrCat("the body nests arrays and objects deeper than ",
                                        text::kMaxJsonNesting, " levels"));
  }
  // The common case needs no rewriting: the body is the request.
  if (route.body == "*" && bindings.empty() && query.empty()) {
    if (!has_body) return absl::OkStatus();
    if (!json::accept(body.begin(), body.end())) return MalformedJson("syntax error");
    return ParseInto(body, request);
  }

  json root = json::object();
  if (has_body) {
    json parsed = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return MalformedJson("syntax error");
    if (route.body == "*") {
      if (!parsed.is_object()) return MalformedJson("the body must be a JSON object");
      root = std::move(parsed);
    } else {
      const FieldDescriptor* field = route.method->input_type()->FindFieldByName(route.body);
      root[field->json_name()] = std::move(parsed);
    }
  }

  const Descriptor& request_type = *route.method->input_type();
  std::vector<std::vector<const FieldDescriptor*>> bound;
  for (const PathBinding& binding : bindings) {
    std::optional<std::vector<const FieldDescriptor*>> fields =
        ResolvePath(request_type, binding.field_path);
    if (!fields) {
      return Internal("INVALID_HTTP_RULE", "a path variable names no field");  // checked at start
    }
    std::optional<json> typed = UrlValue(*fields->back(), binding.value);
    if (!typed) {
      return InvalidArgument("INVALID_PATH_PARAMETER",
                             absl::StrCat("bad value in the path for \"",
                                          absl::StrJoin(binding.field_path, "."), "\""));
    }
    SetValue(root, *fields, *std::move(typed));
    bound.push_back(*std::move(fields));
  }
  if (!route.body.empty() && route.body != "*") {
    bound.push_back({request_type.FindFieldByName(route.body)});
  }
  RETURN_IF_ERROR(ApplyQuery(route, query, bound, root));
  return ParseInto(root.dump(), request);
}

}  // namespace parta::gateway
