#pragma once

// Many client connections driven by one epoll thread. Each connection has a Session: the
// protocol's state, fed with the bytes that arrive, which may answer (acks, pongs) by appending
// to the connection's output. Other threads hand over connections and queue bytes to send.

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace parta::loadgen {

class Session {
 public:
  virtual ~Session() = default;
  // Called on the loop's thread with what has arrived and not yet been consumed; the session
  // erases what it parsed from `in` and appends anything to send to `out`.
  virtual void Received(std::string& in, std::string& out) = 0;
  // The peer closed the connection or it failed.
  virtual void Closed() {}
};

class ClientLoop {
 public:
  ClientLoop();
  ~ClientLoop();  // closes every connection
  ClientLoop(const ClientLoop&) = delete;
  ClientLoop& operator=(const ClientLoop&) = delete;

  // Takes a connected socket and its session, and sends `greeting` (a handshake) on it; the
  // connection's id. Any thread.
  int Add(int fd, std::unique_ptr<Session> session, std::string greeting);
  // Queues `bytes` on connection `id`. Any thread.
  void Send(int id, std::string bytes);
  // Closes every connection (waits until the loop has done it).
  void CloseAll();

  int64_t closed() const { return closed_.load(); }

 private:
  struct Connection;
  struct Command {
    enum Kind { kAdd, kSend, kCloseAll } kind;
    int id = 0;
    std::string bytes;
  };
  void Post(Command command);
  void Loop();
  void Apply(Command& command);
  void Read(Connection& connection);
  void Flush(Connection& connection);
  void Close(Connection& connection);

  int epoll_ = -1;
  int wake_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> closed_{0};
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> connections_;  // by id; guarded by mu_ to grow
  std::deque<Command> commands_;
  std::atomic<int64_t> close_requests_{0}, closes_done_{0};
  std::thread thread_;
};

// How many connections of a batch are ready (handshake done, following their group) and how
// many were refused or closed before that. Sessions count themselves.
struct Readiness {
  std::atomic<int> ready{0};
  std::atomic<int> refused{0};
};

// A connection's session and the greeting it starts with.
using SessionFactory = std::function<std::pair<std::unique_ptr<Session>, std::string>(int index)>;

// Opens `count` connections to 127.0.0.1:`port` over many source addresses, at most
// `at_once` not yet ready at a time, and waits until every one is ready; an error when one is
// refused or `timeout` passes.
absl::Status ConnectAll(ClientLoop& loop, int port, int count, Readiness& readiness,
                        const SessionFactory& make, int at_once = 256,
                        absl::Duration timeout = absl::Minutes(3));

// A socket connected to 127.0.0.1:`port` from 127.0.0.<2 + index % 240>, non-blocking with
// TCP_NODELAY; -1 on failure.
int ConnectNonBlocking(int port, int index);

}  // namespace parta::loadgen
