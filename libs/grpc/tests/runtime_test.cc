#include <catch2/catch.hpp>

#include <prometheus/registry.h>

#include <set>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "libs/auth/token.h"
#include "libs/auth/token_verifier.h"
#include "libs/core/executor.h"
#include "libs/core/status.h"
#include "libs/grpc/call.h"
#include "libs/grpc/client.h"
#include "libs/grpc/server.h"
#include "libs/grpc/status.h"
#include "parta/testing/v1/echo.grpc.pb.h"

namespace parta::grpc {
namespace {

namespace v1 = parta::testing::v1;

// What the handlers of CollectEcho saw, for the tests to wait on.
struct StreamLog {
  absl::Mutex mu;
  int handled ABSL_GUARDED_BY(mu) = 0;  // OnMessage calls
  int ended ABSL_GUARDED_BY(mu) = 0;    // OnEnd calls
  std::set<std::thread::id> threads ABSL_GUARDED_BY(mu);
  std::optional<std::string> abandoned ABSL_GUARDED_BY(mu);  // what OnAbandoned had joined

  void Ran() {
    absl::MutexLock lock(&mu);
    threads.insert(std::this_thread::get_id());
  }
  // Waits, at most 10 s, until `done` holds (it runs under `mu`).
  bool Await(const std::function<bool()>& done) {
    absl::MutexLock lock(&mu);
    return mu.AwaitWithTimeout(absl::Condition(&done), absl::Seconds(10));
  }
};

// Joins a stream's payloads in order; "fail" fails the call.
class Collector final : public ClientStreamHandler<v1::CollectEchoRequest, v1::EchoResponse> {
 public:
  explicit Collector(StreamLog& log) : log_(log) {}

  absl::Status OnMessage(const CallContext&, const v1::CollectEchoRequest& message) override {
    log_.Ran();
    {
      absl::MutexLock lock(&log_.mu);
      ++log_.handled;
    }
    if (message.payload() == "fail") return FailedPrecondition("FAIL_ASKED", "asked to fail");
    joined_ += message.payload();
    return absl::OkStatus();
  }
  absl::Status OnEnd(const CallContext& call, v1::EchoResponse& response) override {
    log_.Ran();
    absl::MutexLock lock(&log_.mu);
    ++log_.ended;
    response.set_payload(joined_);
    response.set_caller(call.caller->subject);
    return absl::OkStatus();
  }
  void OnAbandoned(const CallContext&) override {
    log_.Ran();
    absl::MutexLock lock(&log_.mu);
    log_.abandoned = joined_;
  }

 private:
  StreamLog& log_;
  std::string joined_;
};

class Echo final : public v1::EchoService::CallbackService {
 private:
  template <typename Request>
  std::function<absl::Status(const CallContext&, const Request&, v1::EchoResponse&)> Handler() {
    return [this](const CallContext& call, const Request& request, v1::EchoResponse& response) {
      if (block != nullptr) block->WaitForNotification();
      response.set_payload(request.payload());
      response.set_caller(call.caller ? call.caller->subject : "");
      return absl::OkStatus();
    };
  }

 public:
  explicit Echo(RpcRuntime& runtime) : runtime_(runtime) {}
  ::grpc::ServerUnaryReactor* PublicEcho(::grpc::CallbackServerContext* context,
                                         const v1::PublicEchoRequest* request,
                                         v1::EchoResponse* response) override {
    return runtime_.Serve(context, request, response, Handler<v1::PublicEchoRequest>());
  }
  ::grpc::ServerUnaryReactor* UserEcho(::grpc::CallbackServerContext* context,
                                       const v1::UserEchoRequest* request,
                                       v1::EchoResponse* response) override {
    // Non-blocking: runs inline once the token is in the verifier's cache.
    return runtime_.ServeNonBlocking(context, request, response, Handler<v1::UserEchoRequest>());
  }
  ::grpc::ServerUnaryReactor* InternalEcho(::grpc::CallbackServerContext* context,
                                           const v1::InternalEchoRequest* request,
                                           v1::EchoResponse* response) override {
    return runtime_.Serve(context, request, response, Handler<v1::InternalEchoRequest>());
  }
  ::grpc::ServerReadReactor<v1::CollectEchoRequest>* CollectEcho(
      ::grpc::CallbackServerContext* context, v1::EchoResponse* response) override {
    return runtime_.ServeClientStream(context, response, std::make_unique<Collector>(streams));
  }

