#include "tools/bench/core/http_load.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/core/status.h"

namespace parta::bench {
namespace {

struct Connection {
  int index = 0;  // picks the source address
  int fd = -1;
  bool busy = false;
  std::string out;
  size_t written = 0;
  std::string in;
  HttpLoad::Replied answer;
};

struct Parsed {
  int status = -1;
  size_t length = 0;  // of the whole response
  std::string body;   // decoded when it came in chunks
  absl::Duration retry_after = absl::ZeroDuration();
};

// Decodes a chunked body starting at `from` (Janus answers so); false while incomplete. Sets
// `end` past the last chunk. Trailers are not expected.
bool DecodeChunks(absl::string_view in, size_t from, std::string& body, size_t& end) {
  body.clear();
  size_t at = from;
  while (true) {
    const size_t line_end = in.find("\r\n", at);
    if (line_end == absl::string_view::npos) return false;
    absl::string_view size_text = in.substr(at, line_end - at);
    size_text = size_text.substr(0, size_text.find(';'));  // chunk extensions
    size_t size = 0;
    if (!absl::SimpleHexAtoi(absl::StripAsciiWhitespace(size_text), &size)) {
      end = in.size();  // unparsable: take it all, the answer fails
      return true;
    }
    at = line_end + 2;
    if (size == 0) {
      if (in.size() < at + 2) return false;
      end = at + 2;
      return true;
    }
    if (in.size() < at + size + 2) return false;
    body.append(in.data() + at, size);
    at += size + 2;
  }
}

// Parses one response at the front of `in`; nullopt while incomplete.
std::optional<Parsed> ParseResponse(const std::string& in) {
  const size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos) return std::nullopt;
  Parsed parsed;
  int status = 0;
  if (in.size() < 12 || !absl::SimpleAtoi(absl::string_view(in).substr(9, 3), &status)) {
    parsed.length = end + 4;
    return parsed;
  }
  parsed.status = status;
  size_t length = 0;
  bool chunked = false;
  const absl::string_view headers = absl::string_view(in).substr(0, end);
  size_t pos = 0;
  while ((pos = headers.find("\r\n", pos)) != absl::string_view::npos) {
    pos += 2;
    const absl::string_view line = headers.substr(pos, headers.find("\r\n", pos) - pos);
    if (absl::StartsWithIgnoreCase(line, "content-length:")) {
      (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(15)), &length);
    }
    if (absl::StartsWithIgnoreCase(line, "transfer-encoding:") &&
        absl::AsciiStrToLower(line).find("chunked") != std::string::npos) {
      chunked = true;
    }
    int seconds = 0;
    if (absl::StartsWithIgnoreCase(line, "retry-after:") &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(12)), &seconds)) {
      parsed.retry_after = absl::Seconds(seconds);
    }
  }
  if (chunked) {
    if (!DecodeChunks(in, end + 4, parsed.body, parsed.length)) return std::nullopt;
    return parsed;
  }
  if (in.size() < end + 4 + length) return std::nullopt;
  parsed.length = end + 4 + length;
  parsed.body = in.substr(end + 4, length);
  return parsed;
}

}  // namespace

