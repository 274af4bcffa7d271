#include "libs/testing/s3_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/core/random.h"

#ifndef PARTA_S3RVER_SCRIPT
#error "the build defines PARTA_S3RVER_SCRIPT"
#endif

namespace parta::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The port in s3rver's "S3rver listening on 127.0.0.1:<port>", or 0 before it says so.
int ListeningPort(const std::string& log) {
  constexpr char kLine[] = "listening on 127.0.0.1:";
  const size_t at = log.find(kLine);
  if (at == std::string::npos) return 0;
  const size_t start = at + sizeof(kLine) - 1;
  const size_t end = log.find_first_not_of("0123456789", start);
  int port = 0;
  if (end == std::string::npos || !absl::SimpleAtoi(log.substr(start, end - start), &port)) {
    return 0;
  }
  return port;
}

}  // namespace

PrivateS3::PrivateS3(std::string bucket)
    : bucket_(std::move(bucket)),
      folder_((std::filesystem::temp_directory_path() /
               absl::StrCat("parta-s3-", absl::BytesToHexString(RandomBytes(6))))
                  .string()) {
  if (!std::filesystem::exists(PARTA_S3RVER_SCRIPT)) {
    FAIL("s3rver is not installed (tools/parta test installs the npm test tools in tests/s3)");
  }
  std::filesystem::create_directories(folder_ + "/data");
  signal(SIGPIPE, SIG_IGN);
  const std::string log = folder_ + "/s3rver.log";
  const std::string data = folder_ + "/data";
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out >= 0) {
      ::dup2(out, STDOUT_FILENO);
      ::dup2(out, STDERR_FILENO);
    }
    execlp("node", "node", PARTA_S3RVER_SCRIPT, "--directory", data.c_str(), "--address",
           "127.0.0.1", "--port", "0", "--silent", "--configure-bucket", bucket_.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  REQUIRE(pid_ > 0);
  for (int attempt = 0; attempt < 1500; ++attempt) {
    port_ = ListeningPort(ReadFile(log));
    if (port_ > 0) return;
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      const std::string output = ReadFile(log);
      std::filesystem::remove_all(folder_);
      FAIL("s3rver exited at start; its output:\n" << output);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // The destructor does not run after a throwing constructor: clean up here.
  const std::string output = ReadFile(log);
  Kill();
  std::filesystem::remove_all(folder_);
  FAIL("s3rver did not listen within 30 s; its output:\n" << output);
}

PrivateS3::~PrivateS3() {
  Kill();
  std::filesystem::remove_all(folder_);
}

std::string PrivateS3::endpoint() const { return absl::StrCat("http://127.0.0.1:", port_); }

void PrivateS3::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace parta::testing
