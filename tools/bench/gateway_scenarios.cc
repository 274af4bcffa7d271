// The gateway's benchmarks (BENCH.md S6, S4b and memory), each beside its reference in one run:
// `/healthz` against nginx `return 200`; an authenticated GET of the caller's profile against
// the limit of its hops (nginx, a bare gRPC echo and a one-row Postgres select) with a p99 from
// the open loop; and the gateway's memory per idle authenticated WebSocket.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "libs/core/random.h"
#include "parta/testing/v1/echo.grpc.pb.h"
#include "tools/bench/core/child.h"
#include "tools/bench/core/cpu.h"
#include "tools/bench/core/http_load.h"
#include "tools/bench/core/load.h"
#include "tools/bench/core/report.h"
#include "tools/bench/nginx_process.h"
#include "tools/bench/scenarios.h"

namespace parta::bench {
namespace {

namespace testing_v1 = parta::testing::v1;

constexpr int kConnections = 32;

int Fail(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  return 1;
}

std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             absl::StrCat("parta-bench-", name, "-", absl::BytesToHexString(RandomBytes(4)));
  std::filesystem::create_directories(dir);
  return dir.string();
}

struct WrkResult {
  double per_second = 0;
  double p99_ms = 0;
};

// wrk, one thread, 32 connections (closed loop: peak throughput only).
WrkResult RunWrk(int port, const std::string& path, absl::Duration duration,
                 const std::string& script = "") {
  std::string command = absl::StrCat("wrk -t1 -c", kConnections, " -d",
                                     absl::ToInt64Seconds(duration), "s --latency ");
  if (!script.empty()) absl::StrAppend(&command, "-s ", script, " ");
  absl::StrAppend(&command, "http://127.0.0.1:", port, path, " 2>&1");
  std::string output;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
    pclose(pipe);
  }
  WrkResult result;
  std::smatch match;
  if (std::regex_search(output, match, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) {
    (void)absl::SimpleAtod(match[1].str(), &result.per_second);
  }
  if (std::regex_search(output, match, std::regex(R"(99%\s+([0-9.]+)(us|ms|s))"))) {
    double value = 0;
    (void)absl::SimpleAtod(match[1].str(), &value);
    result.p99_ms = match[2] == "us" ? value / 1000 : match[2] == "s" ? value * 1000 : value;
  }
  if (std::regex_search(output, match, std::regex(R"(Non-2xx or 3xx responses:\s+([0-9]+))"))) {
    std::fprintf(stderr, "bench: wrk saw %s non-2xx answers on %s\n", match[1].str().c_str(),
                 path.c_str());
  }
  return result;
}

// Opens `count` WebSockets authenticated in the subprotocol; the sockets that got 101.
std::vector<int> OpenSockets(int port, int count, const std::vector<std::string>& tokens) {
  std::vector<int> sockets;
  for (int i = 0; i < count; ++i) {
    const int fd = ConnectFromLoopback(port, i);
    if (fd < 0) continue;
    const std::string upgrade = absl::StrCat(
        "GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: parta.v1, bearer.",
        tokens[static_cast<size_t>(i) % tokens.size()], "\r\n\r\n");
    if (send(fd, upgrade.data(), upgrade.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(upgrade.size())) {
      close(fd);
      continue;
    }
    std::string answer;
    char buffer[1024];
    while (answer.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      answer.append(buffer, static_cast<size_t>(n));
    }
    if (answer.rfind("HTTP/1.1 101", 0) == 0) {
      sockets.push_back(fd);
    } else {
      close(fd);
    }
  }
  return sockets;
}

}  // namespace

int BenchGateway(const Settings& settings) {
  Report report("S6/S4b gateway: HTTP ceiling, authenticated GET, idle WebSockets");
  RaiseOpenFileLimit();

  std::unique_ptr<NginxProcess> nginx = NginxProcess::Start(
      "location / { default_type application/json; return 200 '{\"status\":\"ok\"}'; }");
  if (!nginx) return Fail("nginx did not start (tools/parta bench installs it)");
  absl::StatusOr<Child> identity = StartIdentityForBench(settings);
  if (!identity.ok()) return Fail(identity.status().ToString());
  absl::StatusOr<Child> gateway = Child::Start(
      {settings.gateway_binary},
      {{"PARTA_IDENTITY_ADDR", absl::StrCat("127.0.0.1:", identity->port())},
       {"PARTA_REDIS_URI", settings.redis_uri},
       {"PARTA_HTTP_LISTEN", "127.0.0.1:0"},
       {"PARTA_METRICS_LISTEN", "127.0.0.1:0"},
       {"PARTA_ACCESS_LOG", "false"},
       {"PARTA_RATE_LIMITS_ENABLED", "false"},
       {"PARTA_LOG_LEVEL", "warning"}},
      "PARTA_HTTP_PORT_FILE");
  if (!gateway.ok()) return Fail(gateway.status().ToString());
  absl::StatusOr<Child> echo = Child::Start({settings.self, "serve-bare-echo"}, {});
  if (!echo.ok()) return Fail(echo.status().ToString());

  // 1,000 users with their own sessions: every request carries another user's token.
  const int users = settings.quick ? 200 : 1000;
  absl::StatusOr<std::vector<std::string>> signed_up = SignUpUsers(identity->port(), users);
  if (!signed_up.ok()) return Fail(signed_up.status().ToString());
  const std::vector<std::string>& tokens = *signed_up;
  const std::string work = TempDir("wrk");
  const std::string tokens_file = work + "/tokens.txt";
  {
    std::ofstream out(tokens_file);
    for (const std::string& token : tokens) out << token << "\n";
  }
  const std::string script = work + "/me.lua";
  std::ofstream(script) << "local tokens = {}\n"
                        << "for line in io.lines(\"" << tokens_file
                        << "\") do tokens[#tokens + 1] = line end\n"
                        << "local i = 0\n"
                        << "request = function()\n  i = i + 1\n"
                        << "  return wrk.format(\"GET\", \"/v1/me\", {[\"Authorization\"] = "
                           "\"Bearer \" .. tokens[(i % #tokens) + 1]})\nend\n";

  // The bare echo and the one-row select, as in the gRPC benchmark.
  auto echo_stub = std::shared_ptr<testing_v1::EchoService::Stub>(testing_v1::EchoService::NewStub(
      ::grpc::CreateChannel(absl::StrCat("127.0.0.1:", echo->port()),
                            ::grpc::InsecureChannelCredentials())));
  const std::string payload(64, 'x');
  AsyncOperation echo_op([echo_stub, &payload](Done done) {
    struct Call {
      ::grpc::ClientContext context;
      testing_v1::UserEchoRequest request;
      testing_v1::EchoResponse response;
    };
    auto* call = new Call();
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    call->request.set_payload(payload);
    echo_stub->async()->UserEcho(&call->context, &call->request, &call->response,
                                   [call, done](::grpc::Status status) {
                                     done(status.ok());
                                     delete call;
                                   });
  });
  auto select_once = [&settings] { return SelectOneRow(settings.pg_uri); };

  // Warm up: connections, token caches, the gateway's channels.
  RunWrk(nginx->port(), "/healthz", absl::Seconds(1));
  RunWrk(gateway->port(), "/healthz", absl::Seconds(1));
  RunWrk(gateway->port(), "/v1/me", absl::Seconds(2), script);
  RunClosedLoop(echo_op, kConnections, absl::Seconds(1));

  Row nginx_row{.scenario = "S6 GET /healthz", .system = "nginx return 200"};
  Row healthz_row{.scenario = "S6 GET /healthz", .system = "parta gateway /healthz"};
  Row me_row{.scenario = "S4b GET /v1/me", .system = "parta gateway GET /v1/me"};
  Row echo_row{.scenario = "S4b hop limit", .system = "bare gRPC callback echo"};
  Row select_row{.scenario = "S4b hop limit", .system = "postgres one-row select"};
  for (int run = 0; run < settings.runs; ++run) {
    WrkResult n = RunWrk(nginx->port(), "/healthz", settings.duration);
    nginx_row.per_second.push_back(n.per_second);
    nginx_row.p99_ms = n.p99_ms;
    absl::Duration cpu = ProcessCpu(gateway->pid());
    WrkResult h = RunWrk(gateway->port(), "/healthz", settings.duration);
    cpu = ProcessCpu(gateway->pid()) - cpu;
    healthz_row.per_second.push_back(h.per_second);
    healthz_row.p99_ms = h.p99_ms;
    healthz_row.cpu_us_per_op =
        absl::ToDoubleMicroseconds(cpu) / (h.per_second * absl::ToDoubleSeconds(settings.duration));
    cpu = ProcessCpu(gateway->pid()) + ProcessCpu(identity->pid());
    WrkResult m = RunWrk(gateway->port(), "/v1/me", settings.duration, script);
    cpu = ProcessCpu(gateway->pid()) + ProcessCpu(identity->pid()) - cpu;
    me_row.per_second.push_back(m.per_second);
    me_row.cpu_us_per_op =
        absl::ToDoubleMicroseconds(cpu) / (m.per_second * absl::ToDoubleSeconds(settings.duration));
    echo_row.per_second.push_back(
        RunClosedLoop(echo_op, kConnections, settings.duration).PerSecond());
    select_row.per_second.push_back(
        RunThreads(select_once, kConnections, settings.duration).PerSecond());
  }
  const double nginx_rate = Report::Median(nginx_row.per_second);
  const double echo_rate = Report::Median(echo_row.per_second);
  const double select_rate = Report::Median(select_row.per_second);
  Row limit_row{.scenario = "S4b hop limit",
                .system = "limit 1/(1/nginx + 1/echo + 1/select)",
                .per_second = {1.0 / (1.0 / nginx_rate + 1.0 / echo_rate + 1.0 / select_rate)}};

  // Latency from the scheduled send time at half the gateway's own peak.
  const double open_rate = Report::Median(me_row.per_second) / 2;
  Row open_row{.scenario = "S4b GET /v1/me open loop",
               .system = absl::StrCat("parta gateway at ", static_cast<int>(open_rate), "/s")};
  {
    absl::StatusOr<std::unique_ptr<HttpLoad>> load = HttpLoad::Connect(gateway->port(), 64);
    if (!load.ok()) return Fail(load.status().ToString());
    std::vector<std::string> requests;
    for (const std::string& token : tokens) requests.push_back(HttpGet("/v1/me", token));
    AsyncOperation me_op = (*load)->Operation(std::move(requests));
    LoadResult open = RunOpenLoop(me_op, open_rate, settings.duration, 10'000);
    open_row.per_second = {open.PerSecond()};
    open_row.p50_ms = absl::ToDoubleMilliseconds(open.latency.Percentile(0.5));
    open_row.p99_ms = absl::ToDoubleMilliseconds(open.latency.Percentile(0.99));
    if (open.failed + open.dropped > 0) {
      open_row.note = absl::StrCat(open.failed, " failed, ", open.dropped, " dropped");
    }
  }

  // Idle authenticated WebSockets: the gateway's resident memory per socket.
  const int sockets_wanted = settings.quick ? 2000 : 10'000;
  absl::SleepFor(absl::Seconds(1));
  const int64_t rss_before = ProcessRssKiB(gateway->pid());
  std::vector<int> sockets = OpenSockets(gateway->port(), sockets_wanted, tokens);
  absl::SleepFor(absl::Seconds(3));  // subscriptions, presence and ready frames settle
  const int64_t rss_after = ProcessRssKiB(gateway->pid());
  const double kib_per_socket =
      sockets.empty() ? 0 : static_cast<double>(rss_after - rss_before) / sockets.size();
  const std::string memory_note = absl::StrCat(
      "memory: ", sockets.size(), " of ", sockets_wanted, " idle WebSockets opened, ",
      absl::StrFormat("%.1f", kib_per_socket), " KiB of gateway RSS each (", rss_before, " → ",
      rss_after, " KiB); bar 16 KiB, goal 8 KiB");
  for (int fd : sockets) close(fd);

  report.Add(nginx_row);
  report.Add(healthz_row);
  report.Add(echo_row);
  report.Add(select_row);
  report.Add(limit_row);
  report.Add(me_row);
  report.Add(open_row);
  report.AddRatio("/healthz: gateway / nginx (S6, bar 0.8, goal 1.0)", "parta gateway /healthz",
                  "nginx return 200", 0.8);
  report.AddRatio("GET /v1/me: gateway / limit of its hops (bar 0.6)", "parta gateway GET /v1/me",
                  "limit 1/(1/nginx + 1/echo + 1/select)", 0.6);
  report.AddNote(absl::StrCat("wrk -t1 -c", kConnections,
                              " (closed loop) for peaks; access logs off in nginx and the "
                              "gateway; rate limits off in the gateway"));
  report.AddNote(absl::StrCat("GET /v1/me: ", users, " users' tokens in rotation (each token "
                              "verified once per process, then cached); the gateway checks the "
                              "session in Redis (1 s cache), identity checks it in Postgres and "
                              "reads the account: two statements, the limit counts one"));
  report.AddNote(absl::StrCat("open loop p99 ", absl::StrFormat("%.2f", open_row.p99_ms),
                              " ms at half the gateway's peak (bar 10 ms), 64 keep-alive "
                              "connections, latency from the scheduled send time"));
  report.AddNote(memory_note);
  report.AddNote("WebSockets: compression off, each authenticated in the subprotocol, following "
                 "its user's channel, with presence kept in Redis");
  report.Print();
  report.WriteJson(settings.results_dir + "/gateway.json");
  std::filesystem::remove_all(work);
  return 0;
}

}  // namespace parta::bench
