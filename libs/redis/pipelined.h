#pragma once

// One Redis connection shared by many threads without waiting: a command is written at once and
// its reply handed to a callback, in order, by the connection's reader thread. For hot paths that
// must not block a thread per round trip (gRPC handlers answering from Redis).
//
// While Redis is unreachable every command fails at once with UNAVAILABLE (REDIS_UNAVAILABLE);
// the reader thread reconnects in the background. A Redis that stops answering is treated as
// gone once the oldest command waited `reply_timeout`: every waiting command fails. Callbacks run
// on the reader thread: they must be short and must not block.

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/redis/client.h"

namespace parta::redis {

class PipelinedConnection {
 public:
  using Callback = std::function<void(absl::StatusOr<Value>)>;

  struct Options {
    Endpoint endpoint;
    absl::Duration connect_timeout = absl::Milliseconds(500);
    absl::Duration reconnect_delay = absl::Milliseconds(200);
    absl::Duration reply_timeout = absl::Seconds(1);
  };

  explicit PipelinedConnection(Options options);
  ~PipelinedConnection();  // Stop()
  PipelinedConnection(const PipelinedConnection&) = delete;
  PipelinedConnection& operator=(const PipelinedConnection&) = delete;

  // Sends the command; `done` gets its reply (Redis errors as INTERNAL REDIS_ERROR), or
  // UNAVAILABLE if the connection is down or breaks before the reply.
  void Command(const std::vector<std::string>& arguments, Callback done);

  // Fails what is pending, closes the connection and joins the reader thread.
  void Stop();

 private:
  struct Waiting {
    Callback callback;
    absl::Time sent_at;
  };

  void ReaderLoop();
  // Fails every pending callback and forgets the connection (under mu_).
  std::deque<Waiting> Break() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // True when the oldest command has waited longer than the reply timeout.
  bool Stalled(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  absl::Mutex mu_;
  std::unique_ptr<Connection> connection_ ABSL_GUARDED_BY(mu_);  // null while down
  int fd_ ABSL_GUARDED_BY(mu_) = -1;
  std::deque<Waiting> pending_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread reader_;
};

}  // namespace parta::redis
