#pragma once

// HTTP → gRPC request: the proto3 JSON body, the path variables and the query string become one
// request message, following the route's `body` rule:
//   body "*"      the body is the request; path variables override it; no query parameters;
//   body "field"  the body is that field; other fields from the path and the query;
//   no body       every field from the path and the query.
// Query keys are field paths in either spelling ("filter.min_grade" or "filter.minGrade"),
// repeated fields repeat the key. Unknown fields, unknown parameters and wrong types are
// INVALID_ARGUMENT with a stable reason:
//   MALFORMED_JSON           the body is not JSON
//   JSON_TOO_DEEP            the body nests arrays and objects deeper than 64 levels
//   INVALID_REQUEST_FIELD    a field is unknown or has the wrong type
//   UNKNOWN_QUERY_PARAMETER  a parameter names no field, or one bound by the path or body
//   INVALID_QUERY_PARAMETER  a parameter's value cannot be decoded

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "services/gateway/routing/route_table.h"

namespace parta::gateway {

// Fills `request`, a fresh message of the route's input type.
absl::Status MapRequest(const Route& route, const std::vector<PathBinding>& bindings,
                        absl::string_view query, absl::string_view body,
                        google::protobuf::Message& request);

}  // namespace parta::gateway
