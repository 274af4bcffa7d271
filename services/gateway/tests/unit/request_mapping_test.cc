#include <catch2/catch.hpp>

#include "google/protobuf/util/time_util.h"
#include "libs/testing/status_matchers.h"
#include "nlohmann/json.hpp"
#include "parta/api/v1/http_body.pb.h"
#include "parta/testing/v1/transcoding.pb.h"
#include "services/gateway/linked_services.h"
#include "services/gateway/routing/route_table.h"
#include "services/gateway/transcoding/request_mapping.h"
#include "services/gateway/transcoding/response_mapping.h"

namespace parta::gateway {
namespace {

namespace tv1 = parta::testing::v1;

const RouteTable& Table() {
  static const RouteTable* table = [] {
    absl::StatusOr<RouteTable> built = RouteTable::Build(LinkedServices());
    REQUIRE_OK(built.status());
    return new RouteTable(*std::move(built));
  }();
  return *table;
}

// Maps an HTTP request onto `request` through the route the table finds.
absl::Status Map(const std::string& method, const std::string& target, const std::string& body,
                 google::protobuf::Message& request) {
  const size_t mark = target.find('?');
  const std::string path = target.substr(0, mark);
  const std::string query = mark == std::string::npos ? "" : target.substr(mark + 1);
  RouteTable::Match match = Table().Find(method, path);
  REQUIRE(match.route != nullptr);
  REQUIRE(match.route->method->input_type() == request.GetDescriptor());
  return MapRequest(*match.route, match.bindings, query, body, request);
}

TEST_CASE("query parameters of every kind fill the request", "[request_mapping]") {
  tv1::GetClassRequest request;
  REQUIRE_OK(Map("GET",
                 "/v1/academies/42/classes/5%D0%90?filter.subject=%D0%9C%D0%B0%D1%82%D0%B5%D0%BC"
                 "%D0%B0%D1%82%D0%B8%D0%BA%D0%B0&filter.minGrade=5&tags=a&tags=b+c"
                 "&limit=9007199254740993&kind=KIND_PRESCHOOL&with_archived=true"
                 "&asOf=2026-09-01T08:00:00Z",
                 "", request));
  CHECK(request.name() == "academies/42/classes/5А");
  CHECK(request.filter().subject() == "Математика");
  CHECK(request.filter().min_grade() == 5);
  CHECK(request.tags_size() == 2);
  CHECK(request.tags(1) == "b c");
  CHECK(request.limit() == 9007199254740993LL);
  CHECK(request.kind() == tv1::KIND_PRESCHOOL);
  CHECK(request.with_archived());
  CHECK(google::protobuf::util::TimeUtil::ToString(request.as_of()) == "2026-09-01T08:00:00Z");
}

TEST_CASE("the whole body is the request and the path overrides it", "[request_mapping]") {
  tv1::CreateClassRequest request;
  REQUIRE_OK(
      Map("POST", "/v1/academies/7/classes",
          R"({"parent":"academies/evil","class":{"title":"5А","grade":5,"studentCount":"31"}})",
          request));
  CHECK(request.parent() == "academies/7");
  CHECK(request.class_().title() == "5А");
  CHECK(request.class_().student_count() == 31);
}

TEST_CASE("a body field takes the body and other fields come from path and query",
          "[request_mapping]") {
  tv1::UpdateClassRequest request;
  REQUIRE_OK(Map("PATCH", "/v1/academies/7/classes/9?update_mask=title,grade",
                 R"({"name":"ignored","title":"6Б","student_count":30})", request));
  CHECK(request.class_().name() == "academies/7/classes/9");
  CHECK(request.class_().title() == "6Б");
  CHECK(request.class_().student_count() == 30);
  CHECK(request.update_mask() == "title,grade");
}

TEST_CASE("an empty body on a body route is an empty request", "[request_mapping]") {
  tv1::FailRequest request;
  REQUIRE_OK(Map("POST", "/v1/testing:fail", "", request));
  CHECK(request.code() == 0);
}

TEST_CASE("bad JSON and fields that do not fit are refused with reasons", "[request_mapping]") {
  tv1::CreateClassRequest create;
  CHECK_STATUS(Map("POST", "/v1/academies/7/classes", R"({"class": )", create), kInvalidArgument,
               "MALFORMED_JSON");
  CHECK_STATUS(Map("POST", "/v1/academies/7/classes", R"([1, 2])", create), kInvalidArgument,
               "MALFORMED_JSON");
  CHECK_STATUS(Map("POST", "/v1/academies/7/classes", R"({"klass": {}})", create),
               kInvalidArgument, "INVALID_REQUEST_FIELD");
  CHECK_STATUS(Map("POST", "/v1/academies/7/classes", R"({"class": {"grade": "five"}})", create),
               kInvalidArgument, "INVALID_REQUEST_FIELD");
  CHECK_STATUS(Map("POST", "/v1/academies/7/classes", R"({"class": {"grade": 5000000000}})",
                   create),
               kInvalidArgument, "INVALID_REQUEST_FIELD");
  tv1::FailRequest fail;
  CHECK_STATUS(Map("POST", "/v1/testing:fail", R"({"code": 1, "extra": true})", fail),
               kInvalidArgument, "INVALID_REQUEST_FIELD");
  CHECK_STATUS(Map("POST", "/v1/testing:fail", "{\"code\": 1", fail), kInvalidArgument,
               "MALFORMED_JSON");
}

TEST_CASE("query parameters that name nothing or cannot be decoded are refused",
          "[request_mapping]") {
  tv1::GetClassRequest get;
  CHECK_STATUS(Map("GET", "/v1/academies/1/classes/2?colour=red", "", get), kInvalidArgument,
               "UNKNOWN_QUERY_PARAMETER");
  CHECK_STATUS(Map("GET", "/v1/academies/1/classes/2?name=other", "", get), kInvalidArgument,
               "UNKNOWN_QUERY_PARAMETER");
  CHECK_STATUS(Map("GET", "/v1/academies/1/classes/2?filter=x", "", get), kInvalidArgument,
               "UNKNOWN_QUERY_PARAMETER");
  CHECK_STATUS(Map("GET", "/v1/academies/1/classes/2?with_archived=yes", "", get),
               kInvalidArgument, "INVALID_QUERY_PARAMETER");
  CHECK_STATUS(Map("GET", "/v1/academies/1/classes/2?tags=%zz", "", get), kInvalidArgument,
               "INVALID_QUERY_PARAMETER");
  CHECK_STATUS(Map("GET", "/v1/academies/1/classes/2?tags=%FF%FE", "", get), kInvalidArgument,
               "INVALID_QUERY_PARAMETER");
  CHECK_STATUS(Map("GET", "/v1/academies/1/classes/%C0%AF", "", get), kInvalidArgument,
               "INVALID_PATH_PARAMETER");
  CHECK_STATUS(Map("GET", "/v1/academies/1/classes/%ED%A0%80", "", get), kInvalidArgument,
               "INVALID_PATH_PARAMETER");
  CHECK_STATUS(Map("GET", "/v1/academies/1/classes/2?limit=lots", "", get), kInvalidArgument,
               "INVALID_REQUEST_FIELD");
  CHECK_STATUS(Map("GET", "/v1/academies/1/classes/2?kind=KIND_MAGIC", "", get), kInvalidArgument,
               "INVALID_REQUEST_FIELD");
  CHECK_STATUS(Map("GET", "/v1/academies/1/classes/2", "{}", get), kInvalidArgument,
               "UNEXPECTED_BODY");
  tv1::UpdateClassRequest update;
  CHECK_STATUS(Map("PATCH", "/v1/academies/1/classes/2?class.title=x", "{}", update),
               kInvalidArgument, "UNKNOWN_QUERY_PARAMETER");
  tv1::FailRequest fail;
  CHECK_STATUS(Map("POST", "/v1/testing:fail?code=3", "{}", fail), kInvalidArgument,
               "UNKNOWN_QUERY_PARAMETER");
}

TEST_CASE("responses use the proto3 JSON mapping", "[response_mapping]") {
  RouteTable::Match match = Table().Find("GET", "/v1/academies/1/classes/2");
  REQUIRE(match.route != nullptr);
  tv1::Class response;
  response.set_name("academies/1/classes/2");
  response.set_title("5А");
  response.set_student_count(9007199254740993LL);
  response.set_kind(tv1::KIND_REGULAR);
  REQUIRE(google::protobuf::util::TimeUtil::FromString("2026-09-01T00:00:00Z",
                                                       response.mutable_created_at()));
  absl::StatusOr<std::string> json = MapResponse(*match.route, response);
  REQUIRE_OK(json.status());
  auto parsed = nlohmann::json::parse(*json);
  CHECK(parsed["title"] == "5А");
  CHECK(parsed["studentCount"] == "9007199254740993");
  CHECK(parsed["kind"] == "KIND_REGULAR");
  CHECK(parsed["createdAt"] == "2026-09-01T00:00:00Z");
  CHECK(parsed["grade"] == 0);          // zero values are printed
  CHECK(parsed["tags"].is_array());     // and empty lists
  CHECK_FALSE(parsed.contains("student_count"));
}

TEST_CASE("response_body sends only that field", "[response_mapping]") {
  RouteTable::Match match = Table().Find("GET", "/v1/academies/1/classes/2/students");
  REQUIRE(match.route != nullptr);
  tv1::ListStudentsResponse response;
  response.add_students()->set_display_name("Иванов Иван");
  response.set_next_page_token("never");
  absl::StatusOr<std::string> json = MapResponse(*match.route, response);
  REQUIRE_OK(json.status());
  auto parsed = nlohmann::json::parse(*json);
  REQUIRE(parsed.is_array());
  CHECK(parsed.size() == 1);
  CHECK(parsed[0]["displayName"] == "Иванов Иван");
}

}  // namespace
}  // namespace parta::gateway

