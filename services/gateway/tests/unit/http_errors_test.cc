#include <catch2/catch.hpp>

#include "libs/core/status.h"
#include "nlohmann/json.hpp"
#include "services/gateway/rest/rest_handler.h"
#include "services/gateway/transcoding/http_errors.h"

namespace parta::gateway {
namespace {

TEST_CASE("gRPC codes map to HTTP by the standard table", "[http_errors]") {
  using C = absl::StatusCode;
  CHECK(HttpStatusOf(C::kInvalidArgument) == 400);
  CHECK(HttpStatusOf(C::kFailedPrecondition) == 400);
  CHECK(HttpStatusOf(C::kOutOfRange) == 400);
  CHECK(HttpStatusOf(C::kUnauthenticated) == 401);
  CHECK(HttpStatusOf(C::kPermissionDenied) == 403);
  CHECK(HttpStatusOf(C::kNotFound) == 404);
  CHECK(HttpStatusOf(C::kAlreadyExists) == 409);
  CHECK(HttpStatusOf(C::kAborted) == 409);
  CHECK(HttpStatusOf(C::kResourceExhausted) == 429);
  CHECK(HttpStatusOf(C::kUnimplemented) == 501);
  CHECK(HttpStatusOf(C::kUnavailable) == 503);
  CHECK(HttpStatusOf(C::kDeadlineExceeded) == 504);
  CHECK(HttpStatusOf(C::kInternal) == 500);
  CHECK(HttpStatusOf(C::kUnknown) == 500);
  CHECK(HttpStatusOf(C::kDataLoss) == 500);
}

TEST_CASE("an error answer carries the reason, the request id and the retry delay",
          "[http_errors]") {
  HttpResponse response = ErrorResponse(
      WithRetryAfter(ResourceExhausted("TOO_MANY_REQUESTS", "slow down"), absl::Milliseconds(1500)),
      "req-1");
  CHECK(response.status == 429);
  auto body = nlohmann::json::parse(response.body);
  CHECK(body["error"]["code"] == 429);
  CHECK(body["error"]["status"] == "RESOURCE_EXHAUSTED");
  CHECK(body["error"]["reason"] == "TOO_MANY_REQUESTS");
  CHECK(body["error"]["message"] == "slow down");
  CHECK(body["error"]["requestId"] == "req-1");
  bool has_retry_after = false;
  for (const auto& [name, value] : response.headers) {
    if (name == "Retry-After") {
      has_retry_after = true;
      CHECK(value == "2");
    }
  }
  CHECK(has_retry_after);
}

TEST_CASE("a 401 asks for a bearer token and a message with bad UTF-8 still makes JSON",
          "[http_errors]") {
  HttpResponse response = ErrorResponse(Unauthenticated("TOKEN_REQUIRED", "bad \xff byte"), "r");
  CHECK(response.status == 401);
  CHECK_NOTHROW(nlohmann::json::parse(response.body));
  bool challenge = false;
  for (const auto& [name, value] : response.headers) challenge |= name == "WWW-Authenticate";
  CHECK(challenge);
}

}  // namespace
}  // namespace parta::gateway
