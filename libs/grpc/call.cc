#include "libs/grpc/call.h"

#include <arpa/inet.h>

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "libs/core/log.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/grpc/status.h"
#include "libs/grpc/transport_security.h"
#include "parta/api/v1/options.pb.h"

namespace parta::grpc {
namespace {

absl::string_view Metadata(const ::grpc::CallbackServerContext& context, absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(::grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return {};
  return absl::string_view(it->second.data(), it->second.size());
}

// Every value of a metadata key, in order, joined with ", " (a list such as x-forwarded-for).
std::string AllMetadata(const ::grpc::CallbackServerContext& context, absl::string_view key) {
  std::string joined;
  auto [it, end] =
      context.client_metadata().equal_range(::grpc::string_ref(key.data(), key.size()));
  for (; it != end; ++it) {
    if (!joined.empty()) joined += ", ";
    joined.append(it->second.data(), it->second.size());
  }
  return joined;
}

// "ipv4:127.0.0.1:5000" → "127.0.0.1"; "ipv6:[::1]:5000" → "::1".
std::string PeerIp(absl::string_view peer) {
  if (absl::ConsumePrefix(&peer, "ipv4:")) {
    return std::string(peer.substr(0, peer.rfind(':')));
  }
  if (absl::ConsumePrefix(&peer, "ipv6:")) {
    peer = peer.substr(0, peer.rfind(':'));
    absl::ConsumePrefix(&peer, "[");
    absl::ConsumeSuffix(&peer, "]");
    return std::string(peer);
  }
  return std::string(peer);
}

bool InNetwork(absl::string_view ip, absl::string_view network) {
  std::vector<absl::string_view> parts = absl::StrSplit(network, '/');
  unsigned char address[16] = {}, base[16] = {};
  int family = absl::StrContains(parts[0], ':') ? AF_INET6 : AF_INET;
  if (parts.size() > 2 || inet_pton(family, std::string(ip).c_str(), address) != 1 ||
      inet_pton(family, std::string(parts[0]).c_str(), base) != 1) {
    return false;
  }
  int max_bits = family == AF_INET ? 32 : 128;
  int bits = max_bits;
  if (parts.size() == 2 && !absl::SimpleAtoi(parts[1], &bits)) return false;
  if (bits < 0 || bits > max_bits) return false;
  for (int i = 0; i < bits; ++i) {
    int mask = 0x80 >> (i % 8);
    if ((address[i / 8] & mask) != (base[i / 8] & mask)) return false;
  }
  return true;
}

bool Trusted(absl::string_view ip, const std::vector<std::string>& proxies) {
  for (const std::string& network : proxies) {
    if (InNetwork(ip, network)) return true;
  }
  return false;
}

absl::Status ServerBusy() { return ResourceExhausted("SERVER_BUSY", "the server is busy; retry"); }

}  // namespace

bool ValidNetwork(absl::string_view network) {
  std::vector<absl::string_view> parts = absl::StrSplit(network, '/');
  return InNetwork(parts[0], network);
}

absl::StatusOr<std::vector<std::string>> TrustedProxiesFromEnvironment(Config& env) {
  std::vector<std::string> networks;
  for (absl::string_view entry :
       absl::StrSplit(env.String("PARTA_TRUSTED_PROXIES", ""), ',', absl::SkipWhitespace())) {
    networks.emplace_back(absl::StripAsciiWhitespace(entry));
  }
  for (const std::string& network : networks) {
    if (!ValidNetwork(network)) {
      return absl::InvalidArgumentError("invalid configuration: PARTA_TRUSTED_PROXIES holds " +
                                        network + ", not an address or CIDR network");
    }
  }
  return networks;
}

std::string ClientAddress(absl::string_view peer, absl::string_view forwarded_for,
                          const std::vector<std::string>& trusted_proxies) {
  std::string address = PeerIp(peer);
  if (forwarded_for.empty() || !Trusted(address, trusted_proxies)) return address;
  // Walk from the nearest hop back; the first address that is not a trusted proxy is the client.
  std::vector<absl::string_view> hops = absl::StrSplit(forwarded_for, ',');
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    std::string hop(absl::StripAsciiWhitespace(*it));
    if (hop.empty()) continue;
    address = hop;
    if (!Trusted(hop, trusted_proxies)) break;
  }
  return address;
}

MethodAccess AccessOfMethod(const google::protobuf::MethodDescriptor& method) {
  switch (method.options().GetExtension(parta::api::v1::access)) {
    case parta::api::v1::ACCESS_PUBLIC:
      return {.level = Access::kPublic};
    case parta::api::v1::ACCESS_USER:
      return {.level = Access::kUser};
    default:
      return {.level = Access::kInternal,
              .scope = method.options().GetExtension(parta::api::v1::scope)};
  }
}

RpcRuntime::RpcRuntime(BoundedExecutor& executor, auth::TokenVerifier& verifier, Options options)
    : executor_(executor), verifier_(verifier), options_(std::move(options)) {
  for (const std::string& network : options_.trusted_proxies) {
    if (!ValidNetwork(network)) {
      log::Error("invalid trusted proxy network").With("network", network);
      std::abort();  // configuration is validated at startup (ValidNetwork); this cannot happen
    }
  }
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const std::string& name : options_.services) {
    const google::protobuf::ServiceDescriptor* service = pool->FindServiceByName(name);
    if (service == nullptr) {
      log::Error("unknown service").With("service", name);
      std::abort();
    }
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor& method = *service->method(i);
      // AIP: every RPC has its own request message, so the request type names the method.
      if (!access_by_request_.emplace(method.input_type(), AccessOfMethod(method)).second) {
        log::Error("request type shared by two RPCs").With("method", method.full_name());
        std::abort();
      }
    }
  }
}

