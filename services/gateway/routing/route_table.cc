#include "services/gateway/routing/route_table.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/api/annotations.pb.h"
#include "libs/core/status.h"

namespace parta::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;

absl::Status RuleError(const MethodDescriptor& method, absl::string_view what) {
  return InvalidArgument("INVALID_HTTP_RULE",
                         absl::StrCat(method.full_name(), ": ", what));
}

// Checks that a path variable names a singular scalar field (through singular messages).
absl::Status CheckPathField(const MethodDescriptor& method,
                            const std::vector<std::string>& field_path) {
  const Descriptor* message = method.input_type();
  for (size_t i = 0; i < field_path.size(); ++i) {
    const FieldDescriptor* field = message->FindFieldByName(field_path[i]);
    if (field == nullptr) return RuleError(method, "path names unknown field " + field_path[i]);
    if (field->is_repeated())
      return RuleError(method, "path names repeated field " + field_path[i]);
    const bool last = i + 1 == field_path.size();
    if (last && field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      return RuleError(method, "path names message field " + field_path[i]);
    }
    if (!last) {
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
        return RuleError(method, "path goes through scalar field " + field_path[i]);
      }
      message = field->message_type();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Route> RouteOf(const MethodDescriptor& method, const google::api::HttpRule& rule,
                              bool additional) {
  Route route;
  std::string pattern;
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet: route.http_method = "GET"; pattern = rule.get(); break;
    case google::api::HttpRule::kPost: route.http_method = "POST"; pattern = rule.post(); break;
    case google::api::HttpRule::kPut: route.http_method = "PUT"; pattern = rule.put(); break;
    case google::api::HttpRule::kPatch: route.http_method = "PATCH"; pattern = rule.patch(); break;
    case google::api::HttpRule::kDelete:
      route.http_method = "DELETE";
      pattern = rule.delete_();
      break;
    case google::api::HttpRule::kCustom:
      route.http_method = rule.custom().kind();
      pattern = rule.custom().path();
      break;
    default: return RuleError(method, "rule has no pattern");
  }
  absl::StatusOr<PathTemplate> path = PathTemplate::Parse(pattern);
  if (!path.ok()) return RuleError(method, path.status().message());
  route.path = *std::move(path);
  for (const std::vector<std::string>& field_path : route.path.VariableFields()) {
    RETURN_IF_ERROR(CheckPathField(method, field_path));
  }
  route.body = rule.body();
  if (!route.body.empty() && route.body != "*" &&
      method.input_type()->FindFieldByName(route.body) == nullptr) {
    return RuleError(method, "body names unknown field " + route.body);
  }
  if (route.body.empty() == false && route.http_method == "GET") {
    return RuleError(method, "GET has no body");
  }
  route.response_body = rule.response_body();
  if (!route.response_body.empty() &&
      method.output_type()->FindFieldByName(route.response_body) == nullptr) {
    return RuleError(method, "response_body names unknown field " + route.response_body);
  }
  route.method = &method;
  route.grpc_method = absl::StrCat("/", method.service()->full_name(), "/", method.name());
  route.backend = BackendOf(*method.service());
  route.access = method.options().GetExtension(api::v1::access);
  route.additional_binding = additional;
  return route;
}

}  // namespace

std::string BackendOf(const google::protobuf::ServiceDescriptor& service) {
  std::vector<std::string> parts = absl::StrSplit(service.file()->package(), '.');
  return parts.size() >= 2 ? parts[1] : service.file()->package();
}

absl::StatusOr<RouteTable> RouteTable::Build(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services) {
  RouteTable table;
  for (const google::protobuf::ServiceDescriptor* service : services) {
    for (int m = 0; m < service->method_count(); ++m) {
      const MethodDescriptor& method = *service->method(m);
      if (!method.options().HasExtension(google::api::http)) continue;
      const api::v1::Access access = method.options().GetExtension(api::v1::access);
      if (access != api::v1::ACCESS_PUBLIC && access != api::v1::ACCESS_USER) continue;
      if (method.client_streaming() || method.server_streaming()) {
        return RuleError(method, "streaming RPCs cannot have an HTTP binding");
      }
      const google::api::HttpRule& rule = method.options().GetExtension(google::api::http);
      ASSIGN_OR_RETURN(Route primary, RouteOf(method, rule, /*additional=*/false));
      table.routes_.push_back(std::move(primary));
      for (const google::api::HttpRule& extra : rule.additional_bindings()) {
        if (extra.additional_bindings_size() > 0) {
          return RuleError(method, "additional bindings cannot nest");
        }
        ASSIGN_OR_RETURN(Route route, RouteOf(method, extra, /*additional=*/true));
        table.routes_.push_back(std::move(route));
      }
    }
  }

  absl::flat_hash_map<std::string, const Route*> shapes;
  for (size_t i = 0; i < table.routes_.size(); ++i) {
    const Route& route = table.routes_[i];
    const std::string key = absl::StrCat(route.http_method, " ", route.path.Shape());
    auto [it, inserted] = shapes.emplace(key, &route);
    if (!inserted) {
      return InvalidArgument("ROUTE_COLLISION", absl::StrCat(key, " is bound by both ",
                                                             it->second->method->full_name(),
                                                             " and ", route.method->full_name()));
    }
    table.by_method_[route.http_method].push_back(i);
  }
  for (auto& [http_method, indexes] : table.by_method_) {
    std::sort(indexes.begin(), indexes.end(), [&](size_t a, size_t b) {
      return PathTemplate::MoreSpecific(table.routes_[a].path, table.routes_[b].path);
    });
  }
  return table;
}

RouteTable::Match RouteTable::Find(absl::string_view http_method, absl::string_view path) const {
  Match match;
  if (auto it = by_method_.find(http_method); it != by_method_.end()) {
    for (size_t index : it->second) {
      std::optional<std::vector<PathBinding>> bindings = routes_[index].path.Match(path);
      if (bindings) {
        match.route = &routes_[index];
        match.bindings = *std::move(bindings);
        return match;
      }
    }
  }
  for (const auto& [other_method, indexes] : by_method_) {
    if (other_method == http_method) continue;
    for (size_t index : indexes) {
      if (routes_[index].path.Match(path)) {
        match.allowed_methods.push_back(other_method);
        break;
      }
    }
  }
  std::sort(match.allowed_methods.begin(), match.allowed_methods.end());
  return match;
}

}  // namespace parta::gateway
