#include "libs/janus/http_client.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/core/status.h"
#include "libs/janus/errors.h"

namespace parta::janus {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
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

absl::StatusOr<HttpUrl> HttpUrl::Parse(absl::string_view url) {
  constexpr absl::string_view kScheme = "http://";
  auto bad = [&](absl::string_view why) {
    return InvalidArgument(kBadUrl, absl::StrCat("janus URL '", url, "': ", why));
  };
  if (!absl::StartsWith(url, kScheme)) return bad("must start with http://");
  absl::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  absl::string_view authority = rest.substr(0, slash);
  HttpUrl parsed;
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

std::string HttpUrl::authority() const { return absl::StrCat(host, ":", port); }

// One TCP connection with its own io_context, driven by the thread that borrowed it. Abort() may
// come from any thread.
class HttpClient::Connection {
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
struct Exchange {
  beast::error_code error;
  Stage stage = Stage::kConnect;
  bool got_response_bytes = false;
  bool keep_alive = false;
  HttpResponse response;
};

std::chrono::steady_clock::duration Remaining(absl::Time deadline) {
  return absl::ToChronoNanoseconds(std::max(absl::ZeroDuration(), deadline - absl::Now()));
}

}  // namespace

HttpClient::HttpClient(std::string host, int port, Options options)
    : host_(std::move(host)), port_(port), options_(options) {}

HttpClient::~HttpClient() { Shutdown(); }

void HttpClient::Shutdown() {
  std::vector<std::unique_ptr<Connection>> idle;
  {
    absl::MutexLock lock(&mu_);
    shut_down_ = true;
    idle.swap(idle_);
    for (Connection* connection : busy_) connection->Abort();
  }
}

absl::StatusOr<std::unique_ptr<HttpClient::Connection>> HttpClient::Borrow(absl::Time deadline) {
  const std::string where = absl::StrCat("janus at ", host_, ":", port_);
  std::unique_ptr<Connection> connection;
  absl::MutexLock lock(&mu_);
  auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return shut_down_ || busy_.size() < options_.max_connections;
  };
  mu_.AwaitWithDeadline(absl::Condition(&available), deadline);
  if (shut_down_) return Error(absl::StatusCode::kCancelled, kStopped, where + ": stopped");
  if (!available()) {
    return Error(
        absl::StatusCode::kDeadlineExceeded, kTimeout,
        absl::StrCat(where, ": all ", options_.max_connections, " connections stayed busy"));
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

void HttpClient::GiveBack(std::unique_ptr<Connection> connection, bool reusable) {
  absl::MutexLock lock(&mu_);
  busy_.erase(std::find(busy_.begin(), busy_.end(), connection.get()));
  if (reusable && !shut_down_ && idle_.size() < options_.max_idle_connections) {
    idle_.push_back(std::move(connection));
  }
  // Otherwise the connection closes here.
}

absl::StatusOr<HttpResponse> HttpClient::Get(const std::string& target, absl::Duration timeout) {
  return Request(/*post=*/false, target, "", timeout);
}

absl::StatusOr<HttpResponse> HttpClient::Post(const std::string& target, std::string json_body,
                                              absl::Duration timeout) {
  return Request(/*post=*/true, target, std::move(json_body), timeout);
}

absl::StatusOr<HttpResponse> HttpClient::Request(bool post, const std::string& target,
                                                 std::string body, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const std::string where = absl::StrCat("janus at ", host_, ":", port_);
  http::request<http::string_body> request(post ? http::verb::post : http::verb::get, target, 11);
  request.set(http::field::host, absl::StrCat(host_, ":", port_));
  request.keep_alive(true);
  if (post) {
    request.set(http::field::content_type, "application/json");
    request.body() = std::move(body);
  }
  request.prepare_payload();

  // A reused connection that the server closed while idle fails before any answer arrives; such a
  // failure is retried once on a new connection.
  for (int attempt = 0;; ++attempt) {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, Borrow(deadline));
    const bool reused = c->connected;
    if (!c->PrepareRun()) {
      GiveBack(std::move(c), false);
      return Error(absl::StatusCode::kCancelled, kStopped, where + ": stopped");
    }

    Exchange exchange;
    http::response_parser<http::string_body> parser;
    parser.body_limit(options_.max_response_bytes);
    auto read = [&] {
      exchange.stage = Stage::kRead;
      if (c->closed_by_abort) {
        exchange.error = asio::error::operation_aborted;
        return;
      }
      c->stream.expires_after(Remaining(deadline));
      http::async_read(c->stream, c->buffer, parser, [&](beast::error_code ec, size_t) {
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
      http::async_write(c->stream, request, [&](beast::error_code ec, size_t) {
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
        return Unavailable(kUnavailable, absl::StrCat(where, ": resolve: ", ec.message()));
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
      return Error(absl::StatusCode::kCancelled, kStopped, where + ": stopped");
    }
    if (exchange.error) {
      GiveBack(std::move(c), false);
      if (exchange.error == beast::error::timeout) {
        return Error(absl::StatusCode::kDeadlineExceeded, kTimeout,
                     absl::StrCat(where, ": no answer within ", absl::FormatDuration(timeout)));
      }
      if (exchange.error == http::error::body_limit) {
        return BadResponse(absl::StrCat(where, ": the answer is too long"));
      }
      if (reused && attempt == 0 && exchange.stage != Stage::kConnect &&
          !exchange.got_response_bytes) {
        continue;
      }
      return Unavailable(kUnavailable, absl::StrCat(where, ": ", StageName(exchange.stage), ": ",
                                                    exchange.error.message()));
    }
    HttpResponse response;
    response.status = static_cast<int>(parser.get().result_int());
    const bool keep_alive = parser.get().keep_alive();
    response.body = std::move(parser.get().body());
    GiveBack(std::move(c), keep_alive);
    return response;
  }
}

}  // namespace parta::janus
