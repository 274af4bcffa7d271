#pragma once

// The two echo servers of the gRPC-hop benchmark (scenario S5): a bare callback server built
// from the same packages (the reference), and the same service served the Parta way (server
// runner, interceptors, access option, token verification with its caches and the Redis
// revocation check, handler on the bounded executor).

namespace parta::bench {

// Both serve until SIGTERM on PARTA_GRPC_LISTEN (default 127.0.0.1:0), writing the port to
// PARTA_GRPC_PORT_FILE. The Parta server needs PARTA_BENCH_PUBLIC_KEY (hex) and
// PARTA_REDIS_URI; PARTA_BENCH_NON_BLOCKING=true serves through RpcRuntime::ServeNonBlocking.
int ServeBareEcho();
int ServePartaEcho();

}  // namespace parta::bench
