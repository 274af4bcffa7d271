#include <catch2/catch.hpp>

#include <string>

#include "libs/core/status.h"
#include "libs/grpc/request_values.h"

namespace parta::grpc {
namespace {

google::protobuf::Duration DurationProto(int64_t seconds, int32_t nanos) {
  google::protobuf::Duration proto;
  proto.set_seconds(seconds);
  proto.set_nanos(nanos);
  return proto;
}

TEST_CASE("A request id is up to 100 bytes of UTF-8, Cyrillic included", "[grpc][unit]") {
  CHECK(CheckRequestId("").ok());
  CHECK(CheckRequestId("0b6f1d7e-4c1a-4f0e-9a57-3d2c8e1f5a90").ok());
  CHECK(CheckRequestId("запрос-1").ok());
  CHECK(CheckRequestId(std::string(100, 'x')).ok());
  CHECK(ReasonOf(CheckRequestId(std::string(101, 'x'))) == "INVALID_REQUEST_ID");
  CHECK(ReasonOf(CheckRequestId("\xff\xfe")) == "INVALID_REQUEST_ID");
}

TEST_CASE("A Duration is read exactly, and one that is no Duration is refused with the field's "
          "reason",
          "[grpc][unit]") {
  CHECK(*DurationOf(DurationProto(0, 0), "INVALID_TTL") == absl::ZeroDuration());
  CHECK(*DurationOf(DurationProto(3600, 0), "INVALID_TTL") == absl::Hours(1));
  CHECK(*DurationOf(DurationProto(1, 500'000'000), "INVALID_TTL") == absl::Milliseconds(1500));
  CHECK(*DurationOf(DurationProto(-2, -1), "INVALID_TTL") ==
        -absl::Seconds(2) - absl::Nanoseconds(1));
  CHECK(ReasonOf(DurationOf(DurationProto(1, -1), "INVALID_TTL").status()) == "INVALID_TTL");
  CHECK(ReasonOf(DurationOf(DurationProto(-1, 1), "INVALID_DURATION").status()) ==
        "INVALID_DURATION");
  CHECK(ReasonOf(DurationOf(DurationProto(0, 1'000'000'000), "INVALID_TTL").status()) ==
        "INVALID_TTL");
}

}  // namespace
}  // namespace parta::grpc
