#pragma once

// gRPC → HTTP: the response message as proto3 JSON (lowerCamelCase names, int64 as strings,
// enums by name, timestamps in RFC 3339, scalar fields printed even when zero), or only the
// route's `response_body` field.

#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "services/gateway/routing/route_table.h"

namespace parta::gateway {

absl::StatusOr<std::string> MapResponse(const Route& route,
                                        const google::protobuf::Message& response);

}  // namespace parta::gateway
