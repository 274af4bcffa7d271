#include <set>

#include <catch2/catch.hpp>

#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "libs/testing/status_matchers.h"
#include "parta/api/v1/options.pb.h"
#include "services/gateway/linked_services.h"
#include "services/gateway/routing/route_table.h"

namespace parta::gateway {
namespace {

RouteTable AllRoutes() {
  absl::StatusOr<RouteTable> table = RouteTable::Build(LinkedServices());
  REQUIRE_OK(table.status());
  return *std::move(table);
}

TEST_CASE("every annotated RPC of every linked service is routable and no two routes collide",
          "[route_table]") {
  RouteTable table = AllRoutes();
  std::set<std::string> routed_methods;
  for (const Route& route : table.routes()) {
    const std::string path = route.path.ExamplePath();
    INFO(route.http_method << " " << path << " for " << route.method->full_name());
    RouteTable::Match match = table.Find(route.http_method, path);
    REQUIRE(match.route != nullptr);
    CHECK(match.route->method == route.method);
    CHECK(match.route->path.text() == route.path.text());
    routed_methods.insert(route.method->full_name());
  }
  // Every public or user RPC with a binding is routed; internal ones never are.
  for (const google::protobuf::ServiceDescriptor* service : LinkedServices()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor& method = *service->method(i);
      const auto access = method.options().GetExtension(api::v1::access);
      const bool exposed = method.options().HasExtension(google::api::http) &&
                           (access == api::v1::ACCESS_PUBLIC || access == api::v1::ACCESS_USER);
      INFO(method.full_name());
      CHECK(routed_methods.count(method.full_name()) == (exposed ? 1u : 0u));
    }
  }
  CHECK(routed_methods.count("parta.identity.v1.IdentityService.GetMe") == 1);
  CHECK(routed_methods.count("parta.testing.v1.TranscodingTestService.PurgeClasses") == 0);
  CHECK(routed_methods.count("parta.identity.v1.IdentityService.GetAccount") == 0);
  // Client streams have no HTTP face: without a binding they are left out, not refused.
  CHECK(routed_methods.count("parta.content.v1.ContentService.UploadFile") == 0);
  CHECK(routed_methods.count("parta.testing.v1.EchoService.CollectEcho") == 0);
}

TEST_CASE("a route knows its backend, body rules and access", "[route_table]") {
  RouteTable table = AllRoutes();
  RouteTable::Match match = table.Find("PATCH", "/v1/academies/1/classes/2");
  REQUIRE(match.route != nullptr);
  CHECK(match.route->grpc_method == "/parta.testing.v1.TranscodingTestService/UpdateClass");
  CHECK(match.route->backend == "testing");
  CHECK(match.route->body == "class");
  CHECK(match.route->access == api::v1::ACCESS_USER);

  RouteTable::Match me = table.Find("GET", "/v1/me");
  REQUIRE(me.route != nullptr);
  CHECK(me.route->backend == "identity");
  CHECK(me.route->body.empty());

  RouteTable::Match students = table.Find("GET", "/v1/academies/1/classes/2/students");
  REQUIRE(students.route != nullptr);
  CHECK(students.route->response_body == "students");

  RouteTable::Match extra = table.Find("GET", "/v1/testing/classes/x/y/z");
  REQUIRE(extra.route != nullptr);
  CHECK(extra.route->additional_binding);
  CHECK(extra.route->method->name() == "GetClass");
  CHECK(extra.bindings.at(0).value == "x/y/z");
}

TEST_CASE("a path with routes for other methods reports them", "[route_table]") {
  RouteTable table = AllRoutes();
  RouteTable::Match match = table.Find("DELETE", "/v1/me");
  CHECK(match.route == nullptr);
  CHECK(match.allowed_methods == std::vector<std::string>{"GET", "PATCH"});
  RouteTable::Match none = table.Find("GET", "/v1/nowhere");
  CHECK(none.route == nullptr);
  CHECK(none.allowed_methods.empty());
}

// A service built at run time, to feed the table rules that no linked proto has.
class DynamicService {
 public:
  explicit DynamicService(const std::vector<google::api::HttpRule>& rules,
                          bool client_streaming = false) {
    google::protobuf::FileDescriptorProto file;
    file.set_name("dynamic/v1/dynamic.proto");
    file.set_package("parta.dynamic.v1");
    file.set_syntax("proto3");
    auto* request = file.add_message_type();
    request->set_name("Request");
    auto* name = request->add_field();
    name->set_name("name");
    name->set_number(1);
    name->set_type(google::protobuf::FieldDescriptorProto::TYPE_STRING);
    name->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
    name->set_json_name("name");
    auto* service = file.add_service();
    service->set_name("DynamicService");
    int n = 0;
    for (const google::api::HttpRule& rule : rules) {
      auto* method = service->add_method();
      method->set_name("Method" + std::to_string(++n));
      method->set_input_type(".parta.dynamic.v1.Request");
      method->set_output_type(".parta.dynamic.v1.Request");
      method->set_client_streaming(client_streaming);
      *method->mutable_options()->MutableExtension(google::api::http) = rule;
      method->mutable_options()->SetExtension(api::v1::access, api::v1::ACCESS_USER);
    }
    file_ = pool_.BuildFile(file);
    REQUIRE(file_ != nullptr);
  }
  const google::protobuf::ServiceDescriptor* service() const { return file_->service(0); }

 private:
  google::protobuf::DescriptorPool pool_;
  const google::protobuf::FileDescriptor* file_ = nullptr;
};

google::api::HttpRule Get(const std::string& path) {
  google::api::HttpRule rule;
  rule.set_get(path);
  return rule;
}

TEST_CASE("two routes of the same shape are refused at start-up", "[route_table]") {
  DynamicService dynamic({Get("/v1/things/{name}"), Get("/v1/things/{name=*}")});
  CHECK_STATUS(RouteTable::Build({dynamic.service()}).status(), kInvalidArgument,
               "ROUTE_COLLISION");
}

TEST_CASE("rules that cannot be served are refused at start-up", "[route_table]") {
  google::api::HttpRule get_with_body = Get("/v1/things");
  get_with_body.set_body("*");
  google::api::HttpRule unknown_body;
  unknown_body.set_post("/v1/things");
  unknown_body.set_body("nothing");
  for (const google::api::HttpRule& rule :
       {Get("/v1/things/{missing}"), Get("/v1/{name=things/**}/tail"), get_with_body,
        unknown_body}) {
    DynamicService dynamic({rule});
    INFO(rule.DebugString());
    CHECK_STATUS(RouteTable::Build({dynamic.service()}).status(), kInvalidArgument,
                 "INVALID_HTTP_RULE");
  }
  // A stream cannot be one HTTP request and answer.
  DynamicService stream({Get("/v1/things/{name}")}, /*client_streaming=*/true);
  CHECK_STATUS(RouteTable::Build({stream.service()}).status(), kInvalidArgument,
               "INVALID_HTTP_RULE");
}

}  // namespace
}  // namespace parta::gateway