std::string CallContext::ClientCertificateThumbprint() const {
  if (server_context == nullptr) return "";
  return PeerCertificateThumbprint(server_context->auth_context().get());
}

const MethodAccess& RpcRuntime::AccessFor(const google::protobuf::Descriptor& request_type) const {
  static const MethodAccess kUndeclared;  // internal, and no scope but the legacy one
  auto it = access_by_request_.find(&request_type);
  return it == access_by_request_.end() ? kUndeclared : it->second;
}

absl::StatusOr<CallContext> RpcRuntime::Admit(::grpc::CallbackServerContext& context,
                                              const MethodAccess& access,
                                              CachedClaims cached, std::string request_id) {
  if (context.IsCancelled()) return absl::CancelledError("the client cancelled the call");
  if (std::chrono::system_clock::now() > context.deadline()) {
    return Error(absl::StatusCode::kDeadlineExceeded, "DEADLINE_EXCEEDED",
                 "the call's deadline passed before it could run");
  }
  CallContext call;
  call.request_id = std::move(request_id);
  call.client_address = ClientAddress(context.peer(), AllMetadata(context, "x-forwarded-for"),
                                      options_.trusted_proxies);
  call.user_agent = std::string(Metadata(context, "user-agent"));
  call.server_context = &context;
  absl::string_view authorization = Metadata(context, "authorization");
  if (!authorization.empty()) {
    if (!absl::ConsumePrefix(&authorization, "Bearer ")) {
      return Unauthenticated("MALFORMED_TOKEN", "authorization must be a Bearer token");
    }
    absl::StatusOr<auth::Claims> claims =
        cached ? *std::move(cached) : verifier_.Verify(authorization);
    if (claims.ok() && !claims->certificate_thumbprint.empty() &&
        claims->certificate_thumbprint != call.ClientCertificateThumbprint()) {
      // RFC 8705: a token bound to a certificate is good only where that certificate is shown.
      claims = Unauthenticated("CERTIFICATE_MISMATCH",
                               "the token is bound to a client certificate this connection did "
                               "not present");
    }
    if (!claims.ok()) {
      if (access.level != Access::kPublic) return claims.status();
    } else {
      call.caller = *std::move(claims);
      call.bearer_token = std::string(authorization);
    }
  }
  switch (access.level) {
    case Access::kPublic:
      return call;
    case Access::kUser:
      if (!call.caller) return Unauthenticated("TOKEN_REQUIRED", "sign in first");
      if (call.caller->IsService()) {
        return PermissionDenied("USER_TOKEN_REQUIRED", "this RPC acts for a signed-in person");
      }
      return call;
    case Access::kInternal:
      if (!call.caller) return Unauthenticated("TOKEN_REQUIRED", "a service token is required");
      if (!call.caller->IsService()) {
        return PermissionDenied("INTERNAL_ONLY", "this RPC is for Parta's own services");
      }
      if (!call.caller->HasScope(auth::kInternalScope) &&
          (access.scope.empty() || !call.caller->HasScope(access.scope))) {
        return PermissionDenied("MISSING_SCOPE",
                                absl::StrCat("the client's token lacks the scope ",
                                             access.scope.empty() ? "of this RPC" : access.scope));
      }
      return call;
  }
  return PermissionDenied("INTERNAL_ONLY", "unknown access level");
}

