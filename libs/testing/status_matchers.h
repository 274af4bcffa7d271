#pragma once

// Assertions on absl::Status and StatusOr that print the status when they fail.

#include <catch2/catch.hpp>

#include "libs/core/status.h"

namespace parta::testing {

template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& value) {
  return value.status();
}
inline const absl::Status& StatusOf(const absl::Status& status) { return status; }

}  // namespace parta::testing

// Requires `expr` (a Status or StatusOr) to be OK.
#define REQUIRE_OK(expr)                                                          \
  do {                                                                            \
    const auto& parta_value_ = (expr);                                            \
    INFO(::parta::testing::StatusOf(parta_value_).ToString());                    \
    REQUIRE(::parta::testing::StatusOf(parta_value_).ok());                       \
  } while (false)

// Checks that `expr` failed with `code` (an absl::StatusCode enumerator name) and `reason`.
#define CHECK_STATUS(expr, expected_code, expected_reason)                                          \
  do {                                                                            \
    const auto& parta_value_ = (expr);                                            \
    const absl::Status& parta_status_ = ::parta::testing::StatusOf(parta_value_); \
    INFO(parta_status_.ToString());                                               \
    CHECK(parta_status_.code() == absl::StatusCode::expected_code);               \
    CHECK(::parta::ReasonOf(parta_status_) == (expected_reason));                 \
  } while (false)
