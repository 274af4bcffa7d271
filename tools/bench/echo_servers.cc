#include "tools/bench/echo_servers.h"

#include <prometheus/registry.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "libs/auth/revoked_sessions.h"
#include "libs/auth/token_verifier.h"
#include "libs/core/clock.h"
#include "libs/core/config.h"
#include "libs/core/executor.h"
#include "libs/core/log.h"
#include "libs/core/signals.h"
#include "libs/grpc/call.h"
#include "libs/grpc/server.h"
#include "parta/testing/v1/echo.grpc.pb.h"

namespace parta::bench {
namespace {

namespace v1 = parta::testing::v1;

class BareEcho final : public v1::EchoService::CallbackService {
 public:
  ::grpc::ServerUnaryReactor* UserEcho(::grpc::CallbackServerContext* context,
                                       const v1::UserEchoRequest* request,
                                       v1::EchoResponse* response) override {
    response->set_payload(request->payload());
    auto* reactor = context->DefaultReactor();
    reactor->Finish(::grpc::Status::OK);
    return reactor;
  }
};

class PartaEcho final : public v1::EchoService::CallbackService {
 public:
  PartaEcho(grpc::RpcRuntime& runtime, bool non_blocking)
      : runtime_(runtime), non_blocking_(non_blocking) {}
  ::grpc::ServerUnaryReactor* UserEcho(::grpc::CallbackServerContext* context,
                                       const v1::UserEchoRequest* request,
                                       v1::EchoResponse* response) override {
    auto handler = [](const grpc::CallContext& call, const v1::UserEchoRequest& req,
                      v1::EchoResponse& resp) {
      resp.set_payload(req.payload());
      resp.set_caller(call.user_id());
      return absl::OkStatus();
    };
    return non_blocking_ ? runtime_.ServeNonBlocking(context, request, response, handler)
                         : runtime_.Serve(context, request, response, handler);
  }

 private:
  grpc::RpcRuntime& runtime_;
  const bool non_blocking_;
};

class FixedKeys final : public auth::KeySource {
 public:
  explicit FixedKeys(auth::KeySet keys) : keys_(std::move(keys)) {}
  absl::StatusOr<auth::KeySet> FetchKeys() override { return keys_; }

 private:
  auth::KeySet keys_;
};

int Serve(::grpc::Service& service) {
  Config env;
  absl::StatusOr<std::unique_ptr<grpc::Server>> server = grpc::Server::Start(
      {.listen_address = env.String("PARTA_GRPC_LISTEN", "127.0.0.1:0"),
       .port_file = env.String("PARTA_GRPC_PORT_FILE", "")},
      {&service}, std::make_shared<prometheus::Registry>());
  if (!server.ok()) ExitWithStartupError(server.status());
  WaitForTerminationSignal();
  (*server)->Shutdown(absl::Seconds(1));
  return 0;
}

}  // namespace

int ServeBareEcho() {
  BlockTerminationSignals();
  log::SetMinimumLevel(log::Level::kWarning);
  BareEcho service;
  return Serve(service);
}

int ServePartaEcho() {
  BlockTerminationSignals();
  Config env;
  std::string key_hex = env.RequiredString("PARTA_BENCH_PUBLIC_KEY");
  std::string redis_uri = env.RequiredString("PARTA_REDIS_URI");
  // Access logs stay on, as in production.
  if (absl::Status status = env.Validate(); !status.ok()) ExitWithStartupError(status);
  absl::StatusOr<auth::Ed25519PublicKey> key =
      auth::Ed25519PublicKey::FromRaw(absl::HexStringToBytes(key_hex));
  if (!key.ok()) ExitWithStartupError(key.status());
  FixedKeys keys({{"bench", *key}});
  redis::Pool redis({.endpoint = *redis::Endpoint::Parse(redis_uri)});
  auth::RedisRevocationList revocations(redis);
  SystemClock clock;
  auth::TokenVerifier verifier(keys, &revocations, clock,
                               {.verify = {.issuer = "parta-identity", .audience = "parta"},
                                .revocation_cache_ttl = absl::Seconds(1)});
  BoundedExecutor workers("rpc", std::max(2u, std::thread::hardware_concurrency()), 4096);
  grpc::RpcRuntime runtime(workers, verifier,
                           {.error_domain = "testing.parta",
                            .services = {"parta.testing.v1.EchoService"}});
  PartaEcho service(runtime, env.Bool("PARTA_BENCH_NON_BLOCKING", false));
  int code = Serve(service);
  workers.Stop();
  return code;
}

}  // namespace parta::bench
