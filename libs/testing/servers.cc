#include "libs/testing/servers.h"

#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/core/random.h"
#include "libs/redis/client.h"

namespace parta::testing {

PrivateRedis::PrivateRedis()
    : folder_((std::filesystem::temp_directory_path() /
               absl::StrCat("parta-redis-", absl::BytesToHexString(RandomBytes(6))))
                  .string()),
      socket_(folder_ + "/redis.sock") {
  std::filesystem::create_directories(folder_);
  Start();
}

PrivateRedis::~PrivateRedis() {
  Kill();
  std::filesystem::remove_all(folder_);
}

void PrivateRedis::Start(const std::vector<std::string>& extra_args) {
  // A killed server must be an error for its clients, not a SIGPIPE that ends the test.
  signal(SIGPIPE, SIG_IGN);
  std::string log_file = folder_ + "/redis.log";
  std::vector<std::string> args = {"redis-server", "--port", "0", "--unixsocket", socket_,
                                   "--save", "", "--appendonly", "no", "--dir", folder_,
                                   "--loglevel", "warning", "--logfile", log_file};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    execvp("redis-server", argv.data());
    _exit(127);
  }
  REQUIRE(pid_ > 0);
  redis::Endpoint endpoint{.unix_path = socket_};
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto connection = redis::Connection::Open(endpoint, absl::Milliseconds(100));
    if (connection.ok() && (*connection)->Command({"PING"}).ok()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("the private redis-server did not start");
}

void PrivateRedis::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  std::filesystem::remove(socket_);
}

}  // namespace parta::testing
