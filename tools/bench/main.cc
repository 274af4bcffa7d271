// parta-bench: the project's benchmarks, each measured beside its reference in one run.
//
//   parta-bench [--quick] [--results DIR]
//               tokens|rpc|login|school-login|gateway|directory|messaging|calls|content|
//               regional|people|all
//
// rpc, login and gateway need PARTA_BENCH_PG (a Postgres the benchmark may create schemas in) and
// PARTA_BENCH_REDIS; `tools/parta bench` provides both. Results: a table on stdout and
// DIR/<name>.json.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "tools/bench/core/cpu.h"
#include "tools/bench/echo_servers.h"
#include "tools/bench/scenarios.h"

int main(int argc, char** argv) {
  using namespace parta::bench;
  Settings settings;
  std::string command = "all";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quick") {
      settings.quick = true;
    } else if (arg == "--results" && i + 1 < argc) {
      settings.results_dir = argv[++i];
    } else {
      command = arg;
    }
  }
  if (command == "serve-bare-echo") return ServeBareEcho();
  if (command == "serve-parta-echo") return ServePartaEcho();

  if (settings.quick) {
    settings.runs = 1;
    settings.duration = absl::Seconds(2);
  }
  settings.self = std::filesystem::read_symlink("/proc/self/exe").string();
  settings.identity_binary = (std::filesystem::path(settings.self).parent_path() /
                              "../../services/identity/parta-identity")
                                 .lexically_normal()
                                 .string();
  settings.gateway_binary =
      (std::filesystem::path(settings.self).parent_path() / "../../services/gateway/parta-gateway")
          .lexically_normal()
          .string();
  settings.directory_binary = (std::filesystem::path(settings.self).parent_path() /
                               "../../services/directory/parta-directory")
                                  .lexically_normal()
                                  .string();
  settings.messaging_binary = (std::filesystem::path(settings.self).parent_path() /
                               "../../services/messaging/parta-messaging")
                                  .lexically_normal()
                                  .string();
  settings.signaling_binary = (std::filesystem::path(settings.self).parent_path() /
                               "../../services/signaling/parta-signaling")
                                  .lexically_normal()
                                  .string();
  settings.content_binary = (std::filesystem::path(settings.self).parent_path() /
                             "../../services/content/parta-content")
                                .lexically_normal()
                                .string();
  const char* pg = std::getenv("PARTA_BENCH_PG");
  const char* redis = std::getenv("PARTA_BENCH_REDIS");
  settings.pg_uri = pg ? pg : "";
  settings.redis_uri = redis ? redis : "";
  std::filesystem::create_directories(settings.results_dir);

  bool all = command == "all";
  if (!all && command != "tokens" && command != "rpc" && command != "login" &&
      command != "school-login" &&
      command != "gateway" && command != "directory" && command != "messaging" &&
      command != "calls" && command != "content" && command != "regional" &&
      command != "people") {
    std::fprintf(stderr,
                 "usage: parta-bench [--quick] [--results DIR] "
                 "tokens|rpc|login|school-login|gateway|directory|messaging|calls|content|"
                 "regional|people|all\n");
    return 2;
  }
  if ((all || command != "tokens") && (settings.pg_uri.empty() || settings.redis_uri.empty())) {
    std::fprintf(stderr, "bench: PARTA_BENCH_PG and PARTA_BENCH_REDIS are needed "
                         "(run through `tools/parta bench`)\n");
    return 2;
  }
  std::printf("machine idle before the run: %.0f%% of %ld cores\n",
              100 * MachineIdleShare(absl::Seconds(1)), sysconf(_SC_NPROCESSORS_ONLN));
  int failures = 0;
  if (all || command == "tokens") failures += BenchTokens(settings);
  if (all || command == "rpc") failures += BenchRpc(settings);
  if (all || command == "login") failures += BenchLogin(settings);
  if (all || command == "school-login") failures += BenchSchoolLogin(settings);
  if (all || command == "gateway") failures += BenchGateway(settings);
  if (all || command == "directory") failures += BenchDirectory(settings);
  if (all || command == "messaging") failures += BenchMessaging(settings);
  if (all || command == "calls") failures += BenchCalls(settings);
  if (all || command == "content") failures += BenchContent(settings);
  if (all || command == "regional") {
    failures += BenchRegional(settings);
    failures += BenchEsiaSignIn(settings);
  }
  if (all || command == "people") failures += BenchPeople(settings);
  return failures == 0 ? 0 : 1;
}
