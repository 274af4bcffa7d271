#pragma once

// The HTTP face of the services: every request is matched against the route table, its token
// verified, transcoded to the route's RPC, sent to the backend with a deadline, and the answer
// (or the error, by the standard status table) transcoded back. The gateway's own endpoints:
// GET /healthz (alive), GET /readyz (keys loaded, backends reachable), GET /v1/openapi.json,
// and, where configured, the calls' demo client GET /demo/call.html.
// Every answer carries `x-request-id` (and, from the server, the security headers); CORS for
// configured origins.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "services/gateway/auth/authenticator.h"
#include "services/gateway/gateway_metrics.h"
#include "services/gateway/http/http_message.h"
#include "services/gateway/rest/backends.h"
#include "services/gateway/rest/cors_policy.h"
#include "services/gateway/routing/route_table.h"

namespace grpc {
class ClientContext;
class Status;
}  // namespace grpc

namespace parta::gateway {

struct RestOptions {
  absl::Duration backend_timeout = absl::Seconds(10);  // deadline of every backend call
  std::vector<std::string> trusted_proxies;            // whose X-Forwarded-For is believed
  std::vector<std::string> cors_origins;               // exact origins, or "*"
  bool access_log = true;                              // one JSON line per request
  // The calls' demo client (services/signaling/web): file name → content, served at
  // GET /demo/<name>; empty: not served.
  std::map<std::string, std::string, std::less<>> demo_files;
};

// Decides whether a request may go on (rate limits); answers with the refusal when not.
class Admission {
 public:
  virtual ~Admission() = default;
  // OK, or RESOURCE_EXHAUSTED with a retry delay. `subject` is empty for anonymous requests.
  virtual absl::Status Admit(const Route& route, absl::string_view subject,
                             absl::string_view client_address) = 0;
};

// The backend name of the APIs the gateway serves itself (package parta.gateway.v1).
inline constexpr absl::string_view kLocalBackend = "gateway";

// An API the gateway serves itself, reached through the same routes as any service.
class LocalBackend {
 public:
  virtual ~LocalBackend() = default;
  using Done = std::function<void(absl::StatusOr<std::unique_ptr<google::protobuf::Message>>)>;
  // Calls `done` once, from any thread. `subject` and `token` (the caller's verified access
  // token, for calls to other services on his behalf) are empty for anonymous callers.
  virtual void Call(const Route& route, std::unique_ptr<google::protobuf::Message> request,
                    const std::string& subject, const std::string& token, Done done) = 0;
};

class RestHandler final : public HttpHandler {
 public:
  // `admission` (no limits) and `local` (no local APIs) may be null. `ready` answers /readyz on
  // the I/O thread, so it must not block. Everything must outlive the handler.
  RestHandler(const RouteTable& routes, Backends& backends, LocalBackend* local,
              Authenticator& authenticator, Admission* admission, GatewayMetrics& metrics,
              RestOptions options, std::function<absl::Status()> ready,
              std::string openapi_document);
  ~RestHandler() override;

  void Handle(HttpRequest request, Responder respond) override;

  // Cancels the backend calls in flight and waits until each has answered its client.
  void Shutdown();

 private:
  // Adds `x-request-id` and CORS to `response`.
  void Decorate(const HttpRequest& request, absl::string_view request_id,
                HttpResponse& response) const;
  // The client's address seen through the trusted proxies.
  std::string ClientAddressOf(const HttpRequest& request) const;

  struct Exchange;
  void Forward(const std::shared_ptr<Exchange>& exchange);
  // The RPC's response as the route's JSON answer.
  void Answer(const std::shared_ptr<Exchange>& exchange, const google::protobuf::Message& response);
  void Fail(const std::shared_ptr<Exchange>& exchange, const absl::Status& status);
  void Finish(const std::shared_ptr<Exchange>& exchange, HttpResponse response);

  const RouteTable& routes_;
  Backends& backends_;
  LocalBackend* const local_;
  Authenticator& authenticator_;
  Admission* const admission_;
  GatewayMetrics& metrics_;
  const RestOptions options_;
  const CorsPolicy cors_;
  const std::function<absl::Status()> ready_;
  const std::string openapi_document_;

  absl::Mutex calls_mu_;
  absl::flat_hash_set<::grpc::ClientContext*> calls_ ABSL_GUARDED_BY(calls_mu_);
  bool stopping_ ABSL_GUARDED_BY(calls_mu_) = false;
};

// An HTTP answer for a status: the standard code, the JSON error body, `Retry-After` for
// RESOURCE_EXHAUSTED and UNAVAILABLE with a delay, `WWW-Authenticate` for 401. A non-zero
// `http_status` replaces the table's code (405, 413, 415, 431: HTTP-only errors).
HttpResponse ErrorResponse(const absl::Status& status, absl::string_view request_id,
                           int http_status = 0);

// A backend's gRPC status; one without a reason of its own gets one that says where it failed
// (BACKEND_UNAVAILABLE, BACKEND_TIMEOUT, CANCELLED).
absl::Status FromBackend(const ::grpc::Status& status);

}  // namespace parta::gateway
