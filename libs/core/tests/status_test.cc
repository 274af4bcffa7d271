#include <catch2/catch.hpp>

#include "libs/core/status.h"

namespace parta {
namespace {

absl::StatusOr<int> Half(int value) {
  if (value % 2 != 0) return InvalidArgument("ODD_VALUE", "value must be even");
  return value / 2;
}

absl::StatusOr<int> Quarter(int value) {
  ASSIGN_OR_RETURN(int half, Half(value));
  ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status CheckEven(int value) {
  RETURN_IF_ERROR(Half(value).status());
  return absl::OkStatus();
}

TEST_CASE("Error carries its code, reason and message", "[core][unit]") {
  absl::Status status = AlreadyExists("ACCOUNT_EXISTS", "an account with this login exists");
  CHECK(status.code() == absl::StatusCode::kAlreadyExists);
  CHECK(ReasonOf(status) == "ACCOUNT_EXISTS");
  CHECK(status.message() == "an account with this login exists");
  CHECK(ReasonOf(absl::InternalError("plain")).empty());
}

TEST_CASE("ASSIGN_OR_RETURN passes values through and stops at the first error", "[core][unit]") {
  CHECK(*Quarter(8) == 2);
  absl::StatusOr<int> odd = Quarter(6);
  REQUIRE_FALSE(odd.ok());
  CHECK(ReasonOf(odd.status()) == "ODD_VALUE");
}

TEST_CASE("RETURN_IF_ERROR returns the failing status unchanged", "[core][unit]") {
  CHECK(CheckEven(4).ok());
  CHECK(ReasonOf(CheckEven(3)) == "ODD_VALUE");
}

}  // namespace
}  // namespace parta
