#pragma once

// gRPC → HTTP: the response message as proto3 JSON (lowerCamelCase names, int64 as strings,
// enums by name, timestamps in RFC 3339, scalar fields printed even when zero), or only the
// route's `response_body` field; or, for an RPC returning parta.api.v1.HttpBody, that body as
// it is (a CSV export, a file).

#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "services/gateway/http/http_message.h"
#include "services/gateway/routing/route_table.h"

namespace parta::gateway {

absl::StatusOr<std::string> MapResponse(const Route& route,
                                        const google::protobuf::Message& response);

// Whether an RPC's responses are raw bodies (parta.api.v1.HttpBody).
bool IsRawBody(const google::protobuf::Descriptor& response_type);

// A raw body's HTTP answer: its bytes under its content type, and with a file name, a download
// (Content-Disposition: attachment, the name in RFC 6266's `filename*` and an ASCII stand-in).
HttpResponse RawBodyResponse(const google::protobuf::Message& body);

}  // namespace parta::gateway
