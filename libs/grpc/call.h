#pragma once

// How every Parta service serves a unary or client-streaming RPC (callback API):
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
#include <memory>
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
  // The call being served, while it is (null outside a gRPC call).
  const ::grpc::ServerContextBase* server_context = nullptr;

  // The SHA-256 thumbprint (`x5t#S256`) of the verified client certificate the caller's
  // connection presented; empty on plaintext, without one, or outside a gRPC call. Computed on
  // each call of this function (from the connection's TLS properties).
  std::string ClientCertificateThumbprint() const;

  // The caller's account id; only for RPCs whose access is `user` (always set there).
  const std::string& user_id() const { return caller->subject; }
};

enum class Access { kPublic, kUser, kInternal };

// What a method declares about its callers: the access level, and for internal methods the scope
// a service token needs (besides the legacy auth::kInternalScope, which holds every scope).
struct MethodAccess {
  Access level = Access::kInternal;
  std::string scope;
};

// Serves one client-streaming call (RpcRuntime::ServeClientStream): made for the call, its
// methods run on the executor (they may block), one at a time and in order, and the next
// message is read only once OnMessage has returned, so a client that sends faster than the
// handler writes is held back by gRPC's flow control instead of filling memory. At most one of
// OnEnd and OnAbandoned runs, neither when admission refused the call, OnMessage failed or the
// executor was full.
template <typename Request, typename Response>
class ClientStreamHandler {
 public:
  using RequestType = Request;
  using ResponseType = Response;

  virtual ~ClientStreamHandler() = default;
  // One message. An error ends the call with it: no further message is read.
  virtual absl::Status OnMessage(const CallContext& call, const Request& message) = 0;
  // The client sent its last message and waits for the answer: fills `response` or fails.
  virtual absl::Status OnEnd(const CallContext& call, Response& response) = 0;
  // The call ended without an answer anyone will read: the client cancelled or went away, or
  // the deadline passed.
  virtual void OnAbandoned(const CallContext& /*call*/) {}
};

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

  // A client-streaming RPC: admission as for unary calls (the access option of the method
  // whose request type is Request; inline when the token is known from cache), then each
  // message, the end of the stream or its cancellation goes to `handler` on the executor. A full
  // executor ends the call with RESOURCE_EXHAUSTED `SERVER_BUSY`, mid-stream too.
  //
  //   ::grpc::ServerReadReactor<UploadFileRequest>* UploadFile(
  //       ::grpc::CallbackServerContext* ctx, UploadFileResponse* response) override {
  //     return runtime_.ServeClientStream(ctx, response, std::make_unique<UploadFileCall>(…));
  //   }
  template <typename Handler>
  ::grpc::ServerReadReactor<typename Handler::RequestType>* ServeClientStream(
      ::grpc::CallbackServerContext* context, typename Handler::ResponseType* response,
      std::unique_ptr<Handler> handler) {
    auto* reactor =
        new StreamReactor<typename Handler::RequestType, typename Handler::ResponseType>(
            *this, context, response, std::move(handler));
    reactor->Start();
    return reactor;
  }

  // The executor that runs blocking handlers (for asynchronous handlers' blocking parts).
  BoundedExecutor& executor() { return executor_; }

  // The access declared on the method whose request type is `request_type`.
  const MethodAccess& AccessFor(const google::protobuf::Descriptor& request_type) const;

 private:
  using CachedClaims = std::optional<absl::StatusOr<auth::Claims>>;

  // The part of a client-streaming call that does not depend on its message types: admission,
  // the hand-offs to the executor, the end of the call (call.cc).
  class StreamCall {
   public:
    virtual ~StreamCall() = default;

   protected:
    StreamCall(RpcRuntime& runtime, ::grpc::CallbackServerContext* context,
               const google::protobuf::Descriptor& request_type);
    // Admits the call, then reads the first message.
    void Begin();
    // A read finished: a message to handle (`ok`), or the end of the stream or the call.
    void Received(bool ok);

   private:
    virtual void ReadNext() = 0;
    virtual absl::Status HandleMessage(const CallContext& call) = 0;
    virtual absl::Status HandleEnd(const CallContext& call) = 0;
    virtual void HandleAbandoned(const CallContext& call) = 0;
    virtual void FinishCall(const ::grpc::Status& status) = 0;
    // Runs `step` on the executor, or ends the call SERVER_BUSY. The caller touches nothing of
    // the call afterwards: `step` may have ended it already.
    void OnExecutor(std::function<void()> step);
    // Finishes the call; the reactor may be gone when it returns.
    void End(const absl::Status& status);

    RpcRuntime& runtime_;
    ::grpc::CallbackServerContext* const context_;
    const MethodAccess access_;
    std::string request_id_;
    CallContext call_;  // set by admission, before the first read
  };

  template <typename Request, typename Response>
  class StreamReactor;

  ::grpc::ServerUnaryReactor* ServeErased(::grpc::CallbackServerContext* context,
                                          const google::protobuf::Descriptor& request_type,
                                          bool may_block,
                                          std::function<void(const CallContext&, Finish)> run);
  // Runs one call to the end: deadline, admission, handler, Finish.
  void Run(::grpc::CallbackServerContext* context, ::grpc::ServerUnaryReactor* reactor,
           const MethodAccess& access, CachedClaims cached,
           const std::function<void(const CallContext&, Finish)>& run, std::string request_id);
  // The call's request id (the client's `x-request-id`, or a new one), echoed in its metadata.
  std::string TagRequestId(::grpc::CallbackServerContext& context);
  // Runs `admit` at once on the calling (gRPC's) thread when `may_block` is false and the
  // caller's token is known without I/O (none, or the verifier's cache answers), otherwise on
  // the executor. False when the executor is full: the caller answers ServerBusy().
  [[nodiscard]] bool Dispatch(::grpc::CallbackServerContext& context, bool may_block,
                              std::function<void(CachedClaims)> admit);
  // Whether the call may run (not cancelled, its deadline not passed) and who calls: the
  // CallContext of the handlers. `cached`: the verifier's answer if it was already known without
  // blocking.
  absl::StatusOr<CallContext> Admit(::grpc::CallbackServerContext& context,
                                    const MethodAccess& access, CachedClaims cached,
                                    std::string request_id);

  BoundedExecutor& executor_;
  auth::TokenVerifier& verifier_;
  const Options options_;
  absl::flat_hash_map<const google::protobuf::Descriptor*, MethodAccess> access_by_request_;
};

