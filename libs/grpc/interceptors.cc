#include "libs/grpc/interceptors.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <string>

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

std::string CodeName(::grpc::StatusCode code) {
  int index = static_cast<int>(code);
  if (index < 0 || index > 16) return "UNKNOWN";
  return kCodeNames[index];
}

struct Families {
  prometheus::Family<prometheus::Counter>& handled;
  prometheus::Family<prometheus::Histogram>& seconds;
};

class ObservabilityInterceptor final : public gx::Interceptor {
 public:
  ObservabilityInterceptor(gx::ServerRpcInfo* info, Families& families)
      : families_(families), start_(std::chrono::steady_clock::now()) {
    absl::string_view method = info->method();  // "/package.Service/Method"
    size_t slash = method.rfind('/');
    service_ = std::string(method.substr(1, slash - 1));
    method_ = std::string(method.substr(slash + 1));
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
    std::string code = CodeName(status.error_code());
    families_.handled
        .Add({{"grpc_service", service_}, {"grpc_method", method_}, {"grpc_code", code}})
        .Increment();
    families_.seconds
        .Add({{"grpc_service", service_}, {"grpc_method", method_}},
             prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05, 0.1, 0.25, 0.5, 1, 2.5, 5})
        .Observe(seconds);
    if (service_ == "grpc.health.v1.Health") return;  // probes would drown the log
    log::Info("rpc")
        .With("service", service_)
        .With("method", method_)
        .With("code", code)
        .With("duration_ms", seconds * 1000)
        .With("request_id", request_id_);
  }

  Families& families_;
  std::chrono::steady_clock::time_point start_;
  std::string service_;
  std::string method_;
  std::string request_id_;
};

class ObservabilityFactory final : public gx::ServerInterceptorFactoryInterface {
 public:
  explicit ObservabilityFactory(std::shared_ptr<prometheus::Registry> registry)
      : registry_(std::move(registry)),
        families_{prometheus::BuildCounter()
                      .Name("grpc_server_handled_total")
                      .Help("RPCs completed on the server, by code")
                      .Register(*registry_),
                  prometheus::BuildHistogram()
                      .Name("grpc_server_handling_seconds")
                      .Help("Time from the start of an RPC to its status")
                      .Register(*registry_)} {}

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
