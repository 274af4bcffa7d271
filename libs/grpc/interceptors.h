#pragma once

// The server interceptor that counts, times and logs every call (the experimental interceptor
// API of gRPC 1.51 is confined to interceptors.cc).

#include <memory>

#include <grpcpp/support/server_interceptor.h>

namespace prometheus {
class Registry;
}

namespace parta::grpc {

// Creates grpc_server_handled_total{grpc_service,grpc_method,grpc_code} and
// grpc_server_handling_seconds{grpc_service,grpc_method} in `registry` once, and logs one JSON
// line per call (method, code, duration, request id; never payloads).
std::unique_ptr<::grpc::experimental::ServerInterceptorFactoryInterface>
MakeObservabilityInterceptorFactory(std::shared_ptr<prometheus::Registry> registry);

}  // namespace parta::grpc