  absl::Notification* block = nullptr;  // when set, handlers wait for it
  StreamLog streams;

 private:
  RpcRuntime& runtime_;
};

struct Keys final : auth::KeySource {
  auth::KeySet keys;
  absl::StatusOr<auth::KeySet> FetchKeys() override { return keys; }
};

struct Fixture {
  SystemClock clock;
  auth::Ed25519PrivateKey key = auth::Ed25519PrivateKey::Generate();
  Keys keys;
  std::unique_ptr<auth::TokenVerifier> verifier;
  BoundedExecutor executor{"test-rpc", 1, 1};
  std::unique_ptr<RpcRuntime> runtime;
  std::unique_ptr<Echo> service;
  std::unique_ptr<Server> server;
  std::unique_ptr<v1::EchoService::Stub> stub;

  Fixture() {
    keys.keys.emplace("k", key.PublicKey());
    verifier = std::make_unique<auth::TokenVerifier>(
        keys, nullptr, clock, auth::TokenVerifier::Options{.verify = {.issuer = "i", .audience = "a"}});
    runtime = std::make_unique<RpcRuntime>(
        executor, *verifier,
        RpcRuntime::Options{.error_domain = "testing.parta",
                            .services = {"parta.testing.v1.EchoService"}});
    service = std::make_unique<Echo>(*runtime);
    server = *Server::Start({}, {service.get()}, std::make_shared<prometheus::Registry>());
    stub = v1::EchoService::NewStub(MakeChannel("127.0.0.1:" + std::to_string(server->port())));
  }
  ~Fixture() {
    server->Shutdown(absl::Seconds(1));
    executor.Stop();
  }

  std::string Token(bool service_token, std::vector<std::string> scopes = {}) {
    absl::Time now = clock.Now();
    auth::Claims claims{.issuer = "i", .audience = "a", .subject = "someone",
                        .token_id = "t", .issued_at = now, .not_before = now,
                        .expires_at = now + absl::Minutes(5), .scopes = std::move(scopes)};
    (service_token ? claims.client_id : claims.session_id) = "x";
    return auth::SignToken(key, "k", claims);
  }

