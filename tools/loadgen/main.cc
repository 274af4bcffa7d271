// parta-loadgen: the fan-out load generator (BENCH.md S1 and S2), each beside its references in
// one run.
//
//   parta-loadgen [--quick] [--results DIR] [--classes 100,200,300] [--subscribers 2000] s1|s2|all
//
// Needs PARTA_BENCH_PG and PARTA_BENCH_REDIS (`tools/parta loadgen` provides both), redis-server
// and mosquitto on the PATH.

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "tools/loadgen/scenarios.h"

namespace {

std::vector<int> Numbers(const std::string& list) {
  std::vector<int> numbers;
  for (absl::string_view item : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    int number = 0;
    if (absl::SimpleAtoi(item, &number) && number > 0) numbers.push_back(number);
  }
  return numbers;
}

// Every receiver is a socket here and in the server under test: lift the open-file limit (root
// may raise the hard limit too), for this process and the servers it starts.
void RaiseFileLimit() {
  rlimit files{};
  files.rlim_cur = files.rlim_max = 1 << 20;
  if (setrlimit(RLIMIT_NOFILE, &files) != 0) {
    getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace parta::loadgen;
  Environment environment;
  std::string command = "all";
  std::vector<int> classes = {100, 200, 300, 400, 500};
  std::vector<int> subscribers = {2000};
  bool classes_set = false, subscribers_set = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      environment.quick = true;
    } else if (arg == "--results" && i + 1 < argc) {
      environment.results_dir = argv[++i];
    } else if (arg == "--classes" && i + 1 < argc) {
      classes = Numbers(argv[++i]);
      classes_set = true;
    } else if (arg == "--subscribers" && i + 1 < argc) {
      subscribers = Numbers(argv[++i]);
      subscribers_set = true;
    } else {
      command = arg;
    }
  }
  if (environment.quick) {
    if (!classes_set) classes = {10};
    if (!subscribers_set) subscribers = {200};
  }
  if ((command != "s1" && command != "s2" && command != "all") || classes.empty() ||
      subscribers.empty()) {
    std::fprintf(stderr,
                 "usage: parta-loadgen [--quick] [--results DIR] [--classes N,N,...] "
                 "[--subscribers N,...] s1|s2|all\n");
    return 2;
  }
  const char* pg = std::getenv("PARTA_BENCH_PG");
  const char* redis = std::getenv("PARTA_BENCH_REDIS");
  if (pg == nullptr || redis == nullptr) {
    std::fprintf(stderr,
                 "loadgen: PARTA_BENCH_PG and PARTA_BENCH_REDIS are needed (run "
                 "through `tools/parta loadgen`)\n");
    return 2;
  }
  environment.pg_uri = pg;
  environment.redis_uri = redis;
  const std::filesystem::path bin =
      std::filesystem::read_symlink("/proc/self/exe").parent_path() / "../../services";
  environment.messaging_binary = (bin / "messaging/parta-messaging").lexically_normal().string();
  environment.gateway_binary = (bin / "gateway/parta-gateway").lexically_normal().string();
  std::filesystem::create_directories(environment.results_dir);
  RaiseFileLimit();

  int failures = 0;
  if (command == "s1" || command == "all") failures += RunClassChats(environment, classes);
  if (command == "s2" || command == "all") failures += RunSchoolChannel(environment, subscribers);
  return failures == 0 ? 0 : 1;
}
