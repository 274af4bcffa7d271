// The only translation unit that knows Boost.Beast: the listener and the HTTP sessions.

#include "tools/esia-emulator/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "libs/core/status.h"
#include "tools/esia-emulator/encoding.h"

namespace parta::esia_emulator {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr size_t kMaxHeadBytes = 16 * 1024;
constexpr size_t kMaxBodyBytes = 48 * 1024;
constexpr auto kIdleTimeout = std::chrono::seconds(30);

std::string ToString(beast::string_view text) { return std::string(text.data(), text.size()); }

void LogRequest(absl::string_view method, absl::string_view target, int status,
                absl::Duration elapsed) {
  // The query carries client_secret, codes and states: the path is enough.
  const std::string path = SplitTarget(target).path;
  const std::string line =
      absl::StrFormat("%s esia-emulator %s %s %d %.1fms\n",
                      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
                      method, path, status, absl::ToDoubleMilliseconds(elapsed));
  std::fwrite(line.data(), 1, line.size(), stderr);
}

// One connection: reads a request, answers it, and again while the client keeps it alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpHandler& handler)
      : stream_(std::move(socket)), handler_(handler) {}

  void Start() { ReadRequest(); }

 private:
  void ReadRequest() {
    parser_.emplace();
    parser_->header_limit(kMaxHeadBytes);
    parser_->body_limit(kMaxBodyBytes);
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code error, size_t) {
    if (error == http::error::body_limit || error == http::error::header_limit ||
        error == http::error::buffer_overflow) {
      const auto& head = parser_->get();  // empty when the head itself was too long
      LogRequest(ToString(head.method_string()), ToString(head.target()), 413,
                 absl::ZeroDuration());
      Send({.status = 413,
            .content_type = "text/plain",
            .headers = {},
            .body = "request too large\n"},
           false);
      return;
    }
    if (error == http::error::end_of_stream || error == beast::error::timeout ||
        error == asio::error::operation_aborted) {
      Close();
      return;
    }
    if (error.category() == http::make_error_code(http::error::bad_target).category()) {
      LogRequest("-", "-", 400, absl::ZeroDuration());
      Send({.status = 400,
            .content_type = "text/plain",
            .headers = {},
            .body = "malformed HTTP request\n"},
           false);
      return;
    }
    if (error) return;  // the peer went away

    const auto& message = parser_->get();
    HttpRequest request{.method = ToString(message.method_string()),
                        .target = ToString(message.target()),
                        .authorization = "",
                        .body = message.body()};
    if (const auto found = message.find(http::field::authorization); found != message.end()) {
      request.authorization = ToString(found->value());
    }
    const absl::Time start = absl::Now();
    HttpResponse answer = handler_(request);
    LogRequest(request.method, request.target, answer.status, absl::Now() - start);
    Send(std::move(answer), message.keep_alive());
  }

  void Send(HttpResponse answer, bool keep_alive) {
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(answer.status));
    response_.set(http::field::server, "parta-esia-emulator");
    response_.set(http::field::cache_control, "no-store");
    if (!answer.content_type.empty()) response_.set(http::field::content_type, answer.content_type);
    for (const auto& [name, value] : answer.headers) response_.set(name, value);
    response_.body() = std::move(answer.body);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this(), keep_alive));
  }

  void OnWrite(bool keep_alive, beast::error_code error, size_t) {
    if (error) return;
    if (!keep_alive) {
      Close();
      return;
    }
    ReadRequest();
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  const HttpHandler& handler_;
};

}  // namespace

struct HttpServer::State {
  explicit State(HttpHandler handler_in) : handler(std::move(handler_in)) {}

  void Accept() {
    acceptor.async_accept([this](beast::error_code error, tcp::socket socket) {
      if (error == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!error) {
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<Session>(std::move(socket), handler)->Start();
      }
      Accept();
    });
  }

  // Declared first: sessions refer to it until the io_context below destroys them.
  HttpHandler handler;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  int port = 0;
  std::thread thread;
  bool stopped = false;
};

HttpServer::HttpServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

HttpServer::~HttpServer() { Stop(); }

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& host, int port,
                                                              HttpHandler handler) {
  auto state = std::make_unique<State>(std::move(handler));
  beast::error_code error;
  const asio::ip::address address = asio::ip::make_address(host, error);
  if (error) {
    return InvalidArgument("BAD_LISTEN_ADDRESS",
                           absl::StrCat("--listen needs an IP address, not ", host));
  }
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  state->acceptor.open(endpoint.protocol(), error);
  if (!error) state->acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) state->acceptor.bind(endpoint, error);
  if (!error) state->acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return Unavailable("LISTEN_FAILED",
                       absl::StrCat("cannot listen on ", host, ":", port, ": ", error.message()));
  }
  state->port = state->acceptor.local_endpoint().port();
  state->Accept();
  State* raw = state.get();
  state->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(state)));
}

int HttpServer::port() const { return state_->port; }

void HttpServer::Stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  state_->io.stop();
  state_->thread.join();
  beast::error_code ignored;
  state_->acceptor.close(ignored);
}

}  // namespace parta::esia_emulator
