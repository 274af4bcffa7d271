#include "libs/testing/clamav_server.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "libs/core/random.h"

#ifndef PARTA_CLAMAV_DEPLOY_DIR
#error "the build defines PARTA_CLAMAV_DEPLOY_DIR"
#endif

namespace parta::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Whether clamd answers PING on its socket.
bool Answers(const std::string& socket_path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof(address.sun_path) - 1);
  bool pong = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::send(fd, "zPING", 6, MSG_NOSIGNAL) == 6) {
    char reply[16] = {};
    pong = ::recv(fd, reply, sizeof reply - 1, 0) > 0 && std::string(reply) == "PONG";
  }
  ::close(fd);
  return pong;
}

}  // namespace

std::string EicarTestFile() {
  // Assembled here so that no file of the project carries the whole string.
  return absl::StrCat("X5O!P%@AP[4\\PZX54(P^)7CC)7}$", "EICAR-STANDARD-ANTIVIRUS-TEST-FILE",
                      "!$H+H*");
}

PrivateClamd::PrivateClamd()
    : folder_((std::filesystem::temp_directory_path() /
               absl::StrCat("parta-clamd-", absl::BytesToHexString(RandomBytes(6))))
                  .string()) {
  std::filesystem::create_directories(folder_ + "/db");
  std::filesystem::copy_file(PARTA_CLAMAV_DEPLOY_DIR "/parta-test.ndb",
                             folder_ + "/db/parta-test.ndb");
  std::ofstream(folder_ + "/clamd.conf") << absl::StrReplaceAll(
      ReadFile(PARTA_CLAMAV_DEPLOY_DIR "/clamd.conf.in"), {{"@FOLDER@", folder_}});
  Start();
}

PrivateClamd::~PrivateClamd() {
  Kill();
  std::filesystem::remove_all(folder_);
}

void PrivateClamd::Start() {
  signal(SIGPIPE, SIG_IGN);
  const std::string config = folder_ + "/clamd.conf";
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    execlp("clamd", "clamd", "-c", config.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  REQUIRE(pid_ > 0);
  const std::string socket_path = folder_ + "/clamd.sock";
  for (int attempt = 0; attempt < 1500; ++attempt) {
    if (Answers(socket_path)) return;
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL("clamd exited at start; its log:\n" << ReadFile(folder_ + "/clamd.log"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("the private clamd did not answer within 30 s");
}

void PrivateClamd::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  std::filesystem::remove(folder_ + "/clamd.sock");
}

}  // namespace parta::testing
