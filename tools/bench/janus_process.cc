#include "tools/bench/janus_process.h"

#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "libs/core/random.h"
#include "libs/http/client.h"
#include "tools/bench/core/child.h"
#include "tools/bench/core/http_load.h"

namespace parta::bench {
namespace {

// Away from `tools/parta run` (20000-20999), the tests (21000-29999) and coturn (30000-30999):
// a publication takes a port per local address, and a run holds thousands.
constexpr char kRtpPortRange[] = "40000-49999";
constexpr char kModulesFolder[] = "/usr/lib/x86_64-linux-gnu/janus";

std::string Secret() { return absl::BytesToHexString(RandomBytes(24)); }

}  // namespace

std::string JanusProcess::api_url() const {
  return absl::StrCat("http://127.0.0.1:", api_port_, "/janus");
}

std::string JanusProcess::admin_url() const {
  return absl::StrCat("http://127.0.0.1:", admin_port_, "/admin");
}

std::string JanusProcess::SecretFile(const std::string& name, const std::string& secret) const {
  const std::string path = folder_ + "/" + name;
  std::ofstream(path) << secret;
  std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write);
  return path;
}

absl::Status JanusProcess::WriteConfig() const {
  const std::string conf = folder_ + "/conf";
  std::filesystem::create_directories(conf);
  for (const auto& entry : std::filesystem::directory_iterator(PARTA_JANUS_TEMPLATES_DIR)) {
    if (entry.path().extension() != ".in") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string filled = absl::StrReplaceAll(
        text.str(), {{"@CONFIGS_FOLDER@", conf},
                     {"@MODULES_FOLDER@", kModulesFolder},
                     {"@SERVER_NAME@", "parta-bench-janus"},
                     {"@BIND_IP@", "127.0.0.1"},
                     {"@HTTP_PORT@", absl::StrCat(api_port_)},
                     {"@ADMIN_PORT@", absl::StrCat(admin_port_)},
                     {"@RTP_PORT_RANGE@", kRtpPortRange},
                     {"@API_SECRET@", api_secret_},
                     {"@ADMIN_SECRET@", admin_secret_},
                     {"@ADMIN_KEY@", admin_key_}});
    if (std::regex_search(filled, std::regex("@[A-Z_]+@"))) {
      return absl::InternalError(
          absl::StrCat(entry.path().string(), " has a placeholder the benchmark does not fill"));
    }
    std::ofstream(conf + "/" + entry.path().stem().string()) << filled;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<JanusProcess>> JanusProcess::Start() {
  std::unique_ptr<JanusProcess> janus(new JanusProcess());
  janus->folder_ = (std::filesystem::temp_directory_path() /
                    absl::StrCat("parta-bench-janus-", absl::BytesToHexString(RandomBytes(4))))
                       .string();
  janus->api_secret_ = Secret();
  janus->admin_secret_ = Secret();
  janus->admin_key_ = Secret();
  janus->api_port_ = FreePort();
  janus->admin_port_ = FreePort();
  if (absl::Status written = janus->WriteConfig(); !written.ok()) return written;
  janus->pid_ = Spawn({"/usr/bin/janus", "-F", janus->folder_ + "/conf", "-o", "-N", "-L",
                       janus->folder_ + "/janus.log"},
                      ChildEnvironment({}));
  if (janus->pid_ < 0) return absl::InternalError("cannot start Janus");
  http::Client api("127.0.0.1", janus->api_port_);
  http::Client admin("127.0.0.1", janus->admin_port_);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    if (waitpid(janus->pid_, nullptr, WNOHANG) == janus->pid_) {
      janus->pid_ = -1;
      return absl::InternalError(
          absl::StrCat("Janus exited at start; see ", janus->folder_, "/janus.log"));
    }
    auto info = api.Get("/janus/info", absl::Milliseconds(500));
    auto pong =
        admin.Post("/admin", R"({"janus":"ping","transaction":"bench"})", absl::Milliseconds(500));
    if (info.ok() && info->status == 200 && pong.ok() && pong->status == 200) return janus;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError("Janus did not answer within 30 s");
}

JanusProcess::~JanusProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (waitpid(pid_, nullptr, WNOHANG) != pid_) {
      if (absl::Now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        break;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

}  // namespace parta::bench