class HttpLoad::Impl {
 public:
  ~Impl() {
    stop_ = true;
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_, &one, sizeof(one));
    if (thread_.joinable()) thread_.join();
    for (auto& connection : connections_) close(connection->fd);
    close(wake_);
    close(epoll_);
  }

  absl::Status Open(int port, int count) {
    port_ = port;
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event wake_event{EPOLLIN, {.ptr = nullptr}};
    epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &wake_event);
    for (int i = 0; i < count; ++i) {
      auto connection = std::make_unique<Connection>();
      connection->index = i;
      if (!Dial(*connection)) {
        return Unavailable("CONNECT_FAILED", "cannot connect the load client");
      }
      idle_.push_back(connection.get());
      connections_.push_back(std::move(connection));
    }
    thread_ = std::thread([this] { Loop(); });
    return absl::OkStatus();
  }

  // (Re)connects a connection: non-blocking, no delay, watched by the loop.
  bool Dial(Connection& connection) {
    const int fd = ConnectFromLoopback(port_, connection.index);
    if (fd < 0) return false;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    connection.fd = fd;
    epoll_event event{EPOLLIN | EPOLLOUT | EPOLLET, {.ptr = &connection}};
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event);
    return true;
  }

  void Submit(std::string request, Replied answer) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.emplace_back(std::move(request), std::move(answer));
    }
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_, &one, sizeof(one));
  }

 private:
  void Loop() {
    epoll_event events[256];
    while (!stop_) {
      const int ready = epoll_wait(epoll_, events, 256, 100);
      for (int i = 0; i < ready; ++i) {
        auto* connection = static_cast<Connection*>(events[i].data.ptr);
        if (connection == nullptr) {
          uint64_t ignored;
          [[maybe_unused]] ssize_t n = read(wake_, &ignored, sizeof(ignored));
          continue;
        }
        if (events[i].events & EPOLLIN) Read(*connection);
        if (events[i].events & EPOLLOUT) Flush(*connection);
      }
      Dispatch();
    }
  }

  void Dispatch() {
    std::lock_guard<std::mutex> lock(mu_);
    while (!queue_.empty() && !idle_.empty()) {
      Connection* connection = idle_.back();
      idle_.pop_back();
      if (connection->fd < 0) continue;  // could not be made again: out of the pool
      connection->busy = true;
      connection->out = std::move(queue_.front().first);
      connection->written = 0;
      connection->answer = std::move(queue_.front().second);
      queue_.pop_front();
      Flush(*connection);
    }
  }

  void Flush(Connection& connection) {
    while (connection.busy && connection.written < connection.out.size()) {
      const ssize_t n = send(connection.fd, connection.out.data() + connection.written,
                             connection.out.size() - connection.written, MSG_NOSIGNAL);
      if (n <= 0) return;
      connection.written += static_cast<size_t>(n);
    }
  }

  void Read(Connection& connection) {
    char buffer[16384];
    bool closed = false;
    while (true) {
      const ssize_t n = recv(connection.fd, buffer, sizeof(buffer), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
        break;
      }
      connection.in.append(buffer, static_cast<size_t>(n));
    }
    while (connection.busy) {
      std::optional<Parsed> response = ParseResponse(connection.in);
      if (!response) break;
      Reply reply{.status = response->status,
                  .body = std::move(response->body),
                  .retry_after = response->retry_after};
      connection.in.erase(0, response->length);
      connection.busy = false;
      Replied answer = std::move(connection.answer);
      answer(std::move(reply));
      std::lock_guard<std::mutex> lock(mu_);
      idle_.push_back(&connection);
    }
    if (closed) Redial(connection);
  }

  // The server closed the connection (an idle keep-alive timeout, say): a request in flight on
  // it fails, and the connection is made again.
  void Redial(Connection& connection) {
    epoll_ctl(epoll_, EPOLL_CTL_DEL, connection.fd, nullptr);
    close(connection.fd);
    connection.fd = -1;
    connection.in.clear();
    const bool was_busy = connection.busy;
    if (was_busy) {
      connection.busy = false;
      Replied answer = std::move(connection.answer);
      answer(Reply{});
    }
    if (!Dial(connection)) return;  // stays out of the pool
    if (was_busy) {
      std::lock_guard<std::mutex> lock(mu_);
      idle_.push_back(&connection);
    }
  }

  int port_ = 0;
  int epoll_ = -1;
  int wake_ = -1;
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<Connection>> connections_;
  std::mutex mu_;
  std::vector<Connection*> idle_;
  std::deque<std::pair<std::string, Replied>> queue_;
  std::thread thread_;
};

absl::StatusOr<std::unique_ptr<HttpLoad>> HttpLoad::Connect(int port, int connections) {
  auto impl = std::make_unique<Impl>();
  RETURN_IF_ERROR(impl->Open(port, connections));
  return std::unique_ptr<HttpLoad>(new HttpLoad(std::move(impl)));
}

HttpLoad::HttpLoad(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpLoad::~HttpLoad() = default;

AsyncOperation HttpLoad::Operation(std::vector<std::string> requests) {
  auto shared = std::make_shared<std::vector<std::string>>(std::move(requests));
  auto next = std::make_shared<std::atomic<size_t>>(0);
  Impl* impl = impl_.get();
  return [impl, shared, next](Done done) {
    impl->Submit((*shared)[next->fetch_add(1) % shared->size()],
                 [done = std::move(done)](Reply reply) { done(reply.status == 200); });
  };
}

void HttpLoad::Send(std::string request, Answer answer) {
  impl_->Submit(std::move(request), [answer = std::move(answer)](Reply reply) {
    answer(reply.status, std::move(reply.body));
  });
}

void HttpLoad::SendForReply(std::string request, Replied replied) {
  impl_->Submit(std::move(request), std::move(replied));
}

int ConnectFromLoopback(int port, int index) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in source{};
  source.sin_family = AF_INET;
  source.sin_addr.s_addr = htonl(0x7f000002 + static_cast<uint32_t>(index % 240));
  bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof(source));
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(static_cast<uint16_t>(port));
  target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof(target)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

std::string HttpGet(const std::string& path, const std::string& token) {
  std::string request = absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  if (!token.empty()) absl::StrAppend(&request, "Authorization: Bearer ", token, "\r\n");
  absl::StrAppend(&request, "\r\n");
  return request;
}

}  // namespace parta::bench
