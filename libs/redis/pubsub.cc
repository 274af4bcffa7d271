#include "libs/redis/pubsub.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include <algorithm>
#include <utility>

#include "libs/core/log.h"

namespace parta::redis {
namespace {

// Appends one command to the context's output buffer.
void Append(redisContext* context, const std::vector<std::string>& command) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& part : command) {
    argv.push_back(part.data());
    lengths.push_back(part.size());
  }
  redisAppendCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data());
}

}  // namespace

PubSub::PubSub(Endpoint endpoint, Callbacks callbacks)
    : endpoint_(std::move(endpoint)), callbacks_(std::move(callbacks)) {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  thread_ = std::thread([this] { Run(); });
}

PubSub::~PubSub() { Stop(); }

void PubSub::Stop() {
  if (!stop_.exchange(true)) Wake();
  if (thread_.joinable()) thread_.join();
  if (wake_fd_ >= 0) {
    close(wake_fd_);
    wake_fd_ = -1;
  }
}

void PubSub::Wake() {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t written = write(wake_fd_, &one, sizeof(one));
}

void PubSub::Subscribe(const std::vector<std::string>& channels,
                       std::function<void()> confirmed) {
  auto waiter = std::make_shared<Waiter>(Waiter{0, std::move(confirmed)});
  std::vector<std::string> command = {"SUBSCRIBE"};
  bool confirmed_already = false;
  {
    absl::MutexLock lock(&mu_);
    for (const std::string& channel : channels) {
      if (confirmed_.contains(channel)) continue;
      ++waiter->missing;
      waiters_[channel].push_back(waiter);
      if (wanted_.insert(channel).second) command.push_back(channel);
    }
    if (command.size() > 1) outbox_.push_back(command);
    // Decided under the lock: once it is released the PubSub thread may confirm the channels
    // and run the callback itself, which must then be the only run.
    confirmed_already = waiter->missing == 0;
  }
  if (command.size() > 1) Wake();
  if (confirmed_already && waiter->confirmed) waiter->confirmed();
}

void PubSub::Unsubscribe(const std::vector<std::string>& channels) {
  std::vector<std::string> command = {"UNSUBSCRIBE"};
  std::vector<std::function<void()>> to_fire;
  bool resynced = false;
  {
    absl::MutexLock lock(&mu_);
    for (const std::string& channel : channels) {
      if (!wanted_.erase(channel)) continue;
      command.push_back(channel);
      confirmed_.erase(channel);
      // Whoever still waits for it has left; let them go.
      Settle(channel, to_fire, resynced);
    }
    if (command.size() > 1) outbox_.push_back(command);
  }
  if (command.size() > 1) Wake();
  for (auto& fire : to_fire) fire();
  if (resynced && callbacks_.on_resubscribed) callbacks_.on_resubscribed();
}

void PubSub::Settle(const std::string& channel, std::vector<std::function<void()>>& to_fire,
                    bool& resynced) {
  if (auto it = waiters_.find(channel); it != waiters_.end()) {
    for (auto& waiter : it->second) {
      if (--waiter->missing == 0 && waiter->confirmed) to_fire.push_back(waiter->confirmed);
    }
    waiters_.erase(it);
  }
  if (resync_pending_ && resubscribing_.erase(channel) && resubscribing_.empty()) {
    resync_pending_ = false;
    resynced = true;
  }
}

void PubSub::OnConfirmed(const std::string& channel) {
  std::vector<std::function<void()>> to_fire;
  bool resynced = false;
  {
    absl::MutexLock lock(&mu_);
    if (!wanted_.contains(channel)) return;
    confirmed_.insert(channel);
    Settle(channel, to_fire, resynced);
  }
  for (auto& fire : to_fire) fire();
  if (resynced && callbacks_.on_resubscribed) callbacks_.on_resubscribed();
}

void PubSub::Run() {
  bool ever_connected = false;
  absl::Duration backoff = absl::Milliseconds(50);
  while (!stop_) {
    absl::StatusOr<std::unique_ptr<Connection>> connection =
        Connection::Open(endpoint_, absl::Seconds(2));
    if (connection.ok()) {
      if (ever_connected) ++reconnects_;
      Session(**connection, ever_connected);
      ever_connected = true;
      backoff = absl::Milliseconds(50);
      if (stop_) break;
      log::Warning("redis pub/sub connection lost; reconnecting");
    }
    pollfd wake = {wake_fd_, POLLIN, 0};
    poll(&wake, 1, static_cast<int>(absl::ToInt64Milliseconds(backoff)));
    backoff = std::min(backoff * 2, absl::Seconds(2));
  }
}

void PubSub::Session(Connection& connection, bool reconnect) {
  redisContext* context = connection.raw();
  bool resynced_now = false;
  {
    absl::MutexLock lock(&mu_);
    confirmed_.clear();
    outbox_.clear();
    std::vector<std::string> command = {"SUBSCRIBE"};
    command.insert(command.end(), wanted_.begin(), wanted_.end());
    if (command.size() > 1) Append(context, command);
    if (reconnect) {
      resubscribing_ = wanted_;
      resync_pending_ = !wanted_.empty();
      resynced_now = wanted_.empty();
    }
  }
  connected_ = true;
  if (resynced_now && callbacks_.on_resubscribed) callbacks_.on_resubscribed();

  while (!stop_) {
    int done = 0;
    while (!done) {
      if (redisBufferWrite(context, &done) != REDIS_OK) {
        connected_ = false;
        return;
      }
    }
    pollfd fds[2] = {{context->fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (poll(fds, 2, 1000) < 0) continue;
    if (fds[1].revents & POLLIN) {
      uint64_t ignored;
      [[maybe_unused]] ssize_t n = read(wake_fd_, &ignored, sizeof(ignored));
      std::deque<std::vector<std::string>> commands;
      {
        absl::MutexLock lock(&mu_);
        commands.swap(outbox_);
      }
      for (const auto& command : commands) Append(context, command);
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (redisBufferRead(context) != REDIS_OK) break;
      void* raw = nullptr;
      while (redisGetReplyFromReader(context, &raw) == REDIS_OK && raw != nullptr) {
        Value reply = CopyReply(*static_cast<redisReply*>(raw));
        freeReplyObject(raw);
        raw = nullptr;
        if (reply.type != Value::Type::kArray || reply.elements.size() < 3) continue;
        const std::string& kind = reply.elements[0].text;
        if (kind == "message") {
          if (callbacks_.on_message) {
            callbacks_.on_message(reply.elements[1].text, reply.elements[2].text);
          }
        } else if (kind == "subscribe") {
          OnConfirmed(reply.elements[1].text);
        }
      }
      if (context->err != 0) break;
    }
  }
  connected_ = false;
}

}  // namespace parta::redis