namespace parta::gateway {
namespace {

TEST_CASE("bodies nested deeper than the limit are refused before they are parsed",
          "[request_mapping]") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  // The whole body as the request, with nothing to rewrite, and with a path variable to merge.
  tv1::FailRequest fail;
  CHECK_STATUS(Map("POST", "/v1/testing:fail", R"({"x":)" + deep + "}", fail), kInvalidArgument,
               "JSON_TOO_DEEP");
  tv1::CreateClassRequest create;
  CHECK_STATUS(Map("POST", "/v1/academies/7/classes", R"({"class":)" + deep + "}", create),
               kInvalidArgument, "JSON_TOO_DEEP");
  // A body field: the body itself is the deep value.
  tv1::UpdateClassRequest update;
  CHECK_STATUS(Map("PATCH", "/v1/academies/7/classes/9", deep, update), kInvalidArgument,
               "JSON_TOO_DEEP");
}

TEST_CASE("A raw body answers as it is, a named one as a download with an RFC 6266 name",
          "[gateway][unit]") {
  api::v1::HttpBody body;
  CHECK(IsRawBody(*body.GetDescriptor()));
  CHECK_FALSE(IsRawBody(*tv1::Filter::descriptor()));
  body.set_data(std::string("\xEF\xBB\xBF" "a;b\r\n", 8));
  HttpResponse plain = RawBodyResponse(body);
  CHECK(plain.content_type == "application/octet-stream");
  CHECK(plain.body == body.data());
  CHECK(plain.headers.empty());
  body.set_content_type("text/csv\r\nSet-Cookie: a=b");
  CHECK(RawBodyResponse(body).content_type == "application/octet-stream");

  body.set_content_type("text/csv; charset=utf-8");
  body.set_file_name("посещаемость 5А.csv");
  HttpResponse file = RawBodyResponse(body);
  CHECK(file.content_type == "text/csv; charset=utf-8");
  REQUIRE(file.headers.size() == 1);
  CHECK(file.headers[0].first == "Content-Disposition");
  // The ASCII stand-in replaces every other byte; the UTF-8 name is percent-encoded.
  CHECK(file.headers[0].second ==
        "attachment; filename=\"_________________________5__.csv\"; "
        "filename*=UTF-8''%D0%BF%D0%BE%D1%81%D0%B5%D1%89%D0%B0%D0%B5%D0%BC%D0%BE%D1%81%D1%82%D1%8C"
        "%205%D0%90.csv");
}

}  // namespace
}  // namespace parta::gateway
