#include "services/gateway/openapi/openapi_document.h"

#include <map>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "parta/events/v1/events.pb.h"
#include "services/gateway/openapi/transfer_paths.h"
#include "services/gateway/transcoding/response_mapping.h"

namespace parta::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using nlohmann::json;

json Ref(const Descriptor& message) {
  return {{"$ref", "#/components/schemas/" + message.full_name()}};
}

class SchemaWriter {
 public:
  // The schema of a field's value (one element for repeated fields).
  json ValueSchema(const FieldDescriptor& field) {
    switch (field.type()) {
      case FieldDescriptor::TYPE_DOUBLE: return {{"type", "number"}, {"format", "double"}};
      case FieldDescriptor::TYPE_FLOAT: return {{"type", "number"}, {"format", "float"}};
      case FieldDescriptor::TYPE_INT64:
      case FieldDescriptor::TYPE_SINT64:
      case FieldDescriptor::TYPE_SFIXED64:
        return {{"type", "string"}, {"format", "int64"}};
      case FieldDescriptor::TYPE_UINT64:
      case FieldDescriptor::TYPE_FIXED64:
        return {{"type", "string"}, {"format", "uint64"}};
      case FieldDescriptor::TYPE_INT32:
      case FieldDescriptor::TYPE_SINT32:
      case FieldDescriptor::TYPE_SFIXED32:
        return {{"type", "integer"}, {"format", "int32"}};
      case FieldDescriptor::TYPE_UINT32:
      case FieldDescriptor::TYPE_FIXED32:
        return {{"type", "integer"}, {"format", "int64"}, {"minimum", 0}};
      case FieldDescriptor::TYPE_BOOL: return {{"type", "boolean"}};
      case FieldDescriptor::TYPE_STRING: return {{"type", "string"}};
      case FieldDescriptor::TYPE_BYTES: return {{"type", "string"}, {"format", "byte"}};
      case FieldDescriptor::TYPE_ENUM: {
        json names = json::array();
        for (int i = 0; i < field.enum_type()->value_count(); ++i) {
          names.push_back(field.enum_type()->value(i)->name());
        }
        return {{"type", "string"}, {"enum", names}};
      }
      default: return MessageSchema(*field.message_type());
    }
  }

  json FieldSchema(const FieldDescriptor& field) {
    if (field.is_map()) {
      return {{"type", "object"},
              {"additionalProperties", ValueSchema(*field.message_type()->map_value())}};
    }
    json value = ValueSchema(field);
    if (field.is_repeated()) return {{"type", "array"}, {"items", value}};
    return value;
  }

  // A reference to the message's schema (registered once), or the inline schema of a
  // well-known type.
  json MessageSchema(const Descriptor& message) {
    const std::string& name = message.full_name();
    if (name == "google.protobuf.Timestamp") {
      return {{"type", "string"}, {"format", "date-time"}};
    }
    if (name == "google.protobuf.Duration") {
      return {{"type", "string"}, {"pattern", "^-?[0-9]+(\\.[0-9]+)?s$"}};
    }
    if (name == "google.protobuf.FieldMask") {
      return {{"type", "string"}, {"description", "comma-separated lowerCamelCase field paths"}};
    }
    if (name == "google.protobuf.Empty") return {{"type", "object"}};
    if (name == "google.protobuf.Struct") return {{"type", "object"}};
    if (name == "google.protobuf.Value") return json::object();
    if (name == "google.protobuf.ListValue") return {{"type", "array"}, {"items", json::object()}};
    if (name.rfind("google.protobuf.", 0) == 0 && name.size() > 5 &&
        name.substr(name.size() - 5) == "Value") {
      json value = ValueSchema(*message.FindFieldByName("value"));
      value["nullable"] = true;
      return value;
    }
    if (!written_.contains(name)) {
      written_.insert(name);
      json properties = json::object();
      for (int i = 0; i < message.field_count(); ++i) {
        const FieldDescriptor& field = *message.field(i);
        properties[field.json_name()] = FieldSchema(field);
      }
      json schema = {{"type", "object"}, {"properties", properties}};
      if (message.oneof_decl_count() > 0) {
        std::vector<std::string> groups;
        for (int i = 0; i < message.oneof_decl_count(); ++i) {
          std::vector<std::string> members;
          for (int j = 0; j < message.oneof_decl(i)->field_count(); ++j) {
            members.push_back(message.oneof_decl(i)->field(j)->json_name());
          }
          groups.push_back(absl::StrCat(message.oneof_decl(i)->name(), ": one of ",
                                        absl::StrJoin(members, ", ")));
        }
        schema["description"] = absl::StrJoin(groups, "; ");
      }
      schemas_[name] = std::move(schema);
    }
    return Ref(message);
  }

