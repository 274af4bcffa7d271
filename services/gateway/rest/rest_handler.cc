#include "services/gateway/rest/rest_handler.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <cmath>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/message.h"
#include "libs/core/log.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/grpc/call.h"
#include "libs/grpc/status.h"
#include "services/gateway/rest/request_identity.h"
#include "services/gateway/transcoding/http_errors.h"
#include "services/gateway/transcoding/request_mapping.h"
#include "services/gateway/transcoding/response_mapping.h"

namespace parta::gateway {
namespace {

using google::protobuf::Message;
using google::protobuf::MessageFactory;

std::unique_ptr<Message> NewMessage(const google::protobuf::Descriptor* type) {
  return std::unique_ptr<Message>(MessageFactory::generated_factory()->GetPrototype(type)->New());
}

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

// A file of the calls' demo client: its own scripts, the gateway's API and media only.
HttpResponse DemoFileResponse(absl::string_view name, const std::string& content) {
  HttpResponse response;
  response.content_type = absl::EndsWith(name, ".js") ? "text/javascript; charset=utf-8"
                                                      : "text/html; charset=utf-8";
  response.body = content;
  response.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self' "
      "ws: wss:; media-src 'self' blob: mediastream:; frame-ancestors 'none'");
  return response;
}

}  // namespace

struct RestHandler::Exchange {
  HttpRequest request;
  Responder respond;
  absl::Time start;
  std::string request_id;
  std::string traceparent;
  std::string client_address;
  std::string token;
  std::string subject;
  const Route* route = nullptr;
  std::vector<PathBinding> bindings;
  std::string route_label;  // for metrics and logs: the template, never the raw path
};

// One backend call's buffers, alive until its callback has run.
struct BackendCall {
  ::grpc::ClientContext context;
  ::grpc::ByteBuffer request;
  ::grpc::ByteBuffer response;
};

absl::Status FromBackend(const ::grpc::Status& status) {
  absl::Status converted = grpc::FromGrpcStatus(status);
  if (!ReasonOf(converted).empty()) return converted;
  switch (converted.code()) {
    case absl::StatusCode::kUnavailable:
      return Unavailable("BACKEND_UNAVAILABLE", "the service is unavailable; try again");
    case absl::StatusCode::kDeadlineExceeded:
      return Error(absl::StatusCode::kDeadlineExceeded, "BACKEND_TIMEOUT",
                   "the service did not answer in time");
    case absl::StatusCode::kCancelled:
      return Error(absl::StatusCode::kCancelled, "CANCELLED", "the call was cancelled");
    default:
      return converted;
  }
}

