#include "libs/redis/subscriber.h"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <algorithm>

#include "libs/core/log.h"

namespace parta::redis {

Subscriber::Subscriber(Endpoint endpoint, std::vector<std::string> channels, Callbacks callbacks)
    : endpoint_(std::move(endpoint)),
      channels_(std::move(channels)),
      callbacks_(std::move(callbacks)),
      thread_([this] { Run(); }) {}

Subscriber::~Subscriber() { Stop(); }

void Subscriber::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

int Subscriber::reconnects() const {
  absl::MutexLock lock(&mu_);
  return reconnects_;
}

void Subscriber::Run() {
  absl::Duration backoff = absl::Milliseconds(50);
  bool reconnect = false;
  while (!stop_.HasBeenNotified()) {
    Session(reconnect);
    if (stop_.WaitForNotificationWithTimeout(backoff)) return;
    backoff = std::min(backoff * 2, absl::Seconds(2));
    if (!reconnect) reconnect = true;
    absl::MutexLock lock(&mu_);
    ++reconnects_;
  }
}

void Subscriber::Session(bool reconnect) {
  absl::StatusOr<std::unique_ptr<Connection>> connection =
      Connection::Open(endpoint_, absl::Seconds(2));
  if (!connection.ok()) return;
  std::vector<std::string> command = {"SUBSCRIBE"};
  command.insert(command.end(), channels_.begin(), channels_.end());
  redisContext* context = (*connection)->raw();
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& argument : command) {
    argv.push_back(argument.data());
    lengths.push_back(argument.size());
  }
  if (redisAppendCommandArgv(context, static_cast<int>(argv.size()), argv.data(),
                             lengths.data()) != REDIS_OK) {
    return;
  }
  int wflushed = 0;
  while (!wflushed) {
    if (redisBufferWrite(context, &wflushed) != REDIS_OK) return;
  }
  size_t confirmed = 0;
  while (!stop_.HasBeenNotified()) {
    void* raw = nullptr;
    if (redisGetReplyFromReader(context, &raw) != REDIS_OK) return;
    if (raw == nullptr) {
      pollfd fd{.fd = context->fd, .events = POLLIN, .revents = 0};
      int ready = poll(&fd, 1, 100);
      if (ready < 0 || (ready > 0 && redisBufferRead(context) != REDIS_OK)) return;
      continue;
    }
    std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw),
                                                       freeReplyObject);
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) continue;
    std::string kind(reply->element[0]->str, reply->element[0]->len);
    if (kind == "subscribe") {
      if (++confirmed == channels_.size()) {
        if (reconnect) log::Warning("redis subscriber resubscribed");
        if (callbacks_.on_subscribed) callbacks_.on_subscribed(reconnect);
      }
    } else if (kind == "message" && callbacks_.on_message) {
      callbacks_.on_message(std::string(reply->element[1]->str, reply->element[1]->len),
                            std::string(reply->element[2]->str, reply->element[2]->len));
    }
  }
}

}  // namespace parta::redis
