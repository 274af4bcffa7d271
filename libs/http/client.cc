#include "libs/http/client.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <type_traits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/core/status.h"

namespace parta::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

// Where an exchange stopped, for the error message and for the stale-connection retry.
enum class Stage { kConnect, kWrite, kRead };

const char* StageName(Stage stage) {
  switch (stage) {
    case Stage::kConnect:
      return "connect";
    case Stage::kWrite:
      return "send";
    case Stage::kRead:
      return "receive";
  }
  return "?";
}

}  // namespace

absl::StatusOr<Url> Url::Parse(absl::string_view url, absl::string_view reasons) {
  constexpr absl::string_view kScheme = "http://";
  auto bad = [&](absl::string_view why) {
    return InvalidArgument(absl::StrCat(reasons, "_BAD_URL"),
                           absl::StrCat("URL '", url, "': ", why));
  };
  if (!absl::StartsWith(url, kScheme)) return bad("must start with http://");
  absl::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  absl::string_view authority = rest.substr(0, slash);
  Url parsed;
  parsed.path = slash == absl::string_view::npos ? "/" : std::string(rest.substr(slash));
  size_t colon = authority.rfind(':');
  if (colon == absl::string_view::npos) {
    parsed.host = std::string(authority);
  } else {
    parsed.host = std::string(authority.substr(0, colon));
    if (!absl::SimpleAtoi(authority.substr(colon + 1), &parsed.port) || parsed.port <= 0 ||
        parsed.port > 65535) {
      return bad("bad port");
    }
  }
  if (parsed.host.empty()) return bad("no host");
  if (absl::StrContains(parsed.host, '@')) return bad("credentials in the URL are not supported");
  return parsed;
}

std::string Url::authority() const { return absl::StrCat(host, ":", port); }

// One TCP connection with its own io_context, driven by the thread that borrowed it. Abort() may
// come from any thread.
class Client::Connection {
 public:
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  bool connected = false;
  bool closed_by_abort = false;  // touched only on the thread that runs `io`

  // Restarts the io_context for one exchange; false once aborted.
  bool PrepareRun() {
    absl::MutexLock lock(&mu_);
    if (aborted_) return false;
    io.restart();
    return true;
  }

  // Closes the socket on the thread that runs `io`, which ends whatever it waits for.
  void Abort() {
    absl::MutexLock lock(&mu_);
    if (aborted_) return;
    aborted_ = true;
    asio::post(io, [this] {
      closed_by_abort = true;
      stream.close();
    });
  }

  bool aborted() {
    absl::MutexLock lock(&mu_);
    return aborted_;
  }

 private:
  absl::Mutex mu_;
  bool aborted_ ABSL_GUARDED_BY(mu_) = false;
};

namespace {

// The result of one request/response exchange on a connection.
struct ExchangeState {
  beast::error_code error;
  Stage stage = Stage::kConnect;
  bool got_response_bytes = false;
  bool keep_alive = false;
  Response response;
};

std::chrono::steady_clock::duration Remaining(absl::Time deadline) {
  return absl::ToChronoNanoseconds(std::max(absl::ZeroDuration(), deadline - absl::Now()));
}

}  // namespace

Client::Client(std::string host, int port, Options options)
    : host_(std::move(host)), port_(port), options_(options) {}

Client::~Client() { Shutdown(); }

void Client::Shutdown() {
  std::vector<std::unique_ptr<Connection>> idle;
  {
    absl::MutexLock lock(&mu_);
    shut_down_ = true;
    idle.swap(idle_);
    for (Connection* connection : busy_) connection->Abort();
  }
}

absl::StatusOr<std::unique_ptr<Client::Connection>> Client::Borrow(absl::Time deadline) {
  std::unique_ptr<Connection> connection;
  absl::MutexLock lock(&mu_);
  auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return shut_down_ || busy_.size() < options_.max_connections;
  };
  mu_.AwaitWithDeadline(absl::Condition(&available), deadline);
  if (shut_down_) return Failure(absl::StatusCode::kCancelled, "STOPPED", "stopped");
  if (!available()) {
    return Failure(absl::StatusCode::kDeadlineExceeded, "TIMEOUT",
                   absl::StrCat("all ", options_.max_connections, " connections stayed busy"));
  }
  if (!idle_.empty()) {
    connection = std::move(idle_.back());
    idle_.pop_back();
  } else {
    connection = std::make_unique<Connection>();
  }
  busy_.push_back(connection.get());
  return connection;
}

void Client::GiveBack(std::unique_ptr<Connection> connection, bool reusable) {
  absl::MutexLock lock(&mu_);
  busy_.erase(std::find(busy_.begin(), busy_.end(), connection.get()));
  if (reusable && !shut_down_ && idle_.size() < options_.max_idle_connections) {
    idle_.push_back(std::move(connection));
  }
  // Otherwise the connection closes here.
}

absl::Status Client::Failure(absl::StatusCode code, absl::string_view kind,
                             absl::string_view message) const {
  return Error(code, absl::StrCat(options_.reasons, "_", kind),
               absl::StrCat(absl::AsciiStrToLower(options_.reasons), " at ", host_, ":", port_,
                            ": ", message));
}

std::string Response::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

absl::StatusOr<Response> Client::Get(const std::string& target, absl::Duration timeout) {
  return Send({.method = "GET", .target = target}, timeout);
}

