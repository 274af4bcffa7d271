#pragma once

// How every Parta service serves a unary RPC (callback API):
//   1. the method's access option (parta.api.v1.access) decides which token is needed;
//   2. the call runs on the service's bounded executor, never on gRPC's threads (handlers may
//      block on Postgres); a full executor answers RESOURCE_EXHAUSTED at once;
//   3. the handler's absl::Status becomes a grpc::Status with an ErrorInfo reason.
//
//   ::grpc::ServerUnaryReactor* Login(::grpc::CallbackServerContext* ctx,
//                                     const LoginRequest* request,
//                                     LoginResponse* response) override {
//     return runtime_.Serve(ctx, request, response, [this](const CallContext& call,
//                                                          const LoginRequest& req,
//                                                          LoginResponse& resp) { … });
//   }

#include <grpcpp/grpcpp.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "libs/auth/token.h"
#include "libs/auth/token_verifier.h"
#include "libs/core/config.h"
#include "libs/core/executor.h"

namespace parta::grpc {

// What a handler knows about the call.
struct CallContext {
  // The verified token of the caller; empty for anonymous calls of public RPCs.
  std::optional<auth::Claims> caller;
  // The caller's token as he sent it (verified when `caller` is set), for calls made in his
  // name to other services.
  std::string bearer_token;
  std::string request_id;
  // The client's IP address: the gRPC peer, or the first untrusted hop of x-forwarded-for when
  // the peer is a trusted proxy.
  std::string client_address;
  // Value of the `user-agent` metadata.
  std::string user_agent;

  // The caller's account id; only for RPCs whose access is `user` (always set there).
  const std::string& user_id() const { return caller->subject; }
};

enum class Access { kPublic, kUser, kInternal };

class RpcRuntime {
 public:
  struct Options {
    // ErrorInfo domain of this service, "identity.parta".
    std::string error_domain;
    // Fully qualified names of the services served with this runtime.
    std::vector<std::string> services;
    // Proxies (the gateway) whose x-forwarded-for is believed; CIDR "10.0.0.0/8" or exact IPs.
    std::vector<std::string> trusted_proxies;
  };

  // `verifier` checks bearer tokens; it is consulted on the executor, never on gRPC's threads.
  RpcRuntime(BoundedExecutor& executor, auth::TokenVerifier& verifier, Options options);

  // `handler` is callable as absl::Status(const CallContext&, const Request&, Response&).
  template <typename Request, typename Response, typename Handler>
  ::grpc::ServerUnaryReactor* Serve(::grpc::CallbackServerContext* context, const Request* request,
                                    Response* response, Handler handler) {
    return ServeErased(
        context, *request->GetDescriptor(), /*may_block=*/true,
        [handler = std::move(handler), request, response](const CallContext& call, Finish finish) {
          finish(absl::Status(handler(call, *request, *response)));
        });
  }

  // For handlers that never block (answers from memory): when the caller's token can be checked
  // from the verifier's caches, the call runs at once on gRPC's thread, saving the hand-off to
  // the executor; otherwise it goes through the executor like Serve.
  template <typename Request, typename Response, typename Handler>
  ::grpc::ServerUnaryReactor* ServeNonBlocking(::grpc::CallbackServerContext* context,
                                               const Request* request, Response* response,
                                               Handler handler) {
    return ServeErased(
        context, *request->GetDescriptor(), /*may_block=*/false,
        [handler = std::move(handler), request, response](const CallContext& call, Finish finish) {
          finish(absl::Status(handler(call, *request, *response)));
        });
  }

  // Ends an asynchronous call; call it exactly once, from any thread.
  using Finish = std::function<void(absl::Status)>;

  // For handlers that answer later without blocking a thread (a reply from Redis): `handler` is
  // callable as void(const CallContext&, const Request&, Response&, Finish) and must call the
  // Finish exactly once. Admission runs as for ServeNonBlocking (inline when the token is known
  // from cache); the handler itself must never block. Work that may block is the handler's to
  // hand to an executor.
  template <typename Request, typename Response, typename Handler>
  ::grpc::ServerUnaryReactor* ServeAsync(::grpc::CallbackServerContext* context,
                                         const Request* request, Response* response,
                                         Handler handler) {
    return ServeErased(
        context, *request->GetDescriptor(), /*may_block=*/false,
        [handler = std::move(handler), request, response](const CallContext& call, Finish finish) {
          handler(call, *request, *response, std::move(finish));
        });
  }

  // The executor that runs blocking handlers (for asynchronous handlers' blocking parts).
  BoundedExecutor& executor() { return executor_; }

  // The access level declared on the method whose request type is `request_type`.
  Access AccessFor(const google::protobuf::Descriptor& request_type) const;

 private:
  ::grpc::ServerUnaryReactor* ServeErased(::grpc::CallbackServerContext* context,
                                          const google::protobuf::Descriptor& request_type,
                                          bool may_block,
                                          std::function<void(const CallContext&, Finish)> run);
  // Runs one call to the end: deadline, admission, handler, Finish.
  void Run(::grpc::CallbackServerContext* context, ::grpc::ServerUnaryReactor* reactor,
           Access access, std::optional<absl::StatusOr<auth::Claims>> cached,
           const std::function<void(const CallContext&, Finish)>& run, std::string request_id);
  // `cached`: the verifier's answer if it was already known without blocking.
  absl::StatusOr<CallContext> Admit(::grpc::CallbackServerContext& context, Access access,
                                    std::optional<absl::StatusOr<auth::Claims>> cached);

  BoundedExecutor& executor_;
  auth::TokenVerifier& verifier_;
  const Options options_;
  absl::flat_hash_map<const google::protobuf::Descriptor*, Access> access_by_request_;
};

// Reads the access option of a method descriptor; undeclared means internal.
Access AccessOfMethod(const google::protobuf::MethodDescriptor& method);

// True for "10.0.0.0/8", "2001:db8::/32" or a single address; configuration checks it.
bool ValidNetwork(absl::string_view network);

// PARTA_TRUSTED_PROXIES: comma-separated addresses or CIDR networks (spaces allowed);
// INVALID_ARGUMENT naming the first that is neither.
absl::StatusOr<std::vector<std::string>> TrustedProxiesFromEnvironment(Config& env);

// The client address seen through trusted proxies (exposed for tests).
std::string ClientAddress(absl::string_view peer, absl::string_view forwarded_for,
                          const std::vector<std::string>& trusted_proxies);

}  // namespace parta::grpc
