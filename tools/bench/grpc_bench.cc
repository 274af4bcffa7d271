#include "tools/bench/grpc_bench.h"

#include <cstdio>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/core/random.h"
#include "tools/bench/core/cpu.h"

namespace parta::bench {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "bench: %s\n", status.ToString().c_str());
  return 1;
}

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

// A schema of its own for a server under test.
std::string NewSchema(const std::string& pg_uri) {
  std::string schema = "bench_" + absl::BytesToHexString(RandomBytes(6));
  pqxx::connection connection(pg_uri);
  pqxx::nontransaction(connection).exec("CREATE SCHEMA " + schema);
  return pg_uri + " options=-csearch_path=" + schema;
}

std::shared_ptr<::grpc::Channel> Channel(int port) {
  ::grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return ::grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                     ::grpc::InsecureChannelCredentials(), arguments);
}

// Closed-loop throughput with the server's CPU per operation, then open-loop latency at `rate`;
// appends the run to `runs` and updates `row`.
void Measure(const std::string& scenario, const std::string& system, pid_t server,
             const AsyncOperation& operation, const Settings& settings, double rate,
             std::vector<double>& runs_out, Row& row) {
  absl::Duration cpu_before = ProcessCpu(server);
  LoadResult closed = RunClosedLoop(operation, kInFlight, settings.duration);
  absl::Duration cpu = ProcessCpu(server) - cpu_before;
  runs_out.push_back(closed.PerSecond());
  row.scenario = scenario;
  row.system = system;
  row.per_second = runs_out;
  if (closed.completed > 0) {
    row.cpu_us_per_op = absl::ToDoubleMicroseconds(cpu) / static_cast<double>(closed.completed);
  }
  if (rate > 0) {
    LoadResult open = RunOpenLoop(operation, rate, settings.duration, 10'000);
    row.p50_ms = Ms(open.latency.Percentile(0.5));
    row.p99_ms = Ms(open.latency.Percentile(0.99));
    if (open.failed + open.dropped > 0) {
      row.note = absl::StrCat(open.failed, " failed, ", open.dropped, " dropped at ", rate, "/s");
    }
  }
  if (closed.failed > 0) row.note += absl::StrCat(" ", closed.failed, " failed in closed loop");
}

}  // namespace parta::bench
