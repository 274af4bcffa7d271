#include "tools/bench/calls_relay.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"
#include "tools/loadgen/wire/websocket.h"

namespace parta::bench {
namespace {

using loadgen::Opcode;

constexpr absl::string_view kCandidateKey = "\"candidate\":\"candidate:";

// The receiver's socket: the upgrade, `ready`, then the signals' events.
class Receiver {
 public:
  ~Receiver() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) close(fd_);
  }

  absl::Status Open(int port, const std::string& authorization) {
    fd_ = ConnectFromLoopback(port, 239);
    if (fd_ < 0) return absl::UnavailableError("cannot connect the receiver's socket");
    timeval timeout{.tv_sec = 0, .tv_usec = 100'000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    const std::string upgrade = loadgen::WebSocketUpgrade(
        "/v1/events", absl::StrCat("parta.v1, bearer.", authorization.substr(7)));
    if (send(fd_, upgrade.data(), upgrade.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(upgrade.size())) {
      return absl::UnavailableError("cannot send the upgrade");
    }
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    bool upgraded = false;
    while (!ready_ && absl::Now() < deadline) {
      if (!ReadSome()) continue;
      if (!upgraded) {
        bool accepted = false;
        const size_t size = loadgen::ParseUpgradeAnswer(in_, accepted);
        if (size == 0) continue;
        if (!accepted) return absl::PermissionDeniedError("the gateway refused the socket");
        in_.erase(0, size);
        upgraded = true;
      }
      if (!Frames()) return absl::InternalError("a malformed frame from the gateway");
    }
    if (!ready_) return absl::DeadlineExceededError("the socket was not ready within 10 s");
    return absl::OkStatus();
  }

  // From now on, signals are timed from `start` + sequence / `rate`.
  void Listen(absl::Time start, double rate) {
    start_ = start;
    interval_ = absl::Seconds(1 / rate);
    thread_ = std::thread([this] {
      while (!stop_) {
        if (ReadSome() && !Frames()) break;
      }
    });
  }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  int64_t received() {
    absl::MutexLock lock(&mu_);
    return result_.received;
  }
  RelayResult Result() {
    absl::MutexLock lock(&mu_);
    return result_;
  }

 private:
  bool ReadSome() {
    char buffer[65536];
    const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n <= 0) return false;
    in_.append(buffer, static_cast<size_t>(n));
    return true;
  }

  // Consumes the complete frames; false on a malformed one.
  bool Frames() {
    size_t at = 0;
    loadgen::ServerFrame frame;
    int64_t size = 0;
    while ((size = loadgen::ParseServerFrame(absl::string_view(in_).substr(at), frame)) > 0) {
      at += static_cast<size_t>(size);
      if (frame.opcode == Opcode::kPing) {
        const std::string pong = loadgen::ClientFrame(Opcode::kPong, frame.payload);
        send(fd_, pong.data(), pong.size(), MSG_NOSIGNAL);
      } else if (frame.opcode == Opcode::kText || frame.opcode == Opcode::kContinuation) {
        message_.append(frame.payload.data(), frame.payload.size());
        if (frame.fin) {
          OnMessage(message_);
          message_.clear();
        }
      }
    }
    in_.erase(0, at);
    return size >= 0;
  }

  void OnMessage(absl::string_view text) {
    const absl::Time now = absl::Now();
    if (!ready_) {
      ready_ = text.find("\"type\":\"ready\"") != absl::string_view::npos;
      return;
    }
    const size_t at = text.find(kCandidateKey);
    if (at == absl::string_view::npos) return;  // another event
    const size_t begin = at + kCandidateKey.size();
    const size_t end = text.find(' ', begin);
    int64_t sequence = -1;
    if (end == absl::string_view::npos ||
        !absl::SimpleAtoi(text.substr(begin, end - begin), &sequence) || sequence < 0) {
      return;
    }
    absl::MutexLock lock(&mu_);
    if (static_cast<size_t>(sequence) >= seen_.size()) seen_.resize(sequence + 1, false);
    if (seen_[sequence]) {
      ++result_.duplicates;
      return;
    }
    seen_[sequence] = true;
    ++result_.received;
    if (sequence < highest_) ++result_.reordered;
    highest_ = std::max(highest_, sequence);
    result_.latency.Record(now - (start_ + interval_ * sequence));
  }

