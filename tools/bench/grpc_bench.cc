#include "tools/bench/grpc_bench.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/core/random.h"
#include "tools/bench/core/child.h"
#include "tools/bench/core/cpu.h"
#include "tools/bench/core/http_load.h"

namespace parta::bench {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "bench: %s\n", status.ToString().c_str());
  return 1;
}

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

absl::Status Check(const ::grpc::Status& status, const char* what) {
  if (status.ok()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(what, ": ", status.error_message()));
}

absl::Status RunCommand(const std::vector<std::string>& argv,
                        const std::map<std::string, std::string>& env) {
  pid_t pid = Spawn(argv, ChildEnvironment(env));
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(argv[0], " ", argv[1], " failed"));
}

std::string ValidNumber(int64_t prefix, int digits, bool (*valid)(absl::string_view)) {
  std::string base = absl::StrCat(prefix).substr(0, digits - 1);
  for (char digit = '0'; digit <= '9'; ++digit) {
    if (valid(base + digit)) return base + digit;
  }
  return "";
}

// A schema of its own for a server under test.
std::string NewSchema(const std::string& pg_uri) {
  std::string schema = "bench_" + absl::BytesToHexString(RandomBytes(6));
  pqxx::connection connection(pg_uri);
  pqxx::nontransaction(connection).exec("CREATE SCHEMA " + schema);
  return pg_uri + " options=-csearch_path=" + schema;
}

double ReadCounter(int port, const std::string& series) {
  int fd = ConnectFromLoopback(port, 0);
  if (fd < 0) return -1;
  std::string request = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string text;
  char buffer[65536];
  ssize_t n;
  while ((n = recv(fd, buffer, sizeof(buffer), 0)) > 0) text.append(buffer, n);
  close(fd);
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, series + " ")) {
      double value = 0;
      if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) return value;
    }
  }
  return -1;
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