HttpResponse ErrorResponse(const absl::Status& status, absl::string_view request_id,
                           int http_status) {
  if (http_status == 0) http_status = HttpStatusOf(status.code());
  HttpResponse response = JsonResponse(http_status, ErrorBody(http_status, status, request_id));
  std::optional<absl::Duration> retry = RetryAfterOf(status);
  if (!retry && http_status == 429) retry = absl::Seconds(1);
  if (retry) {
    const int64_t seconds =
        std::max<int64_t>(1, static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(*retry))));
    response.headers.emplace_back("Retry-After", std::to_string(seconds));
  }
  if (http_status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

RestHandler::RestHandler(const RouteTable& routes, Backends& backends, LocalBackend* local,
                         Authenticator& authenticator, Admission* admission,
                         GatewayMetrics& metrics, RestOptions options,
                         std::function<absl::Status()> ready, std::string openapi_document)
    : routes_(routes),
      backends_(backends),
      local_(local),
      authenticator_(authenticator),
      admission_(admission),
      metrics_(metrics),
      options_(std::move(options)),
      cors_(options_.cors_origins),
      ready_(std::move(ready)),
      openapi_document_(std::move(openapi_document)) {}

RestHandler::~RestHandler() { Shutdown(); }

std::string RestHandler::ClientAddressOf(const HttpRequest& request) const {
  return grpc::ClientAddress(request.peer_address, request.forwarded_for, options_.trusted_proxies);
}

void RestHandler::Handle(HttpRequest request, Responder respond) {
  auto exchange = std::make_shared<Exchange>();
  exchange->start = absl::Now();
  exchange->request_id =
      IsSaneRequestId(request.request_id) ? request.request_id : NewRequestId(exchange->start);
  exchange->traceparent =
      IsValidTraceparent(request.traceparent) ? request.traceparent : NewTraceparent();
  exchange->client_address = ClientAddressOf(request);
  exchange->request = std::move(request);
  exchange->respond = std::move(respond);
  const HttpRequest& http = exchange->request;
  const absl::string_view path = http.path();

  if (http.method == "OPTIONS") {
    exchange->route_label = "OPTIONS";
    HttpResponse response;
    response.status = 204;
    response.content_type.clear();
    cors_.DecoratePreflight(http.origin, "GET, POST, PUT, PATCH, DELETE, OPTIONS",
                            "authorization, content-type, x-request-id, traceparent", response);
    return Finish(exchange, std::move(response));
  }
  if (http.method == "GET" && path == "/healthz") {
    exchange->route_label = "GET /healthz";
    return Finish(exchange, JsonResponse(200, R"({"status":"ok"})"));
  }
  if (http.method == "GET" && path == "/readyz") {
    exchange->route_label = "GET /readyz";
    absl::Status ready = ready_ ? ready_() : absl::OkStatus();
    if (!ready.ok()) return Fail(exchange, ready);
    return Finish(exchange, JsonResponse(200, R"({"status":"ready"})"));
  }
  if (http.method == "GET" && path == "/v1/openapi.json" && !openapi_document_.empty()) {
    exchange->route_label = "GET /v1/openapi.json";
    return Finish(exchange, JsonResponse(200, openapi_document_));
  }

  if (http.method == "GET" && absl::StartsWith(path, "/demo/")) {
    auto file = options_.demo_files.find(path.substr(6));
    if (file != options_.demo_files.end()) {
      exchange->route_label = "GET /demo";
      return Finish(exchange, DemoFileResponse(file->first, file->second));
    }
  }

  RouteTable::Match match = routes_.Find(http.method, path);
  if (match.route == nullptr) {
    exchange->route_label = "unmatched";
    if (!match.allowed_methods.empty()) {
      HttpResponse response = ErrorResponse(
          InvalidArgument("METHOD_NOT_ALLOWED", absl::StrCat(http.method, " is not allowed here")),
          exchange->request_id, 405);
      response.headers.emplace_back("Allow", absl::StrJoin(match.allowed_methods, ", "));
      return Finish(exchange, std::move(response));
    }
    return Fail(exchange,
                NotFound("ROUTE_NOT_FOUND", absl::StrCat("no route for ", http.method, " ", path)));
  }
  exchange->route = match.route;
  exchange->bindings = std::move(match.bindings);
  exchange->route_label = absl::StrCat(match.route->http_method, " ", match.route->path.text());

  absl::StatusOr<std::optional<std::string>> token = BearerToken(http.authorization);
  if (!token.ok()) return Fail(exchange, token.status());
  if (!token->has_value()) {
    if (exchange->route->access == api::v1::ACCESS_USER) {
      return Fail(exchange, Unauthenticated("TOKEN_REQUIRED", "sign in first"));
    }
    return Forward(exchange);
  }
  exchange->token = **std::move(token);
  authenticator_.Authenticate(
      exchange->token, [this, exchange](absl::StatusOr<auth::Claims> claims) {
        if (!claims.ok()) return Fail(exchange, claims.status());
        if (exchange->route->access == api::v1::ACCESS_USER && claims->IsService()) {
          return Fail(exchange, PermissionDenied("USER_TOKEN_REQUIRED",
                                                 "this route acts for a signed-in person"));
        }
        exchange->subject = claims->subject;
        Forward(exchange);
      });
}

void RestHandler::Forward(const std::shared_ptr<Exchange>& exchange) {
  const Route& route = *exchange->route;
  if (admission_ != nullptr) {
    absl::Status admitted = admission_->Admit(route, exchange->subject, exchange->client_address);
    if (!admitted.ok()) return Fail(exchange, admitted);
  }
  if (!exchange->request.content_type.empty() && !exchange->request.body.empty() &&
      !absl::StartsWithIgnoreCase(exchange->request.content_type, "application/json")) {
    HttpResponse response = ErrorResponse(
        InvalidArgument("UNSUPPORTED_MEDIA_TYPE", "the body must be application/json"),
        exchange->request_id, 415);
    return Finish(exchange, std::move(response));
  }

  std::unique_ptr<Message> request = NewMessage(route.method->input_type());
  absl::Status mapped = MapRequest(route, exchange->bindings, exchange->request.query(),
                                   exchange->request.body, *request);
  if (!mapped.ok()) return Fail(exchange, mapped);
  exchange->request.body.clear();
  if (route.backend == kLocalBackend && local_ != nullptr) {
    local_->Call(route, std::move(request), exchange->subject, exchange->token,
                 [this, exchange](absl::StatusOr<std::unique_ptr<Message>> response) {
                   if (!response.ok()) return Fail(exchange, response.status());
                   Answer(exchange, **response);
                 });
    return;
  }
  ::grpc::GenericStub* stub = backends_.Stub(route.backend);
  if (stub == nullptr) {
    return Fail(exchange,
                Unavailable("BACKEND_UNAVAILABLE",
                            absl::StrCat("the ", route.backend, " service is not configured")));
  }
  std::string bytes;
  request->SerializeToString(&bytes);

  auto call = std::make_shared<BackendCall>();
  ::grpc::Slice slice(std::move(bytes));
  call->request = ::grpc::ByteBuffer(&slice, 1);
  call->context.set_deadline(std::chrono::system_clock::now() +
                             absl::ToChronoMilliseconds(options_.backend_timeout));
  if (!exchange->token.empty()) {
    call->context.AddMetadata("authorization", absl::StrCat("Bearer ", exchange->token));
  }
  call->context.AddMetadata("x-request-id", exchange->request_id);
  call->context.AddMetadata("traceparent", exchange->traceparent);
  call->context.AddMetadata("x-forwarded-for", exchange->client_address);
  {
    absl::MutexLock lock(&calls_mu_);
    if (stopping_) {
      return Fail(exchange, Unavailable("SHUTTING_DOWN", "the gateway is shutting down"));
    }
    calls_.insert(&call->context);
  }
  stub->UnaryCall(
      &call->context, route.grpc_method, ::grpc::StubOptions(), &call->request, &call->response,
      [this, exchange, call](::grpc::Status status) {
        {
          absl::MutexLock lock(&calls_mu_);
          calls_.erase(&call->context);
        }
        if (!status.ok()) return Fail(exchange, FromBackend(status));
        std::unique_ptr<Message> response = NewMessage(exchange->route->method->output_type());
        ::grpc::ProtoBufferReader reader(&call->response);
        if (!response->ParseFromZeroCopyStream(&reader)) {
          return Fail(exchange,
                      Internal("BAD_BACKEND_RESPONSE", "the service's answer cannot be read"));
        }
        Answer(exchange, *response);
      });
}

void RestHandler::Answer(const std::shared_ptr<Exchange>& exchange, const Message& response) {
  if (IsRawBody(*response.GetDescriptor())) return Finish(exchange, RawBodyResponse(response));
  absl::StatusOr<std::string> json = MapResponse(*exchange->route, response);
  if (!json.ok()) return Fail(exchange, json.status());
  Finish(exchange, JsonResponse(200, *std::move(json)));
}

void RestHandler::Fail(const std::shared_ptr<Exchange>& exchange, const absl::Status& status) {
  Finish(exchange, ErrorResponse(status, exchange->request_id));
}

void RestHandler::Decorate(const HttpRequest& request, absl::string_view request_id,
                           HttpResponse& response) const {
  // The security headers are the server's: it adds them to every answer.
  response.headers.emplace_back("x-request-id", std::string(request_id));
  cors_.Decorate(request.origin, response);
}

void RestHandler::Finish(const std::shared_ptr<Exchange>& exchange, HttpResponse response) {
  Decorate(exchange->request, exchange->request_id, response);
  const absl::Duration latency = absl::Now() - exchange->start;
  metrics_.CountRequest(exchange->route_label, response.status, latency);
  if (options_.access_log) {
    // The path, never the query string (it could carry secrets); the subject, never the token.
    log::Info("http")
        .With("method", exchange->request.method)
        .With("path", exchange->request.path())
        .With("route", exchange->route_label)
        .With("status", response.status)
        .With("ms", absl::ToDoubleMilliseconds(latency))
        .With("request_id", exchange->request_id)
        .With("client", exchange->client_address)
        .With("user", exchange->subject);
  }
  Responder respond = std::move(exchange->respond);
  respond(std::move(response));
}

void RestHandler::Shutdown() {
  absl::MutexLock lock(&calls_mu_);
  stopping_ = true;
  for (::grpc::ClientContext* context : calls_) context->TryCancel();
  calls_mu_.Await(absl::Condition(
      +[](absl::flat_hash_set<::grpc::ClientContext*>* calls) { return calls->empty(); }, &calls_));
}

}  // namespace parta::gateway
