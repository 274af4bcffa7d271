#pragma once

// The gateway's routes, built at start-up from the `google.api.http` rules and the access option
// of every unary RPC of the given services: no route is written by hand. Internal RPCs and RPCs
// without a rule get no route. Two routes of one HTTP method with the same path shape are a
// configuration error, reported at start-up.

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "parta/api/v1/options.pb.h"
#include "services/gateway/routing/path_template.h"

namespace parta::gateway {

struct Route {
  std::string http_method;  // "GET", "POST", "PUT", "PATCH", "DELETE"
  PathTemplate path;
  std::string body;           // "" (no body), "*" (the whole request) or a top-level field name
  std::string response_body;  // "" (the whole response) or a top-level field name
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string grpc_method;  // "/parta.identity.v1.IdentityService/GetMe"
  std::string backend;      // the service's short name: "identity" for parta.identity.v1
  api::v1::Access access = api::v1::ACCESS_INTERNAL;
  bool additional_binding = false;
};

// The short name of the service that serves `service`: the package's second component.
std::string BackendOf(const google::protobuf::ServiceDescriptor& service);

class RouteTable {
 public:
  // INVALID_ARGUMENT (INVALID_HTTP_RULE or ROUTE_COLLISION) naming the RPC at fault.
  static absl::StatusOr<RouteTable> Build(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  struct Match {
    const Route* route = nullptr;  // null: no route for this method and path
    std::vector<PathBinding> bindings;
    // When `route` is null: the methods that do have a route for the path (405 vs 404).
    std::vector<std::string> allowed_methods;
  };
  Match Find(absl::string_view http_method, absl::string_view path) const;

  // Every route, in the order they were declared.
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  // HTTP method → indexes into routes_, most specific template first.
  absl::flat_hash_map<std::string, std::vector<size_t>> by_method_;
};

}  // namespace parta::gateway
