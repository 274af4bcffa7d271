#pragma once

// What the gRPC benchmarks share: channels, calls in flight, a schema per server under test,
// and the measurement of one system (closed-loop peak with CPU per call, open-loop latency).

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tools/bench/core/load.h"
#include "tools/bench/core/report.h"
#include "tools/bench/scenarios.h"

namespace parta::bench {

inline constexpr int kInFlight = 32;  // as the published reference figures of the bare echo

// Prints the error; returns 1 (a failed benchmark).
int Fail(const absl::Status& status);
double Ms(absl::Duration d);

// OK for an OK call; otherwise INTERNAL naming `what` and the call's message.
absl::Status Check(const ::grpc::Status& status, const char* what);
// Runs a one-off command (a service binary's `migrate`, `create-operator`…) with `env` added to
// this process's environment; an error unless it exits 0.
absl::Status RunCommand(const std::vector<std::string>& argv,
                        const std::map<std::string, std::string>& env);
// The number of `digits` digits starting with `prefix`'s that `valid` accepts (a check digit
// made to fit: INNs and OGRNs of test schools); empty when none does.
std::string ValidNumber(int64_t prefix, int digits, bool (*valid)(absl::string_view));

// A schema of its own for a server under test: `pg_uri` with its search_path.
std::string NewSchema(const std::string& pg_uri);

// The value of a series `name{labels} value` on a server's metrics endpoint; -1 if absent.
double ReadCounter(int port, const std::string& series);

// A channel of its own (not shared with other stubs) to 127.0.0.1:`port`.
std::shared_ptr<::grpc::Channel> Channel(int port);

// One asynchronous call's state.
template <typename Request, typename Response>
struct Call {
  ::grpc::ClientContext context;
  Request request;
  Response response;
};

// Closed-loop throughput with the server's CPU per operation, then open-loop latency at `rate`;
// appends the run to `runs` and updates `row`.
void Measure(const std::string& scenario, const std::string& system, pid_t server,
             const AsyncOperation& operation, const Settings& settings, double rate,
             std::vector<double>& runs_out, Row& row);

}  // namespace parta::bench
