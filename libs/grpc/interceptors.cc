#include "libs/grpc/interceptors.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <chrono>
#include <string>

#include "absl/container/node_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "libs/core/log.h"

namespace parta::grpc {
namespace {

namespace gx = ::grpc::experimental;

constexpr const char* kCodeNames[] = {
    "OK",           "CANCELLED",        "UNKNOWN",           "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED", "NOT_FOUND",   "ALREADY_EXISTS",    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",  "OUT_OF_RANGE",
    "UNIMPLEMENTED", "INTERNAL",        "UNAVAILABLE",       "DATA_LOSS",
    "UNAUTHENTICATED"};

// Calls slower than this are logged at info level even when they succeed.
constexpr double kSlowCallSeconds = 1.0;

// The metrics of one method, resolved once: the families' label lookups stay off the hot path.
struct MethodMetrics {
  prometheus::Histogram* seconds = nullptr;
  std::array<prometheus::Counter*, 17> handled{};  // by status code
};

class Families {
 public:
  explicit Families(prometheus::Registry& registry)
      : handled_(prometheus::BuildCounter()
                     .Name("grpc_server_handled_total")
                     .Help("RPCs completed on the server, by code")
                     .Register(registry)),
        seconds_(prometheus::BuildHistogram()
                     .Name("grpc_server_handling_seconds")
                     .Help("Time from the start of an RPC to its status")
                     .Register(registry)) {}

  // Stable for the life of the process.
  MethodMetrics& For(const std::string& service, const std::string& method) {
    std::string key = service + "/" + method;
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = methods_.try_emplace(key);
    MethodMetrics& metrics = it->second;
    if (inserted) {
      metrics.seconds = &seconds_.Add(
          {{"grpc_service", service}, {"grpc_method", method}},
          prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                  0.1, 0.25, 0.5, 1, 2.5, 5});
      for (int code = 0; code < 17; ++code) {
        metrics.handled[code] = &handled_.Add({{"grpc_service", service},
                                               {"grpc_method", method},
                                               {"grpc_code", kCodeNames[code]}});
      }
    }
    return metrics;
  }

 private:
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& seconds_;
  absl::Mutex mu_;
  // node_hash_map: references to values stay valid as it grows.
  absl::node_hash_map<std::string, MethodMetrics> methods_ ABSL_GUARDED_BY(mu_);
};

class ObservabilityInterceptor final : public gx::Interceptor {
 public:
  ObservabilityInterceptor(gx::ServerRpcInfo* info, Families& families)
      : start_(std::chrono::steady_clock::now()) {
    absl::string_view method = info->method();  // "/package.Service/Method"
    size_t slash = method.rfind('/');
    service_ = std::string(method.substr(1, slash - 1));
    method_ = std::string(method.substr(slash + 1));
    metrics_ = &families.For(service_, method_);
  }

  void Intercept(gx::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(gx::InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* metadata = methods->GetRecvInitialMetadata();
      auto it = metadata->find("x-request-id");
      if (it != metadata->end()) request_id_.assign(it->second.data(), it->second.size());
    }
    if (methods->QueryInterceptionHookPoint(gx::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      auto* metadata = methods->GetSendInitialMetadata();
      auto it = metadata->find("x-request-id");
      if (it != metadata->end()) request_id_ = it->second;
    }
    if (methods->QueryInterceptionHookPoint(gx::InterceptionHookPoints::PRE_SEND_STATUS)) {
      Record(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void Record(const ::grpc::Status& status) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    int code = static_cast<int>(status.error_code());
    if (code < 0 || code > 16) code = static_cast<int>(::grpc::StatusCode::UNKNOWN);
    metrics_->handled[code]->Increment();
    metrics_->seconds->Observe(seconds);
    if (service_ == "grpc.health.v1.Health") return;  // probes would drown the log
    // Failures and slow calls are logged; every call only at debug level (the gateway keeps
    // the access log of client requests).
    bool notable = code != 0 || seconds >= kSlowCallSeconds;
    log::Line(notable ? log::Level::kInfo : log::Level::kDebug, "rpc")
        .With("service", service_)
        .With("method", method_)
        .With("code", kCodeNames[code])
        .With("duration_ms", seconds * 1000)
        .With("request_id", request_id_);
  }

  MethodMetrics* metrics_;
  std::chrono::steady_clock::time_point start_;
  std::string service_;
  std::string method_;
  std::string request_id_;
};

class ObservabilityFactory final : public gx::ServerInterceptorFactoryInterface {
 public:
  explicit ObservabilityFactory(std::shared_ptr<prometheus::Registry> registry)
      : registry_(std::move(registry)),
        families_(*registry_) {}

  gx::Interceptor* CreateServerInterceptor(gx::ServerRpcInfo* info) override {
    return new ObservabilityInterceptor(info, families_);
  }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  Families families_;
};

}  // namespace

std::unique_ptr<gx::ServerInterceptorFactoryInterface> MakeObservabilityInterceptorFactory(
    std::shared_ptr<prometheus::Registry> registry) {
  return std::make_unique<ObservabilityFactory>(std::move(registry));
}

}  // namespace parta::grpc
