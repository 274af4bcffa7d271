#include "libs/redis/client.h"

#include <hiredis/hiredis.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/core/status.h"

namespace parta::redis {
namespace {

absl::Status Down(absl::string_view what) {
  return Unavailable("REDIS_UNAVAILABLE", absl::StrCat("redis is unavailable: ", what));
}


Value Copy(const redisReply& reply) {
  Value value;
  switch (reply.type) {
    case REDIS_REPLY_INTEGER:
      value.type = Value::Type::kInteger;
      value.integer = reply.integer;
      break;
    case REDIS_REPLY_STRING:
      value.type = Value::Type::kString;
      value.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      value.type = Value::Type::kStatus;
      value.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ARRAY:
      value.type = Value::Type::kArray;
      for (size_t i = 0; i < reply.elements; ++i) value.elements.push_back(Copy(*reply.element[i]));
      break;
    default:
      value.type = Value::Type::kNil;
  }
  return value;
}

}  // namespace

Value CopyReply(const redisReply& reply) { return Copy(reply); }

absl::StatusOr<Endpoint> Endpoint::Parse(absl::string_view uri) {
  Endpoint endpoint;
  if (absl::ConsumePrefix(&uri, "unix://")) {
    if (uri.empty()) return InvalidArgument("INVALID_REDIS_URI", "unix:// needs a socket path");
    endpoint.unix_path = std::string(uri);
    return endpoint;
  }
  if (absl::ConsumePrefix(&uri, "tcp://")) {
    size_t colon = uri.rfind(':');
    if (colon != absl::string_view::npos &&
        absl::SimpleAtoi(uri.substr(colon + 1), &endpoint.port) && colon > 0) {
      endpoint.host = std::string(uri.substr(0, colon));
      return endpoint;
    }
  }
  return InvalidArgument("INVALID_REDIS_URI",
                         "a Redis address is unix:///path or tcp://host:port");
}

void ContextDeleter::operator()(redisContext* context) const { redisFree(context); }

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const Endpoint& endpoint,
                                                             absl::Duration timeout) {
  timeval tv = absl::ToTimeval(timeout);
  redisContext* raw = endpoint.unix_path.empty()
                          ? redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, tv)
                          : redisConnectUnixWithTimeout(endpoint.unix_path.c_str(), tv);
  std::unique_ptr<redisContext, ContextDeleter> context(raw);
  if (!context) return Down("out of memory");
  if (context->err != 0) return Down(context->errstr);
  redisSetTimeout(context.get(), tv);
  return std::unique_ptr<Connection>(new Connection(std::move(context)));
}

absl::StatusOr<Value> Connection::ReadReply() {
  void* raw = nullptr;
  if (redisGetReply(context_.get(), &raw) != REDIS_OK || raw == nullptr) {
    broken_ = true;
    return Down(context_->errstr);
  }
  std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw),
                                                     freeReplyObject);
  if (reply->type == REDIS_REPLY_ERROR) {
    return Internal("REDIS_ERROR", absl::StrCat("redis refused a command: ",
                                                absl::string_view(reply->str, reply->len)));
  }
  return Copy(*reply);
}

absl::StatusOr<Value> Connection::Command(const std::vector<std::string>& arguments) {
  ASSIGN_OR_RETURN(std::vector<Value> values, Pipeline({arguments}));
  return std::move(values.front());
}

absl::StatusOr<std::vector<Value>> Connection::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (broken_) return Down("the connection broke");
  for (const std::vector<std::string>& command : commands) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const std::string& argument : command) {
      argv.push_back(argument.data());
      lengths.push_back(argument.size());
    }
    if (redisAppendCommandArgv(context_.get(), static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      broken_ = true;
      return Down(context_->errstr);
    }
  }
  std::vector<Value> values;
  absl::Status first_error;
  for (size_t i = 0; i < commands.size(); ++i) {
    absl::StatusOr<Value> value = ReadReply();
    if (broken_) return value.status();
    if (!value.ok()) {
      if (first_error.ok()) first_error = value.status();
      values.emplace_back();
    } else {
      values.push_back(*std::move(value));
    }
  }
  if (!first_error.ok()) return first_error;
  return values;
}

absl::StatusOr<std::unique_ptr<Connection>> Pool::Take() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
  }
  return Connection::Open(options_.endpoint, options_.timeout);
}

void Pool::Give(std::unique_ptr<Connection> connection) {
  if (connection->broken()) return;
  absl::MutexLock lock(&mu_);
  if (idle_.size() < options_.size) idle_.push_back(std::move(connection));
}

absl::StatusOr<Value> Pool::Command(const std::vector<std::string>& arguments) {
  ASSIGN_OR_RETURN(std::vector<Value> values, Pipeline({arguments}));
  return std::move(values.front());
}

absl::StatusOr<std::vector<Value>> Pool::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Take());
  absl::StatusOr<std::vector<Value>> values = connection->Pipeline(commands);
  Give(std::move(connection));
  return values;
}

}  // namespace parta::redis