  int fd_ = -1;
  std::string in_;
  std::string message_;
  bool ready_ = false;
  absl::Time start_;
  absl::Duration interval_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  absl::Mutex mu_;
  RelayResult result_ ABSL_GUARDED_BY(mu_);
  std::vector<bool> seen_ ABSL_GUARDED_BY(mu_);
  int64_t highest_ ABSL_GUARDED_BY(mu_) = -1;
};

std::string SignalRequest(const RelayPlan& plan, int64_t sequence) {
  const std::string body =
      nlohmann::json{{"toUserId", plan.receiver_id},
                     {"candidate",
                      {{"candidate", absl::StrCat("candidate:", sequence,
                                                  " 1 udp 2122260223 192.0.2.1 ",
                                                  9000 + sequence % 1000, " typ host")},
                       {"sdpMid", "0"},
                       {"sdpMLineIndex", 0}}}}
          .dump();
  return absl::StrCat("POST /v1/calls/", plan.call_id,
                      "/signals HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ",
                      plan.sender_authorization,
                      "\r\nContent-Type: application/json\r\nContent-Length: ", body.size(),
                      "\r\n\r\n", body);
}

}  // namespace

absl::StatusOr<RelayResult> MeasureRelay(HttpLoad& sender, const RelayPlan& plan) {
  Receiver receiver;
  if (absl::Status opened = receiver.Open(plan.gateway_port, plan.receiver_authorization);
      !opened.ok()) {
    return opened;
  }
  const int64_t total = static_cast<int64_t>(plan.rate * absl::ToDoubleSeconds(plan.duration));
  std::vector<std::string> requests;
  requests.reserve(static_cast<size_t>(total));
  for (int64_t i = 0; i < total; ++i) requests.push_back(SignalRequest(plan, i));

  struct Sends {
    absl::Mutex mu;
    int64_t answered = 0, accepted = 0;
    std::string first_error;
  };
  auto sends = std::make_shared<Sends>();
  const absl::Duration interval = absl::Seconds(1 / plan.rate);
  const absl::Time start = absl::Now() + absl::Milliseconds(20);
  receiver.Listen(start, plan.rate);
  for (int64_t i = 0; i < total; ++i) {
    const absl::Time scheduled = start + interval * i;
    const absl::Time now = absl::Now();
    if (scheduled > now) absl::SleepFor(scheduled - now);
    sender.SendForReply(std::move(requests[static_cast<size_t>(i)]),
                        [sends](HttpLoad::Reply reply) {
                          absl::MutexLock lock(&sends->mu);
                          ++sends->answered;
                          if (reply.status == 200) {
                            ++sends->accepted;
                          } else if (sends->first_error.empty()) {
                            sends->first_error = absl::StrCat(reply.status, " ", reply.body);
                          }
                        });
  }
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  {
    absl::MutexLock lock(&sends->mu);
    auto answered = [&] { return sends->answered == total; };
    sends->mu.AwaitWithDeadline(absl::Condition(&answered), give_up);
  }
  while (absl::Now() < give_up) {
    int64_t accepted;
    {
      absl::MutexLock lock(&sends->mu);
      accepted = sends->accepted;
    }
    if (receiver.received() >= accepted) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  receiver.Stop();
  RelayResult result = receiver.Result();
  absl::MutexLock lock(&sends->mu);
  result.scheduled = total;
  result.accepted = sends->accepted;
  result.first_error = sends->first_error;
  return result;
}

}  // namespace parta::bench
