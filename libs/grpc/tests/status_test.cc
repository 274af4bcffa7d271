#include <catch2/catch.hpp>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "libs/core/status.h"
#include "libs/grpc/status.h"

namespace parta::grpc {
namespace {

TEST_CASE("A reason crosses the gRPC edge as google.rpc.ErrorInfo and comes back",
          "[grpc][unit]") {
  absl::Status original = NotFound("ACCOUNT_NOT_FOUND", "no such account");
  ::grpc::Status wire = ToGrpcStatus(original, "identity.parta");
  CHECK(wire.error_code() == ::grpc::StatusCode::NOT_FOUND);
  CHECK(wire.error_message() == "no such account");

  google::rpc::Status details;
  REQUIRE(details.ParseFromString(wire.error_details()));
  REQUIRE(details.details_size() == 1);
  google::rpc::ErrorInfo info;
  REQUIRE(details.details(0).UnpackTo(&info));
  CHECK(info.reason() == "ACCOUNT_NOT_FOUND");
  CHECK(info.domain() == "identity.parta");

  absl::Status back = FromGrpcStatus(wire);
  CHECK(back.code() == absl::StatusCode::kNotFound);
  CHECK(ReasonOf(back) == "ACCOUNT_NOT_FOUND");
}

TEST_CASE("OK and reason-less statuses map by code alone", "[grpc][unit]") {
  CHECK(ToGrpcStatus(absl::OkStatus(), "x").ok());
  ::grpc::Status plain = ToGrpcStatus(absl::UnavailableError("down"), "x");
  CHECK(plain.error_code() == ::grpc::StatusCode::UNAVAILABLE);
  CHECK(plain.error_details().empty());
  CHECK(ReasonOf(FromGrpcStatus(plain)).empty());
}

TEST_CASE("A retry delay crosses the gRPC edge as google.rpc.RetryInfo", "[grpc][unit]") {
  absl::Status original =
      WithRetryAfter(ResourceExhausted("LOGIN_THROTTLED", "wait"), absl::Milliseconds(2500));
  absl::Status back = FromGrpcStatus(ToGrpcStatus(original, "identity.parta"));
  CHECK(back.code() == absl::StatusCode::kResourceExhausted);
  CHECK(ReasonOf(back) == "LOGIN_THROTTLED");
  CHECK(RetryAfterOf(back) == absl::Milliseconds(2500));
}

}  // namespace
}  // namespace parta::grpc