  template <typename Request, typename Method>
  ::grpc::Status Call(Method method, const std::string& token, v1::EchoResponse* response) {
    auto context = MakeClientContext({.timeout = absl::Seconds(5), .bearer_token = token});
    Request request;
    request.set_payload("привет");
    return ((*stub).*method)(context.get(), request, response);
  }
};

std::string Reason(const ::grpc::Status& status) { return parta::ReasonOf(FromGrpcStatus(status)); }

TEST_CASE("The access option decides which token an RPC needs", "[grpc][api]") {
  Fixture f;
  v1::EchoResponse response;
  using S = v1::EchoService::Stub;
  auto pub = &S::PublicEcho;
  auto user = &S::UserEcho;
  auto internal = &S::InternalEcho;

  REQUIRE(f.Call<v1::PublicEchoRequest>(pub, "", &response).ok());
  CHECK(response.payload() == "привет");
  CHECK(response.caller().empty());
  REQUIRE(f.Call<v1::PublicEchoRequest>(pub, f.Token(false), &response).ok());
  CHECK(response.caller() == "someone");

  CHECK(Reason(f.Call<v1::UserEchoRequest>(user, "", &response)) == "TOKEN_REQUIRED");
  REQUIRE(f.Call<v1::UserEchoRequest>(user, f.Token(false), &response).ok());
  REQUIRE(f.Call<v1::UserEchoRequest>(user, f.Token(false), &response).ok());  // inline, cached
  CHECK(response.caller() == "someone");
  CHECK(Reason(f.Call<v1::UserEchoRequest>(user, "Bearer-less", &response)) == "MALFORMED_TOKEN");
  ::grpc::Status service_as_user =
      f.Call<v1::UserEchoRequest>(user, f.Token(true, {"parta.internal"}), &response);
  CHECK(service_as_user.error_code() == ::grpc::StatusCode::PERMISSION_DENIED);
  CHECK(Reason(service_as_user) == "USER_TOKEN_REQUIRED");

  ::grpc::Status user_on_internal =
      f.Call<v1::InternalEchoRequest>(internal, f.Token(false), &response);
  CHECK(user_on_internal.error_code() == ::grpc::StatusCode::PERMISSION_DENIED);
  CHECK(Reason(user_on_internal) == "INTERNAL_ONLY");
  // A service token needs the scope the RPC declares (testing.echo); the legacy parta.internal
  // holds every scope.
  ::grpc::Status unscoped = f.Call<v1::InternalEchoRequest>(internal, f.Token(true), &response);
  CHECK(unscoped.error_code() == ::grpc::StatusCode::PERMISSION_DENIED);
  CHECK(Reason(unscoped) == "MISSING_SCOPE");
  CHECK(Reason(f.Call<v1::InternalEchoRequest>(
            internal, f.Token(true, {"directory.events.read"}), &response)) == "MISSING_SCOPE");
  CHECK(Reason(f.Call<v1::InternalEchoRequest>(internal, "", &response)) == "TOKEN_REQUIRED");
  CHECK(f.Call<v1::InternalEchoRequest>(internal, f.Token(true, {"testing.echo"}), &response)
            .ok());
  CHECK(f.Call<v1::InternalEchoRequest>(internal, f.Token(true, {"parta.internal"}), &response)
            .ok());
}

TEST_CASE("A full executor answers RESOURCE_EXHAUSTED at once instead of queueing without bound",
          "[grpc][api]") {
  Fixture f;  // one worker, one queued call
  absl::Notification release;
  f.service->block = &release;
  using S = v1::EchoService::Stub;
  std::vector<std::thread> callers;
  std::atomic<int> busy{0}, served{0};
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&] {
      v1::EchoResponse response;
      ::grpc::Status status = f.Call<v1::PublicEchoRequest>(&S::PublicEcho, "", &response);
      if (Reason(status) == "SERVER_BUSY") busy.fetch_add(1);
      if (status.ok()) served.fetch_add(1);
    });
  }
  // At most two calls fit (one running, one queued); the others are refused at once, while
  // the worker is still blocked.
  for (int i = 0; i < 500 && busy.load() < 2; ++i) absl::SleepFor(absl::Milliseconds(10));
  CHECK(busy.load() >= 2);
  release.Notify();
  for (std::thread& caller : callers) caller.join();
  CHECK(served.load() + busy.load() == 4);
  CHECK(served.load() >= 1);
  f.service->block = nullptr;
}

// The one thread of the fixture's executor.
std::thread::id ExecutorThread(Fixture& f) {
  std::thread::id id;
  absl::Notification ran;
  REQUIRE(f.executor.TrySubmit([&] {
    id = std::this_thread::get_id();
    ran.Notify();
  }));
  ran.WaitForNotification();
  return id;
}

v1::CollectEchoRequest Piece(const std::string& payload) {
  v1::CollectEchoRequest piece;
  piece.set_payload(payload);
  return piece;
}

TEST_CASE("A client stream is admitted like a unary call and handled in order on the executor",
          "[grpc][api]") {
  Fixture f;
  const std::thread::id executor_thread = ExecutorThread(f);

  SECTION("without a token nothing is read") {
    auto context = MakeClientContext({.timeout = absl::Seconds(5)});
    v1::EchoResponse response;
    auto writer = f.stub->CollectEcho(context.get(), &response);
    writer->Write(Piece("a"));  // may fail once the server has answered
    writer->WritesDone();
    const ::grpc::Status status = writer->Finish();
    CHECK(status.error_code() == ::grpc::StatusCode::UNAUTHENTICATED);
    CHECK(Reason(status) == "TOKEN_REQUIRED");
    absl::MutexLock lock(&f.service->streams.mu);
    CHECK(f.service->streams.handled == 0);
  }

  SECTION("a service token is refused as for UserEcho") {
    auto context = MakeClientContext(
        {.timeout = absl::Seconds(5), .bearer_token = f.Token(true, {"parta.internal"})});
    v1::EchoResponse response;
    auto writer = f.stub->CollectEcho(context.get(), &response);
    writer->WritesDone();
    const ::grpc::Status status = writer->Finish();
    CHECK(status.error_code() == ::grpc::StatusCode::PERMISSION_DENIED);
    CHECK(Reason(status) == "USER_TOKEN_REQUIRED");
  }

  SECTION("a person's stream is joined in order") {
    const std::string token = f.Token(false);
    auto context = MakeClientContext(
        {.timeout = absl::Seconds(5), .bearer_token = token, .request_id = "stream-1"});
    v1::EchoResponse response;
    auto writer = f.stub->CollectEcho(context.get(), &response);
    std::string expected;
    for (int i = 0; i < 50; ++i) {
      REQUIRE(writer->Write(Piece(std::to_string(i) + ",")));
      expected += std::to_string(i) + ",";
    }
    writer->WritesDone();
    const ::grpc::Status status = writer->Finish();
    INFO(status.error_message());
    REQUIRE(status.ok());
    CHECK(response.payload() == expected);
    CHECK(response.caller() == "someone");
    // The request id travels back as for unary calls.
    auto echoed = context->GetServerInitialMetadata().find("x-request-id");
    REQUIRE(echoed != context->GetServerInitialMetadata().end());
    CHECK(std::string(echoed->second.data(), echoed->second.size()) == "stream-1");
    absl::MutexLock lock(&f.service->streams.mu);
    CHECK(f.service->streams.handled == 50);
    CHECK(f.service->streams.ended == 1);
    // Every step ran on the executor, never on gRPC's threads.
    CHECK(f.service->streams.threads == std::set<std::thread::id>{executor_thread});
  }
}