template <typename Request, typename Response>
class RpcRuntime::StreamReactor final : public ::grpc::ServerReadReactor<Request>,
                                        private RpcRuntime::StreamCall {
 public:
  StreamReactor(RpcRuntime& runtime, ::grpc::CallbackServerContext* context, Response* response,
                std::unique_ptr<ClientStreamHandler<Request, Response>> handler)
      : StreamCall(runtime, context, *Request::descriptor()),
        response_(response),
        handler_(std::move(handler)) {}

  void Start() { Begin(); }
  void OnReadDone(bool ok) override { Received(ok); }
  void OnDone() override { delete this; }

 private:
  void ReadNext() override { this->StartRead(&message_); }
  absl::Status HandleMessage(const CallContext& call) override {
    return handler_->OnMessage(call, message_);
  }
  absl::Status HandleEnd(const CallContext& call) override {
    return handler_->OnEnd(call, *response_);
  }
  void HandleAbandoned(const CallContext& call) override { handler_->OnAbandoned(call); }
  void FinishCall(const ::grpc::Status& status) override { this->Finish(status); }

  Request message_;  // the one read in flight, or the one being handled
  Response* const response_;
  const std::unique_ptr<ClientStreamHandler<Request, Response>> handler_;
};

// Reads the access and scope options of a method descriptor; undeclared access means internal.
MethodAccess AccessOfMethod(const google::protobuf::MethodDescriptor& method);

// True for "10.0.0.0/8", "2001:db8::/32" or a single address; configuration checks it.
bool ValidNetwork(absl::string_view network);

// PARTA_TRUSTED_PROXIES: comma-separated addresses or CIDR networks (spaces allowed);
// INVALID_ARGUMENT naming the first that is neither.
absl::StatusOr<std::vector<std::string>> TrustedProxiesFromEnvironment(Config& env);

// The client address seen through trusted proxies (exposed for tests).
std::string ClientAddress(absl::string_view peer, absl::string_view forwarded_for,
                          const std::vector<std::string>& trusted_proxies);

}  // namespace parta::grpc
