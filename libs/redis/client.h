#pragma once

// Redis over hiredis: RAII connections, a bounded pool, and replies copied into plain values so
// no hiredis type leaves this library. Redis errors and broken connections become UNAVAILABLE
// (reason REDIS_UNAVAILABLE) or INTERNAL (REDIS_ERROR); callers decide how to fail closed.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

struct redisContext;
struct redisReply;

namespace parta::redis {

// Where Redis listens: "unix:///run/redis.sock" or "tcp://127.0.0.1:6379".
struct Endpoint {
  std::string unix_path;
  std::string host;
  int port = 0;

  static absl::StatusOr<Endpoint> Parse(absl::string_view uri);
};

// A reply, copied out of hiredis.
struct Value {
  enum class Type { kNil, kInteger, kString, kStatus, kArray };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string text;  // string and status replies
  std::vector<Value> elements;

  bool is_nil() const { return type == Type::kNil; }
};

// A copy of a hiredis reply (for code that drives a raw context).
Value CopyReply(const redisReply& reply);

struct ContextDeleter {
  void operator()(redisContext* context) const;
};

class Connection {
 public:
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const Endpoint& endpoint,
                                                          absl::Duration timeout);

  absl::StatusOr<Value> Command(const std::vector<std::string>& arguments);
  // Sends every command, then reads every reply: one round trip for many commands.
  absl::StatusOr<std::vector<Value>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);

  bool broken() const { return broken_; }
  redisContext* raw() { return context_.get(); }

 private:
  explicit Connection(std::unique_ptr<redisContext, ContextDeleter> context)
      : context_(std::move(context)) {}
  absl::StatusOr<Value> ReadReply();

  std::unique_ptr<redisContext, ContextDeleter> context_;
  bool broken_ = false;
};

class Pool {
 public:
  struct Options {
    Endpoint endpoint;
    size_t size = 8;  // idle connections kept for reuse
    absl::Duration timeout = absl::Seconds(2);  // connect and per command
  };
  explicit Pool(Options options) : options_(std::move(options)) {}

  absl::StatusOr<Value> Command(const std::vector<std::string>& arguments);
  absl::StatusOr<std::vector<Value>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);

 private:
  absl::StatusOr<std::unique_ptr<Connection>> Take();
  void Give(std::unique_ptr<Connection> connection);

  const Options options_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parta::redis
