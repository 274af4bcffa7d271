#include "libs/testing/janus_server.h"

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
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "libs/core/random.h"
#include "libs/http/client.h"

namespace parta::testing {
namespace {

constexpr char kModules[] = "/usr/lib/x86_64-linux-gnu/janus";

// A port that the kernel reports free on 127.0.0.1 right now.
int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  socklen_t length = sizeof(address);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  close(fd);
  return ntohs(address.sin_port);
}

// A 1,000-port RTP range within 21000-29999 (`tools/parta run` has 20000-20999), varied by
// process and instance so that tests running side by side rarely share one.
int RtpFirstPort() {
  static std::atomic<int> instances{0};
  return 21000 + ((getpid() + instances.fetch_add(1)) % 9) * 1000;
}

std::string Secret() { return absl::BytesToHexString(RandomBytes(24)); }

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  REQUIRE(out.good());
}

std::string LogTail(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::ostringstream tail;
  for (size_t i = lines.size() > 30 ? lines.size() - 30 : 0; i < lines.size(); ++i) {
    tail << lines[i] << "\n";
  }
  return tail.str();
}

}  // namespace

PrivateJanus::PrivateJanus()
    : PrivateJanus(
          JanusSecrets{.api_secret = Secret(), .admin_secret = Secret(), .admin_key = Secret()}) {}

PrivateJanus::PrivateJanus(JanusSecrets secrets)
    : folder_((std::filesystem::temp_directory_path() /
               absl::StrCat("parta-janus-", absl::BytesToHexString(RandomBytes(6))))
                  .string()),
      api_secret_(std::move(secrets.api_secret)),
      admin_secret_(std::move(secrets.admin_secret)),
      admin_key_(std::move(secrets.admin_key)),
      rtp_first_port_(RtpFirstPort()) {
  std::filesystem::create_directories(folder_ + "/conf");
  // A killed Janus must be an error for its clients, not a SIGPIPE that ends the test.
  signal(SIGPIPE, SIG_IGN);
  // Another process may take a port between the check and Janus's bind: then try new ports.
  for (int attempt = 0; attempt < 3; ++attempt) {
    api_port_ = FreeLoopbackPort();
    admin_port_ = FreeLoopbackPort();
    while (admin_port_ == api_port_) admin_port_ = FreeLoopbackPort();
    WriteConfig();
    if (TryStart()) return;
  }
  FAIL("the private Janus did not start; its log ends with:\n" << LogTail(log_file()));
}

PrivateJanus::~PrivateJanus() {
  Kill();
  std::filesystem::remove_all(folder_);
}

std::string PrivateJanus::api_url() const {
  return absl::StrCat("http://127.0.0.1:", api_port_, "/janus");
}

std::string PrivateJanus::admin_url() const {
  return absl::StrCat("http://127.0.0.1:", admin_port_, "/admin");
}

void PrivateJanus::WriteConfig() {
  const std::string conf = folder_ + "/conf";
  // Only the VideoRoom plugin and the HTTP transport are loaded; the rest is disabled by name.
  WriteFile(conf + "/janus.jcfg", absl::Substitute(R"(general: {
  configs_folder = "$0"
  plugins_folder = "$1/plugins"
  transports_folder = "$1/transports"
  events_folder = "$1/events"
  loggers_folder = "$1/loggers"
  debug_level = 4
  debug_timestamps = true
  debug_colors = false
  server_name = "parta-test-janus"
  session_timeout = 60
  api_secret = "$2"
  admin_secret = "$3"
  hide_dependencies = true
  protected_folders = [ "/bin", "/etc", "/usr", "/var" ]
}
certificates: { }
media: {
  rtp_port_range = "$4-$5"
}
nat: {
  nice_debug = false
  ice_ignore_list = "vmnet"
}
plugins: {
  disable = "libjanus_audiobridge.so,libjanus_duktape.so,libjanus_echotest.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_voicemail.so"
}
transports: {
  disable = "libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so,libjanus_websockets.so"
}
loggers: {
  disable = "libjanus_jsonlog.so"
}
events: {
  broadcast = false
}
)",
                                                   conf, kModules, api_secret_, admin_secret_,
                                                   rtp_first_port_, rtp_first_port_ + 999));
  WriteFile(conf + "/janus.plugin.videoroom.jcfg", absl::Substitute(R"(general: {
  admin_key = "$0"
  lock_rtp_forward = true
}
)",
                                                                    admin_key_));
  WriteFile(conf + "/janus.transport.http.jcfg", absl::Substitute(R"(general: {
  json = "compact"
  base_path = "/janus"
  http = true
  port = $0
  ip = "127.0.0.1"
  https = false
}
admin: {
  admin_base_path = "/admin"
  admin_http = true
  admin_port = $1
  admin_ip = "127.0.0.1"
  admin_https = false
}
cors: { }
)",
                                                                  api_port_, admin_port_));
}

bool PrivateJanus::TryStart() {
  const std::string conf = folder_ + "/conf";
  const std::string log = log_file();
  const std::string out = folder_ + "/janus.out";
  std::vector<std::string> args = {"janus", "-F", conf, "-o", "-N", "-L", log};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    execvp("janus", argv.data());
    _exit(127);
  }
  REQUIRE(pid_ > 0);

  http::Client api("127.0.0.1", api_port_);
  http::Client admin("127.0.0.1", admin_port_);
  const std::string ping = R"({"janus":"ping","transaction":"fixture"})";
  for (int attempt = 0; attempt < 300; ++attempt) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    auto info = api.Get("/janus/info", absl::Milliseconds(500));
    auto pong = admin.Post("/admin", ping, absl::Milliseconds(500));
    if (info.ok() && info->status == 200 && pong.ok() && pong->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Kill();
  return false;
}

void PrivateJanus::Start() {
  REQUIRE(pid_ <= 0);
  if (!TryStart())
    FAIL("the private Janus did not start again; its log ends with:\n" << LogTail(log_file()));
}

void PrivateJanus::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace parta::testing