  json& schemas() { return schemas_; }

 private:
  absl::flat_hash_set<std::string> written_;
  json schemas_ = json::object();
};

// The OpenAPI path of a route and its path parameters (name → the field they fill).
struct OpenApiPath {
  std::string path;
  json parameters = json::array();
};

OpenApiPath PathOf(const Route& route) {
  using Kind = PathTemplate::Piece::Kind;
  OpenApiPath result;
  const std::vector<PathTemplate::Piece> pieces = route.path.Pieces();
  const std::vector<std::vector<std::string>> fields = route.path.VariableFields();
  std::vector<int> segments_of(fields.size(), 0);
  std::vector<std::string> patterns(fields.size());
  for (const PathTemplate::Piece& piece : pieces) {
    if (piece.variable < 0) continue;
    ++segments_of[piece.variable];
    std::string& pattern = patterns[piece.variable];
    if (!pattern.empty()) pattern += "/";
    pattern += piece.kind == Kind::kLiteral ? piece.literal
               : piece.kind == Kind::kSingle ? "*"
                                             : "**";
  }
  std::set<std::string> used;
  std::string previous;  // the literal before a wildcard, within its variable, names it
  int variable = -1;
  for (const PathTemplate::Piece& piece : pieces) {
    if (piece.variable != variable) {
      variable = piece.variable;
      previous.clear();
    }
    result.path += "/";
    if (piece.kind == Kind::kLiteral) {
      result.path += piece.literal;
      previous = piece.literal;
      continue;
    }
    const std::string field = absl::StrJoin(fields[piece.variable], ".");
    const bool whole = segments_of[piece.variable] == 1;
    std::string name = whole || previous.empty() ? field : previous;
    for (int n = 2; used.count(name); ++n) name = absl::StrCat(whole ? field : previous, n);
    used.insert(name);
    result.path += "{" + name + "}";
    json parameter = {{"name", name},
                      {"in", "path"},
                      {"required", true},
                      {"schema", {{"type", "string"}}},
                      {"description", absl::StrCat("Part of `", field, "` (",
                                                   patterns[piece.variable], ")")}};
    if (piece.kind == Kind::kMulti) parameter["allowReserved"] = true;
    result.parameters.push_back(std::move(parameter));
  }
  if (!route.path.verb().empty()) absl::StrAppend(&result.path, ":", route.path.verb());
  return result;
}

// Query parameters: the scalar fields not bound by the path or the body, flattened.
void AddQueryParameters(SchemaWriter& writer, const Descriptor& message, const std::string& prefix,
                        const std::set<std::string>& bound, int depth, json& parameters) {
  for (int i = 0; i < message.field_count(); ++i) {
    const FieldDescriptor& field = *message.field(i);
    const std::string path = prefix.empty() ? field.name() : prefix + "." + field.name();
    const std::string json_path =
        prefix.empty() ? field.json_name() : prefix + "." + field.json_name();
    if (bound.count(path)) continue;
    const bool nested = field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                        field.message_type()->full_name().rfind("google.protobuf.", 0) != 0;
    if (field.is_map()) continue;
    if (nested) {
      if (!field.is_repeated() && depth < 3) {
        AddQueryParameters(writer, *field.message_type(), json_path, bound, depth + 1,
                           parameters);
      }
      continue;
    }
    json parameter = {{"name", json_path}, {"in", "query"}, {"schema", writer.FieldSchema(field)}};
    if (field.is_repeated()) {
      parameter["style"] = "form";
      parameter["explode"] = true;
    }
    parameters.push_back(std::move(parameter));
  }
}

json ErrorSchema() {
  return {{"type", "object"},
          {"required", {"error"}},
          {"properties",
           {{"error",
             {{"type", "object"},
              {"required", {"code", "status", "reason", "message"}},
              {"properties",
               {{"code", {{"type", "integer"}, {"description", "the HTTP status"}}},
                {"status", {{"type", "string"}, {"description", "the gRPC status name"}}},
                {"reason", {{"type", "string"}, {"description", "stable, machine-readable"}}},
                {"message", {{"type", "string"}, {"description", "for people"}}},
                {"requestId", {{"type", "string"}}}}}}}}}};
}

