#include "libs/redis/pipelined.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"

namespace parta::redis {
namespace {

absl::Status Down(absl::string_view why) {
  return Unavailable("REDIS_UNAVAILABLE", absl::StrCat("redis is unavailable: ", why));
}

// Writes all of `bytes` to a blocking socket.
bool SendAll(int fd, const char* bytes, size_t size) {
  while (size > 0) {
    ssize_t sent = send(fd, bytes, size, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes += sent;
    size -= static_cast<size_t>(sent);
  }
  return true;
}

struct ReaderDeleter {
  void operator()(redisReader* reader) const { redisReaderFree(reader); }
};

}  // namespace

PipelinedConnection::PipelinedConnection(Options options)
    : options_(std::move(options)), reader_([this] { ReaderLoop(); }) {}

PipelinedConnection::~PipelinedConnection() { Stop(); }

void PipelinedConnection::Command(const std::vector<std::string>& arguments, Callback done) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& argument : arguments) {
    argv.push_back(argument.data());
    lengths.push_back(argument.size());
  }
  char* formatted = nullptr;
  long long size = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()), argv.data(),
                                          lengths.data());
  if (size < 0) {
    done(Internal("REDIS_ERROR", "cannot format the command"));
    return;
  }
  std::unique_ptr<char, void (*)(char*)> command(formatted, redisFreeCommand);
  std::deque<Waiting> failed;
  {
    absl::MutexLock lock(&mu_);
    if (fd_ < 0) {
      failed.push_back({std::move(done), absl::Now()});
    } else {
      // Queued before it is written, so the reply always finds its callback.
      pending_.push_back({std::move(done), absl::Now()});
      if (!SendAll(fd_, command.get(), static_cast<size_t>(size))) failed = Break();
    }
  }
  for (Waiting& waiting : failed) waiting.callback(Down("not connected"));
}

bool PipelinedConnection::Stalled(absl::Time now) {
  return !pending_.empty() && now - pending_.front().sent_at > options_.reply_timeout;
}

std::deque<PipelinedConnection::Waiting> PipelinedConnection::Break() {
  std::deque<Waiting> failed;
  failed.swap(pending_);
  if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);  // wakes the reader; it closes the connection
  fd_ = -1;
  return failed;
}

void PipelinedConnection::ReaderLoop() {
  while (true) {
    int fd = -1;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    absl::StatusOr<std::unique_ptr<Connection>> opened =
        Connection::Open(options_.endpoint, options_.connect_timeout);
    if (opened.ok()) {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      connection_ = *std::move(opened);
      fd_ = fd = connection_->raw()->fd;
      // Replies are read here with no timeout: the reader waits for as long as it has to.
      redisSetTimeout(connection_->raw(), timeval{0, 0});
    }
    if (fd >= 0) {
      std::unique_ptr<redisReader, ReaderDeleter> parser(redisReaderCreate());
      char buffer[16384];
      while (true) {
        // Wakes up now and then to notice a Redis that stopped answering.
        pollfd readable{.fd = fd, .events = POLLIN, .revents = 0};
        int ready = poll(&readable, 1, 100);
        if (ready < 0 && errno != EINTR) break;
        if (ready <= 0) {
          absl::MutexLock lock(&mu_);
          if (fd_ != fd || Stalled(absl::Now())) break;
          continue;
        }
        ssize_t got = recv(fd, buffer, sizeof buffer, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0 ||
            redisReaderFeed(parser.get(), buffer, static_cast<size_t>(got)) != REDIS_OK) {
          break;
        }
        bool broken = false;
        while (true) {
          void* raw = nullptr;
          if (redisReaderGetReply(parser.get(), &raw) != REDIS_OK) {
            broken = true;
            break;
          }
          if (raw == nullptr) break;  // needs more bytes
          std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw),
                                                             freeReplyObject);
          absl::StatusOr<Value> value =
              reply->type == REDIS_REPLY_ERROR
                  ? absl::StatusOr<Value>(Internal(
                        "REDIS_ERROR", absl::StrCat("redis refused a command: ",
                                                    absl::string_view(reply->str, reply->len))))
                  : absl::StatusOr<Value>(CopyReply(*reply));
          Callback callback;
          {
            absl::MutexLock lock(&mu_);
            if (pending_.empty()) {
              broken = true;
              break;
            }
            callback = std::move(pending_.front().callback);
            pending_.pop_front();
          }
          callback(std::move(value));
        }
        if (broken) break;
      }
      std::deque<Waiting> failed;
      {
        absl::MutexLock lock(&mu_);
        if (fd_ == fd) failed = Break();
        connection_.reset();
      }
      for (Waiting& waiting : failed) waiting.callback(Down("the connection broke or stalled"));
    }
    absl::MutexLock lock(&mu_);
    auto stop_or_timeout = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
    mu_.AwaitWithTimeout(absl::Condition(&stop_or_timeout), options_.reconnect_delay);
    if (stopping_) return;
  }
}

void PipelinedConnection::Stop() {
  std::deque<Waiting> failed;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    failed = Break();
  }
  for (Waiting& waiting : failed) waiting.callback(Down("stopping"));
  if (reader_.joinable()) reader_.join();
}

}  // namespace parta::redis
