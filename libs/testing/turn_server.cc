#include "libs/testing/turn_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/core/random.h"

namespace parta::testing {
namespace {

constexpr int kRelayRangeStart = 31000;
constexpr int kRelayRangeWidth = 500;
constexpr int kRelaySlots = (40000 - kRelayRangeStart) / kRelayRangeWidth;  // 18
constexpr int kStartAttempts = 3;
constexpr auto kStartTimeout = std::chrono::seconds(15);

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

bool Bind(int fd, int port) {
  sockaddr_in address = Loopback(port);
  return bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
}

// A port that is free on 127.0.0.1 for both UDP and TCP right now (coturn needs both).
int FreeUdpAndTcpPort() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    Fd udp(socket(AF_INET, SOCK_DGRAM, 0));
    REQUIRE(udp.get() >= 0);
    REQUIRE(Bind(udp.get(), 0));
    sockaddr_in address{};
    socklen_t size = sizeof(address);
    REQUIRE(getsockname(udp.get(), reinterpret_cast<sockaddr*>(&address), &size) == 0);
    int port = ntohs(address.sin_port);
    Fd tcp(socket(AF_INET, SOCK_STREAM, 0));
    REQUIRE(tcp.get() >= 0);
    if (Bind(tcp.get(), port)) return port;
  }
  FAIL("found no port free for both UDP and TCP on 127.0.0.1");
  return 0;
}

// True if a STUN Binding request over UDP gets its success response (RFC 5389).
bool AnswersStun(int port) {
  Fd fd(socket(AF_INET, SOCK_DGRAM, 0));
  if (fd.get() < 0) return false;
  timeval timeout{.tv_sec = 0, .tv_usec = 100'000};
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::string transaction = RandomBytes(12);
  std::string request("\x00\x01\x00\x00\x21\x12\xa4\x42", 8);
  request += transaction;
  sockaddr_in address = Loopback(port);
  if (sendto(fd.get(), request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&address),
             sizeof(address)) != static_cast<ssize_t>(request.size())) {
    return false;
  }
  char response[512];
  ssize_t size = recv(fd.get(), response, sizeof(response), 0);
  return size >= 20 && response[0] == 0x01 && response[1] == 0x01 &&
         std::memcmp(response + 8, transaction.data(), 12) == 0;
}

bool AcceptsTcp(int port) {
  Fd fd(socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in address = Loopback(port);
  return fd.get() >= 0 &&
         connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string LastLines(const std::string& text, int count) {
  size_t start = text.size();
  for (int lines = 0; start > 0 && lines <= count; --start) {
    if (text[start - 1] == '\n') ++lines;
  }
  return text.substr(start);
}

}  // namespace

PrivateTurn::PrivateTurn()
    : folder_((std::filesystem::temp_directory_path() /
               absl::StrCat("parta-turn-", absl::BytesToHexString(RandomBytes(6))))
                  .string()),
      secret_(absl::BytesToHexString(RandomBytes(24))) {
  static std::atomic<int> instances{0};
  int slot = (static_cast<int>(getpid()) + instances++) % kRelaySlots;
  min_relay_port_ = kRelayRangeStart + slot * kRelayRangeWidth;
  max_relay_port_ = min_relay_port_ + kRelayRangeWidth - 1;
  std::filesystem::create_directories(folder_);
  Outcome outcome = Outcome::kPortTaken;
  for (int attempt = 0; attempt < kStartAttempts && outcome == Outcome::kPortTaken; ++attempt) {
    outcome = TryStart();
  }
  if (outcome == Outcome::kStarted) return;
  std::string log = LastLines(ReadFile(folder_ + "/turnserver.out") + ReadFile(log_file()), 20);
  std::filesystem::remove_all(folder_);
  FAIL((outcome == Outcome::kExited ? "turnserver exited during startup (is coturn installed?)"
                                    : "the private turnserver did not start")
       << "; the end of its output and log:\n"
       << log);
}

PrivateTurn::~PrivateTurn() {
  Kill();
  std::filesystem::remove_all(folder_);
}

std::vector<std::string> PrivateTurn::turn_urls() const {
  return {absl::StrCat("turn:", host(), ":", port_, "?transport=udp"),
          absl::StrCat("turn:", host(), ":", port_, "?transport=tcp")};
}

std::string PrivateTurn::stun_url() const { return absl::StrCat("stun:", host(), ":", port_); }

PrivateTurn::Outcome PrivateTurn::TryStart() {
  port_ = FreeUdpAndTcpPort();
  std::string config = folder_ + "/turnserver.conf";
  std::filesystem::remove(log_file());
  {
    std::ofstream out(config);
    out << "listening-ip=127.0.0.1\n"
        << "relay-ip=127.0.0.1\n"
        << "listening-port=" << port_ << "\n"
        << "min-port=" << min_relay_port_ << "\n"
        << "max-port=" << max_relay_port_ << "\n"
        << "realm=parta.local\n"
        << "use-auth-secret\n"
        << "static-auth-secret=" << secret_ << "\n"
        << "fingerprint\n"
        << "no-tls\n"
        << "no-dtls\n"
        << "no-cli\n"
        << "no-multicast-peers\n"
        << "allow-loopback-peers\n"
        << "no-software-attribute\n"
        << "userdb=" << folder_ << "/turndb\n"
        << "pidfile=" << folder_ << "/turnserver.pid\n"
        << "log-file=" << log_file() << "\n"
        << "simple-log\n";
    REQUIRE(out.good());
  }
  std::string output = folder_ + "/turnserver.out";
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    int fd = open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    execlp("turnserver", "turnserver", "-c", config.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  REQUIRE(pid_ > 0);
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return Outcome::kExited;
    }
    // coturn keeps retrying a port that another process took meanwhile instead of exiting.
    if (absl::StrContains(ReadFile(log_file()), "Cannot bind")) break;
    if (AnswersStun(port_) && AcceptsTcp(port_)) return Outcome::kStarted;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill();
  return Outcome::kPortTaken;
}

void PrivateTurn::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace parta::testing
