#pragma once

// Statuses as HTTP answers. Every error has one JSON shape:
//
//   {"error": {"code": 404, "status": "NOT_FOUND", "reason": "CHAT_NOT_FOUND",
//              "message": "…", "requestId": "…"}}
//
// `reason` is the stable, machine-readable part (the ErrorInfo reason of the service, or the
// gateway's own); `message` is for people and may change.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace parta::gateway {

// The standard gRPC → HTTP table: INVALID_ARGUMENT, FAILED_PRECONDITION and OUT_OF_RANGE 400,
// UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404, ALREADY_EXISTS and ABORTED 409,
// RESOURCE_EXHAUSTED 429, CANCELLED 499, UNIMPLEMENTED 501, UNAVAILABLE 503,
// DEADLINE_EXCEEDED 504, anything else 500.
int HttpStatusOf(absl::StatusCode code);

// The canonical upper-case name of a code ("NOT_FOUND").
absl::string_view CodeName(absl::StatusCode code);

std::string ErrorBody(int http_status, const absl::Status& status, absl::string_view request_id);

}  // namespace parta::gateway