json EventsPath(SchemaWriter& writer) {
  writer.MessageSchema(*events::v1::Event::descriptor());
  const char* description =
      "Real-time events. Upgrade with `Sec-WebSocket-Protocol: parta.v1, bearer.<access token>` "
      "(or offer only `parta.v1` and send `{\"type\":\"auth\",\"token\":…}` first, within 10 s). "
      "Server frames: `ready` (subscriptions confirmed), `resync` (the gateway reconnected to "
      "Redis: sync from history), `event` (`{\"type\":\"event\",\"channel\":…,\"event\":` a "
      "parta.events.v1.Event`}`), `authenticated`, `pong`, `done`, `error`. Client frames: "
      "`auth` (also to renew the token), `ping`, `typing` (`chatId`), `ack` (`stream`, "
      "`sequence`), each with an optional `id` echoed in `done` or `error`. Close codes: 4001 "
      "no valid token, 4002 token expired, 4003 session ended, 4008 slow consumer, 1001 going "
      "away.";
  return {
      {"get",
       {{"operationId", "events"},
        {"summary", "WebSocket of real-time events"},
        {"description", description},
        {"tags", {"events"}},
        {"responses",
         {{"101", {{"description", "switching to the WebSocket protocol"}}},
          {"401",
           {{"description", "the token is not valid"},
            {"content",
             {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}}}}}};
}

}  // namespace

std::string OpenApiDocument(const RouteTable& routes, const std::string& version) {
  SchemaWriter writer;
  json paths = json::object();
  std::map<std::string, int> operation_ids;
  for (const Route& route : routes.routes()) {
    OpenApiPath path = PathOf(route);
    const google::protobuf::MethodDescriptor& method = *route.method;
    std::string operation_id = absl::StrCat(method.service()->name(), "_", method.name());
    if (int n = ++operation_ids[operation_id]; n > 1) absl::StrAppend(&operation_id, "_", n);

    std::set<std::string> bound;
    for (const auto& field_path : route.path.VariableFields()) {
      bound.insert(absl::StrJoin(field_path, "."));
    }
    json parameters = path.parameters;
    if (route.body != "*") {
      if (!route.body.empty()) bound.insert(route.body);
      AddQueryParameters(writer, *method.input_type(), "", bound, 0, parameters);
    }
    json operation = {{"operationId", operation_id},
                      {"summary", absl::StrCat(method.service()->name(), ".", method.name())},
                      {"tags", {method.service()->full_name()}},
                      {"x-grpc-method", route.grpc_method}};
    if (!parameters.empty()) operation["parameters"] = parameters;
    if (!route.body.empty()) {
      json schema = route.body == "*"
                        ? writer.MessageSchema(*method.input_type())
                        : writer.FieldSchema(*method.input_type()->FindFieldByName(route.body));
      operation["requestBody"] = {
          {"required", true}, {"content", {{"application/json", {{"schema", schema}}}}}};
    }
    json ok_content;
    if (IsRawBody(*method.output_type())) {
      // A file: its media type is the RPC's to say.
      ok_content = {{"*/*", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}};
    } else {
      json response_schema =
          route.response_body.empty()
              ? writer.MessageSchema(*method.output_type())
              : writer.FieldSchema(*method.output_type()->FindFieldByName(route.response_body));
      ok_content = {{"application/json", {{"schema", response_schema}}}};
    }
    operation["responses"] = {
        {"200", {{"description", "OK"}, {"content", ok_content}}},
        {"default", {{"description", "an error; see `reason`"},
                     {"content", {{"application/json",
                                   {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}};
    if (route.access == api::v1::ACCESS_USER) {
      operation["security"] = json::array({{{"bearer", json::array()}}});
    } else {
      operation["security"] = json::array({json::object(), {{"bearer", json::array()}}});
    }
    std::string verb = route.http_method;
    for (char& c : verb) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[path.path][verb] = std::move(operation);
  }
  paths["/v1/events"] = EventsPath(writer);
  // The streamed file routes exist where content is linked (files/file_transfers.h).
  for (const Route& route : routes.routes()) {
    if (route.backend == "content") {
      AddFileTransferPaths(paths);
      break;
    }
  }
  writer.schemas()["Error"] = ErrorSchema();

  json document = {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "Parta API"},
        {"version", version},
        {"description",
         "HTTP/JSON API of Parta, generated from the services' protos. Fields use the proto3 "
         "JSON mapping: lowerCamelCase names, 64-bit integers as strings, enums by name, "
         "timestamps in RFC 3339 (UTC)."}}},
      {"paths", paths},
      {"components",
       {{"schemas", writer.schemas()},
        {"securitySchemes",
         {{"bearer", {{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}}}}}}};
  return document.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace parta::gateway