absl::StatusOr<Response> Client::Post(const std::string& target, std::string json_body,
                                      absl::Duration timeout) {
  return Send({.method = "POST",
               .target = target,
               .headers = {{"Content-Type", "application/json"}},
               .body = std::move(json_body)},
              timeout);
}

absl::StatusOr<Response> Client::Send(const Request& request, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const bhttp::verb verb = bhttp::string_to_verb(request.method);
  if (verb == bhttp::verb::unknown) {
    return Failure(absl::StatusCode::kInvalidArgument, "BAD_REQUEST",
                   absl::StrCat("unknown method '", request.method, "'"));
  }
  auto head_of = [&](auto& message) {
    message.set(bhttp::field::host, absl::StrCat(host_, ":", port_));
    for (const auto& [name, value] : request.headers) message.set(name, value);
    message.keep_alive(true);
  };
  if (request.body_file.empty()) {
    bhttp::request<bhttp::string_body> message(verb, request.target, 11);
    head_of(message);
    message.body() = request.body;
    message.prepare_payload();
    return Exchange(message, verb == bhttp::verb::head, deadline, timeout);
  }
  bhttp::request<bhttp::file_body> message(verb, request.target, 11);
  head_of(message);
  beast::error_code ec;
  message.body().open(request.body_file.c_str(), beast::file_mode::scan, ec);
  if (ec) {
    return Failure(absl::StatusCode::kInvalidArgument, "BAD_REQUEST",
                   absl::StrCat("body file ", request.body_file, ": ", ec.message()));
  }
  message.prepare_payload();
  return Exchange(message, verb == bhttp::verb::head, deadline, timeout);
}

template <class Message>
absl::StatusOr<Response> Client::Exchange(Message& request, bool head, absl::Time deadline,
                                          absl::Duration timeout) {
  // A reused connection that the server closed while idle fails before any answer arrives; such a
  // failure is retried once on a new connection.
  for (int attempt = 0;; ++attempt) {
    if constexpr (std::is_same_v<typename Message::body_type, bhttp::file_body>) {
      beast::error_code ec;
      request.body().file().seek(0, ec);  // a retry sends the file again from its start
      if (ec) return Failure(absl::StatusCode::kInternal, "BAD_REQUEST", ec.message());
    }
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, Borrow(deadline));
    const bool reused = c->connected;
    if (!c->PrepareRun()) {
      GiveBack(std::move(c), false);
      return Failure(absl::StatusCode::kCancelled, "STOPPED", "stopped");
    }

    ExchangeState exchange;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options_.max_response_bytes);
    parser.skip(head);
    auto read = [&] {
      exchange.stage = Stage::kRead;
      if (c->closed_by_abort) {
        exchange.error = asio::error::operation_aborted;
        return;
      }
      c->stream.expires_after(Remaining(deadline));
      bhttp::async_read(c->stream, c->buffer, parser, [&](beast::error_code ec, size_t) {
        exchange.error = ec;
        exchange.got_response_bytes = parser.got_some();
      });
    };
    auto write = [&] {
      exchange.stage = Stage::kWrite;
      if (c->closed_by_abort) {
        exchange.error = asio::error::operation_aborted;
        return;
      }
      c->stream.expires_after(Remaining(deadline));
      bhttp::async_write(c->stream, request, [&](beast::error_code ec, size_t) {
        if (ec) {
          exchange.error = ec;
          return;
        }
        read();
      });
    };
    if (c->connected) {
      write();
    } else {
      tcp::resolver resolver(c->io);
      beast::error_code ec;
      auto endpoints = resolver.resolve(host_, std::to_string(port_), ec);
      if (ec) {
        GiveBack(std::move(c), false);
        return Failure(absl::StatusCode::kUnavailable, "UNAVAILABLE",
                       absl::StrCat("resolve: ", ec.message()));
      }
      c->buffer.clear();
      c->stream.expires_after(Remaining(deadline));
      c->stream.async_connect(endpoints, [&](beast::error_code ec, const tcp::endpoint&) {
        if (ec) {
          exchange.error = ec;
          return;
        }
        c->connected = true;
        beast::error_code ignored;
        c->stream.socket().set_option(tcp::no_delay(true), ignored);
        write();
      });
    }
    c->io.run();

    if (c->closed_by_abort || c->aborted()) {
      GiveBack(std::move(c), false);
      return Failure(absl::StatusCode::kCancelled, "STOPPED", "stopped");
    }
    if (exchange.error) {
      GiveBack(std::move(c), false);
      if (exchange.error == beast::error::timeout) {
        return Failure(absl::StatusCode::kDeadlineExceeded, "TIMEOUT",
                       absl::StrCat("no answer within ", absl::FormatDuration(timeout)));
      }
      if (exchange.error == bhttp::error::body_limit) {
        return Failure(absl::StatusCode::kInternal, "BAD_RESPONSE", "the answer is too long");
      }
      if (reused && attempt == 0 && exchange.stage != Stage::kConnect &&
          !exchange.got_response_bytes) {
        continue;
      }
      return Failure(absl::StatusCode::kUnavailable, "UNAVAILABLE",
                     absl::StrCat(StageName(exchange.stage), ": ", exchange.error.message()));
    }
    Response response;
    response.status = static_cast<int>(parser.get().result_int());
    const bool keep_alive = parser.get().keep_alive();
    for (const auto& field : parser.get()) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(parser.get().body());
    GiveBack(std::move(c), keep_alive);
    return response;
  }
}

}  // namespace parta::http
