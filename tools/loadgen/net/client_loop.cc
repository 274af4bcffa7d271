#include "tools/loadgen/net/client_loop.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tools/bench/core/http_load.h"

namespace parta::loadgen {

struct ClientLoop::Connection {
  int fd = -1;
  std::unique_ptr<Session> session;
  std::string in;
  std::string out;
  size_t written = 0;
};

ClientLoop::ClientLoop() {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event event{EPOLLIN, {.u64 = ~uint64_t{0}}};
  epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &event);
  thread_ = std::thread([this] { Loop(); });
}

ClientLoop::~ClientLoop() {
  CloseAll();
  stop_ = true;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_, &one, sizeof(one));
  thread_.join();
  close(wake_);
  close(epoll_);
}

int ClientLoop::Add(int fd, std::unique_ptr<Session> session, std::string greeting) {
  auto connection = std::make_unique<Connection>();
  connection->fd = fd;
  connection->session = std::move(session);
  int id = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = static_cast<int>(connections_.size());
    connections_.push_back(std::move(connection));
  }
  Post({Command::kAdd, id, std::move(greeting)});
  return id;
}

void ClientLoop::Send(int id, std::string bytes) { Post({Command::kSend, id, std::move(bytes)}); }

void ClientLoop::CloseAll() {
  const int64_t request = close_requests_.fetch_add(1) + 1;
  Post({Command::kCloseAll, 0, {}});
  while (closes_done_.load() < request) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void ClientLoop::Post(Command command) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    commands_.push_back(std::move(command));
  }
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_, &one, sizeof(one));
}

void ClientLoop::Loop() {
  epoll_event events[512];
  while (!stop_) {
    const int ready = epoll_wait(epoll_, events, 512, 100);
    for (int i = 0; i < ready; ++i) {
      if (events[i].data.u64 == ~uint64_t{0}) {
        uint64_t ignored;
        [[maybe_unused]] ssize_t n = read(wake_, &ignored, sizeof(ignored));
        continue;
      }
      Connection* connection = nullptr;
      {
        std::lock_guard<std::mutex> lock(mu_);
        connection = connections_[events[i].data.u64].get();
      }
      if (connection->fd < 0) continue;
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) Read(*connection);
      if (connection->fd >= 0 && (events[i].events & EPOLLOUT)) Flush(*connection);
    }
    std::deque<Command> commands;
    {
      std::lock_guard<std::mutex> lock(mu_);
      commands.swap(commands_);
    }
    for (Command& command : commands) Apply(command);
  }
}

void ClientLoop::Apply(Command& command) {
  if (command.kind == Command::kCloseAll) {
    std::vector<Connection*> all;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& connection : connections_) all.push_back(connection.get());
    }
    for (Connection* connection : all) {
      if (connection->fd >= 0) {
        close(connection->fd);
        connection->fd = -1;
      }
      connection->session.reset();
    }
    closes_done_.fetch_add(1);
    return;
  }
  Connection* connection = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    connection = connections_[static_cast<size_t>(command.id)].get();
  }
  if (command.kind == Command::kAdd) {
    epoll_event event{EPOLLIN | EPOLLOUT | EPOLLET, {.u64 = static_cast<uint64_t>(command.id)}};
    epoll_ctl(epoll_, EPOLL_CTL_ADD, connection->fd, &event);
  }
  if (connection->fd < 0) return;
  connection->out += command.bytes;
  Flush(*connection);
}

void ClientLoop::Read(Connection& connection) {
  char buffer[65536];
  bool closed = false;
  while (true) {
    const ssize_t n = recv(connection.fd, buffer, sizeof(buffer), 0);
    if (n > 0) {
      connection.in.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) closed = true;
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  if (!connection.in.empty()) {
    const size_t queued = connection.out.size();
    connection.session->Received(connection.in, connection.out);
    if (connection.out.size() != queued) Flush(connection);
  }
  if (closed) Close(connection);
}

void ClientLoop::Flush(Connection& connection) {
  while (connection.written < connection.out.size()) {
    const ssize_t n = send(connection.fd, connection.out.data() + connection.written,
                           connection.out.size() - connection.written, MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) Close(connection);
      return;
    }
    connection.written += static_cast<size_t>(n);
  }
  connection.out.clear();
  connection.written = 0;
}

void ClientLoop::Close(Connection& connection) {
  if (connection.fd < 0) return;
  close(connection.fd);
  connection.fd = -1;
  closed_.fetch_add(1);
  connection.session->Closed();
}

absl::Status ConnectAll(ClientLoop& loop, int port, int count, Readiness& readiness,
                        const SessionFactory& make, int at_once, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  auto settled = [&readiness] { return readiness.ready.load() + readiness.refused.load(); };
  for (int i = 0; i < count; ++i) {
    while (i - settled() >= at_once && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    const int fd = ConnectNonBlocking(port, i);
    if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot connect socket ", i));
    auto [session, greeting] = make(i);
    loop.Add(fd, std::move(session), std::move(greeting));
  }
  while (settled() < count && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  if (readiness.ready.load() < count) {
    return absl::UnavailableError(absl::StrCat(readiness.ready.load(), " of ", count,
                                               " connections ready, ", readiness.refused.load(),
                                               " refused"));
  }
  return absl::OkStatus();
}

int ConnectNonBlocking(int port, int index) {
  const int fd = bench::ConnectFromLoopback(port, index);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

}  // namespace parta::loadgen