TEST_CASE("A client stream's handler error ends the call with its reason and nothing more is read",
          "[grpc][api]") {
  Fixture f;
  auto context = MakeClientContext({.timeout = absl::Seconds(5), .bearer_token = f.Token(false)});
  v1::EchoResponse response;
  auto writer = f.stub->CollectEcho(context.get(), &response);
  REQUIRE(writer->Write(Piece("a")));
  REQUIRE(writer->Write(Piece("fail")));
  writer->Write(Piece("b"));  // the server may have answered already
  writer->WritesDone();
  const ::grpc::Status status = writer->Finish();
  CHECK(status.error_code() == ::grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(Reason(status) == "FAIL_ASKED");
  absl::MutexLock lock(&f.service->streams.mu);
  CHECK(f.service->streams.handled == 2);
  CHECK(f.service->streams.ended == 0);
  CHECK_FALSE(f.service->streams.abandoned.has_value());
}

TEST_CASE("A client stream cancelled midway lets its handler keep what arrived", "[grpc][api]") {
  Fixture f;
  StreamLog& log = f.service->streams;
  auto context = MakeClientContext({.timeout = absl::Seconds(5), .bearer_token = f.Token(false)});
  v1::EchoResponse response;
  auto writer = f.stub->CollectEcho(context.get(), &response);
  REQUIRE(writer->Write(Piece("a")));
  REQUIRE(writer->Write(Piece("b")));
  REQUIRE(log.Await([&] { return log.handled == 2; }));
  context->TryCancel();
  CHECK(writer->Finish().error_code() == ::grpc::StatusCode::CANCELLED);
  REQUIRE(log.Await([&] { return log.abandoned.has_value(); }));
  absl::MutexLock lock(&log.mu);
  CHECK(*log.abandoned == "ab");
  CHECK(log.ended == 0);
}

TEST_CASE("A client stream meeting a full executor ends SERVER_BUSY instead of waiting",
          "[grpc][api]") {
  Fixture f;  // one worker, one queued task
  StreamLog& log = f.service->streams;
  auto context = MakeClientContext({.timeout = absl::Seconds(5), .bearer_token = f.Token(false)});
  v1::EchoResponse response;
  auto writer = f.stub->CollectEcho(context.get(), &response);
  REQUIRE(writer->Write(Piece("a")));
  REQUIRE(log.Await([&] { return log.handled == 1; }));

  // The worker blocks and the one queue slot is taken.
  absl::Notification started, release;
  REQUIRE(f.executor.TrySubmit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();
  REQUIRE(f.executor.TrySubmit([] {}));

  writer->Write(Piece("b"));
  writer->WritesDone();
  const ::grpc::Status status = writer->Finish();
  release.Notify();
  CHECK(status.error_code() == ::grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(Reason(status) == "SERVER_BUSY");
  absl::MutexLock lock(&log.mu);
  CHECK(log.handled == 1);
}

}  // namespace
}  // namespace parta::grpc
