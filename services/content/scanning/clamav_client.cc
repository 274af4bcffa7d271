#include "services/content/scanning/clamav_client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/core/status.h"

namespace parta::content {
namespace {

constexpr int64_t kPieceBytes = 1 << 20;

absl::Status ScannerUnavailable(absl::string_view what) {
  return Unavailable("SCANNER_UNAVAILABLE", absl::StrCat("clamd: ", what));
}

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::Status SendAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return ScannerUnavailable(absl::StrCat("send failed: ", std::strerror(errno)));
    }
    data.remove_prefix(static_cast<size_t>(sent));
  }
  return absl::OkStatus();
}

std::string BigEndian32(uint32_t value) {
  const uint32_t network = htonl(value);
  return std::string(reinterpret_cast<const char*>(&network), sizeof network);
}

}  // namespace

absl::StatusOr<ScanVerdict> ParseClamdReply(absl::string_view reply) {
  reply = absl::StripSuffix(absl::StripTrailingAsciiWhitespace(reply), std::string(1, '\0'));
  absl::ConsumePrefix(&reply, "stream: ");
  if (reply == "OK") return ScanVerdict{};
  if (absl::ConsumeSuffix(&reply, " FOUND")) {
    return ScanVerdict{.infected = true, .signature = std::string(reply)};
  }
  // clamd answered but could not judge these bytes (a size limit, an archive it cannot open):
  // the file stays unscanned, the others go on.
  if (absl::EndsWith(reply, " ERROR")) {
    return FailedPrecondition("SCAN_FAILED", absl::StrCat("clamd: ", reply));
  }
  return ScannerUnavailable(absl::StrCat("unexpected answer: ", reply));
}

ClamAvClient::ClamAvClient(std::string address, absl::Duration timeout)
    : address_(std::move(address)), timeout_(timeout) {}

absl::StatusOr<int> ClamAvClient::Connect() const {
  int fd = -1;
  if (absl::StartsWith(address_, "unix:")) {
    const std::string path = address_.substr(5);
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof(address.sun_path)) return ScannerUnavailable("socket path too long");
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      const std::string error = std::strerror(errno);
      if (fd >= 0) ::close(fd);
      return ScannerUnavailable(absl::StrCat("cannot connect to ", address_, ": ", error));
    }
  } else {
    const size_t colon = address_.rfind(':');
    if (colon == std::string::npos) return ScannerUnavailable("the address has no port");
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(address_.substr(0, colon).c_str(), address_.substr(colon + 1).c_str(), &hints,
                      &found) != 0 ||
        found == nullptr) {
      return ScannerUnavailable(absl::StrCat("cannot resolve ", address_));
    }
    fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool connected = fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0;
    const std::string error = std::strerror(errno);
    ::freeaddrinfo(found);
    if (!connected) {
      if (fd >= 0) ::close(fd);
      return ScannerUnavailable(absl::StrCat("cannot connect to ", address_, ": ", error));
    }
  }
  timeval limit{.tv_sec = static_cast<time_t>(absl::ToInt64Seconds(timeout_)), .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  return fd;
}

absl::StatusOr<ScanVerdict> ClamAvClient::Scan(BlobStore& blobs, const std::string& sha256,
                                               int64_t size) const {
  ASSIGN_OR_RETURN(const int fd, Connect());
  Socket socket(fd);
  RETURN_IF_ERROR(SendAll(fd, absl::string_view("zINSTREAM\0", 10)));
  for (int64_t offset = 0; offset < size; offset += kPieceBytes) {
    ASSIGN_OR_RETURN(const std::string piece,
                     blobs.Read(sha256, offset, std::min(kPieceBytes, size - offset)));
    if (piece.empty()) break;
    RETURN_IF_ERROR(SendAll(fd, BigEndian32(static_cast<uint32_t>(piece.size()))));
    // clamd answers early (a size limit, a find) and closes: a failed send then still has an
    // answer to read.
    if (!SendAll(fd, piece).ok()) break;
  }
  (void)SendAll(fd, BigEndian32(0));
  std::string reply;
  char buffer[512];
  while (reply.find('\0') == std::string::npos && reply.size() < 4096) {
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    reply.append(buffer, static_cast<size_t>(got));
  }
  if (reply.empty()) return ScannerUnavailable("no answer");
  return ParseClamdReply(reply.substr(0, reply.find('\0')));
}

}  // namespace parta::content
