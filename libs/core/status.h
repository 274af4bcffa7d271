#pragma once

// Errors with a stable, machine-readable reason. The reason travels as a status payload and is
// turned into a google.rpc.ErrorInfo at the gRPC edge (libs/grpc/status.h).

#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace parta {

// Payload keys under which the reason and a retry delay are stored in an absl::Status.
inline constexpr absl::string_view kReasonPayload = "parta.reason";
inline constexpr absl::string_view kRetryAfterPayload = "parta.retry_after_ms";

// A status with `code`, a reason such as "ACCOUNT_EXISTS" and a message for humans. The message
// must never contain secrets or personal data.
absl::Status Error(absl::StatusCode code, absl::string_view reason, absl::string_view message);

// The reason of `status`, or an empty string when it has none.
std::string ReasonOf(const absl::Status& status);

// `status` telling the caller when to try again (google.rpc.RetryInfo on the wire,
// `Retry-After` at the gateway).
absl::Status WithRetryAfter(absl::Status status, absl::Duration delay);
std::optional<absl::Duration> RetryAfterOf(const absl::Status& status);

inline absl::Status InvalidArgument(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kInvalidArgument, reason, message);
}
inline absl::Status NotFound(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kNotFound, reason, message);
}
inline absl::Status AlreadyExists(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kAlreadyExists, reason, message);
}
inline absl::Status Unauthenticated(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kUnauthenticated, reason, message);
}
inline absl::Status PermissionDenied(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kPermissionDenied, reason, message);
}
inline absl::Status FailedPrecondition(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kFailedPrecondition, reason, message);
}
inline absl::Status ResourceExhausted(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kResourceExhausted, reason, message);
}
inline absl::Status Unavailable(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kUnavailable, reason, message);
}
inline absl::Status Internal(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kInternal, reason, message);
}

}  // namespace parta

// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                             \
  do {                                                    \
    if (absl::Status parta_status_ = (expr); !parta_status_.ok()) { \
      return parta_status_;                               \
    }                                                     \
  } while (false)

#define PARTA_STATUS_CONCAT_INNER_(a, b) a##b
#define PARTA_STATUS_CONCAT_(a, b) PARTA_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::StatusOr<T>); returns its status when it is not OK, otherwise
// moves its value into `lhs` (a declaration such as `auto x` or an existing variable).
#define ASSIGN_OR_RETURN(lhs, expr) \
  PARTA_ASSIGN_OR_RETURN_IMPL_(PARTA_STATUS_CONCAT_(parta_statusor_, __LINE__), lhs, expr)

#define PARTA_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                 \
  if (!statusor.ok()) {                                   \
    return std::move(statusor).status();                  \
  }                                                       \
  lhs = std::move(statusor).value()
