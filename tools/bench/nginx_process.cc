#include "tools/bench/nginx_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/core/random.h"
#include "tools/bench/core/child.h"
#include "tools/bench/core/http_load.h"

namespace parta::bench {
namespace {

bool Listening(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return ok;
}

}  // namespace

std::unique_ptr<NginxProcess> NginxProcess::Start(const std::string& server_body) {
  auto nginx = std::unique_ptr<NginxProcess>(new NginxProcess());
  const auto dir = std::filesystem::temp_directory_path() /
                   absl::StrCat("parta-bench-nginx-", absl::BytesToHexString(RandomBytes(4)));
  std::filesystem::create_directories(dir);
  nginx->dir_ = dir.string();
  nginx->port_ = FreePort();
  const std::string conf = nginx->dir_ + "/nginx.conf";
  std::ofstream(conf) << "worker_processes auto;\ndaemon off;\npid " << nginx->dir_
                      << "/nginx.pid;\nerror_log " << nginx->dir_ << "/error.log;\n"
                      << "events { worker_connections 16384; }\n"
                      << "http { access_log off;\n  server { listen 127.0.0.1:" << nginx->port_
                      << ";\n    " << server_body << " } }\n";
  nginx->pid_ = Spawn({"/usr/sbin/nginx", "-c", conf, "-p", nginx->dir_ + "/"},
                      ChildEnvironment({}));
  for (int i = 0; i < 200 && !Listening(nginx->port_); ++i) absl::SleepFor(absl::Milliseconds(25));
  if (!Listening(nginx->port_)) return nullptr;
  return nginx;
}

NginxProcess::~NginxProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGQUIT);
    waitpid(pid_, nullptr, 0);
  }
  std::filesystem::remove_all(dir_);
}

}  // namespace parta::bench