::grpc::ServerUnaryReactor* RpcRuntime::ServeErased(
    ::grpc::CallbackServerContext* context, const google::protobuf::Descriptor& request_type,
    bool may_block, std::function<void(const CallContext&, Finish)> run) {
  ::grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::string request_id = TagRequestId(*context);
  const MethodAccess& access = AccessFor(request_type);
  const bool started =
      Dispatch(*context, may_block,
               [this, context, reactor, access, run = std::move(run),
                request_id = std::move(request_id)](CachedClaims cached) mutable {
                 Run(context, reactor, access, std::move(cached), run, std::move(request_id));
               });
  if (!started) reactor->Finish(ToGrpcStatus(ServerBusy(), options_.error_domain));
  return reactor;
}

std::string RpcRuntime::TagRequestId(::grpc::CallbackServerContext& context) {
  std::string request_id(Metadata(context, "x-request-id"));
  if (request_id.empty() || request_id.size() > 128) request_id = NewRequestId(absl::Now());
  context.AddInitialMetadata("x-request-id", request_id);
  return request_id;
}

bool RpcRuntime::Dispatch(::grpc::CallbackServerContext& context, bool may_block,
                          std::function<void(CachedClaims)> admit) {
  if (!may_block) {
    // Inline only when admission needs no I/O either.
    absl::string_view authorization = Metadata(context, "authorization");
    const bool has_token = absl::StartsWith(authorization, "Bearer ");
    CachedClaims cached;
    if (has_token) cached = verifier_.VerifyFromCache(authorization.substr(7));
    if (!has_token || cached.has_value()) {
      admit(std::move(cached));
      return true;
    }
  }
  return executor_.TrySubmit([admit = std::move(admit)] { admit(std::nullopt); });
}

void RpcRuntime::Run(::grpc::CallbackServerContext* context, ::grpc::ServerUnaryReactor* reactor,
                     const MethodAccess& access, CachedClaims cached,
                     const std::function<void(const CallContext&, Finish)>& run,
                     std::string request_id) {
  log::ScopedRequestId scoped(request_id);
  Finish finish = [reactor, domain = options_.error_domain](absl::Status status) {
    reactor->Finish(ToGrpcStatus(status, domain));
  };
  absl::StatusOr<CallContext> call =
      Admit(*context, access, std::move(cached), std::move(request_id));
  if (!call.ok()) {
    finish(call.status());
    return;
  }
  run(*call, std::move(finish));
}

RpcRuntime::StreamCall::StreamCall(RpcRuntime& runtime, ::grpc::CallbackServerContext* context,
                                   const google::protobuf::Descriptor& request_type)
    : runtime_(runtime), context_(context), access_(runtime.AccessFor(request_type)) {}

void RpcRuntime::StreamCall::Begin() {
  request_id_ = runtime_.TagRequestId(*context_);
  // Admission never blocks when the token is cached, and reading needs no thread: only the
  // handler's steps go to the executor.
  const bool started =
      runtime_.Dispatch(*context_, /*may_block=*/false, [this](CachedClaims cached) {
        log::ScopedRequestId scoped(request_id_);
        absl::StatusOr<CallContext> call =
            runtime_.Admit(*context_, access_, std::move(cached), request_id_);
        if (!call.ok()) {
          End(call.status());
          return;
        }
        call_ = *std::move(call);
        ReadNext();
      });
  if (!started) End(ServerBusy());
}

void RpcRuntime::StreamCall::Received(bool ok) {
  if (ok) {
    OnExecutor([this] {
      absl::Status handled = HandleMessage(call_);
      if (handled.ok()) {
        ReadNext();
      } else {
        End(handled);
      }
    });
  } else if (context_->IsCancelled()) {
    // The client cancelled, went away or ran out of time: nobody reads the status, but the
    // handler may keep what arrived.
    OnExecutor([this] {
      HandleAbandoned(call_);
      End(absl::CancelledError("the client cancelled the call"));
    });
  } else {
    OnExecutor([this] { End(HandleEnd(call_)); });
  }
}

void RpcRuntime::StreamCall::OnExecutor(std::function<void()> step) {
  const bool queued = runtime_.executor_.TrySubmit([this, step = std::move(step)] {
    log::ScopedRequestId scoped(request_id_);
    step();
  });
  if (!queued) End(ServerBusy());
}

void RpcRuntime::StreamCall::End(const absl::Status& status) {
  FinishCall(ToGrpcStatus(status, runtime_.options_.error_domain));
}

}  // namespace parta::grpc
