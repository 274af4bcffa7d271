#pragma once

// The OpenAPI 3 document of the gateway, generated from the same route table and descriptors
// that serve the requests: paths and their parameters, request and response schemas in the
// proto3 JSON mapping, bearer security on `user` routes, the error shape, and the WebSocket
// `/v1/events` with the catalogue of its frames and events (parta.events.v1), and, where
// content is linked, the streamed file routes (tus uploads, downloads).
//
// A variable that binds a resource name is spread over its segments, each wildcard a path
// parameter named after the literal before it: `/v1/{name=schools/*/classes/*}` is written
// `/v1/schools/{schools}/classes/{classes}`, and the routes of one resource share a path item.

#include <string>

#include "services/gateway/routing/route_table.h"

namespace parta::gateway {

std::string OpenApiDocument(const RouteTable& routes, const std::string& version);

}  // namespace parta::gateway
