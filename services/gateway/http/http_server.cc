// The only translation unit that knows Boost.Beast: HTTP sessions, WebSocket sessions and the
// listener.

#include "services/gateway/http/http_server.h"

#include <sys/sendfile.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <deque>
#include <limits>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "services/gateway/transcoding/http_errors.h"

namespace parta::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// Streams bound to a concrete io_context executor: no type-erased executor on the hot path.
using Executor = asio::io_context::executor_type;
using Stream = beast::basic_stream<tcp, Executor>;
using Socket = tcp::socket::rebind_executor<Executor>::other;

// Sent with every answer, including the server's own refusals.
constexpr absl::string_view kSecurityHeaders =
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: no-referrer\r\n";
// The caching rule of every answer that does not bring its own (a file, revalidated by ETag).
constexpr absl::string_view kCacheControl = "Cache-Control: no-store\r\n";
// The content security policy of every answer that does not bring its own (a page, a file).
constexpr absl::string_view kContentSecurityPolicy =
    "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n";

bool HasOwnHeader(const HttpResponse& answer, absl::string_view header) {
  for (const auto& [name, value] : answer.headers) {
    if (absl::EqualsIgnoreCase(name, header)) return true;
  }
  return false;
}

// The status line's text; Beast knows the registered codes, the rest are the gateway's own.
absl::string_view ReasonPhrase(int status) {
  switch (status) {
    case 460: return "Checksum Mismatch";  // tus checksum extension
    case 499: return "Client Closed Request";
    default: break;
  }
  const beast::string_view reason = http::obsolete_reason(static_cast<http::status>(status));
  return absl::string_view(reason.data(), reason.size());
}

// An answer's status line and headers; `content_length` is left out when absent.
std::string SerializeHead(const HttpResponse& answer, std::optional<uint64_t> content_length,
                          bool keep_alive) {
  std::string wire;
  wire.reserve(512);
  absl::StrAppend(&wire, "HTTP/1.1 ", answer.status, " ", ReasonPhrase(answer.status), "\r\n",
                  kSecurityHeaders);
  if (!HasOwnHeader(answer, "Cache-Control")) absl::StrAppend(&wire, kCacheControl);
  if (!HasOwnHeader(answer, "Content-Security-Policy")) {
    absl::StrAppend(&wire, kContentSecurityPolicy);
  }
  if (!answer.content_type.empty())
    absl::StrAppend(&wire, "Content-Type: ", answer.content_type, "\r\n");
  for (const auto& [name, value] : answer.headers)
    absl::StrAppend(&wire, name, ": ", value, "\r\n");
  if (content_length) absl::StrAppend(&wire, "Content-Length: ", *content_length, "\r\n");
  if (!keep_alive) wire += "Connection: close\r\n";
  wire += "\r\n";
  return wire;
}

bool HasBody(int status) { return status != 204 && status != 304; }

// An answer as bytes on the wire: status line, headers, body in one buffer. `head_only`
// (a HEAD request) announces the body's length and leaves the body out.
std::string Serialize(const HttpResponse& answer, bool keep_alive, bool head_only = false) {
  std::string wire = SerializeHead(
      answer, HasBody(answer.status) ? std::optional<uint64_t>(answer.body.size()) : std::nullopt,
      keep_alive);
  if (!head_only) wire += answer.body;
  return wire;
}

// "No limit" for a parser. Not boost::none: Beast 1.81 compares a Content-Length with the
// optional limit directly, and every length is greater than none.
constexpr uint64_t kNoBodyLimit = std::numeric_limits<uint64_t>::max();

std::chrono::steady_clock::duration ToChrono(absl::Duration duration) {
  return absl::ToChronoNanoseconds(duration);
}

// A header's value, "" when absent; `key` is an http::field or a name.
template <typename Key>
std::string HeaderValue(const http::fields& message, Key key) {
  auto it = message.find(key);
  return it == message.end() ? std::string() : std::string(it->value());
}

// Every line of a list header, in order, joined with ", " as one line (RFC 9110 §5.3): a
// proxy may append its own line instead of extending the client's.
std::string ListHeaderValue(const http::fields& message, absl::string_view name) {
  std::string joined;
  auto [it, end] = message.equal_range(boost::beast::string_view(name.data(), name.size()));
  for (; it != end; ++it) {
    if (!joined.empty()) joined += ", ";
    joined.append(it->value().data(), it->value().size());
  }
  return joined;
}

// The plain request of a request's headers (the body is added by the caller).
HttpRequest PlainRequest(const http::request_header<>& message, const std::string& peer_address) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.authorization = HeaderValue(message, http::field::authorization);
  request.content_type = HeaderValue(message, http::field::content_type);
  request.origin = HeaderValue(message, http::field::origin);
  request.request_id = HeaderValue(message, "x-request-id");
  request.traceparent = HeaderValue(message, "traceparent");
  request.forwarded_for = ListHeaderValue(message, "x-forwarded-for");
  request.websocket_protocols = HeaderValue(message, http::field::sec_websocket_protocol);
  request.peer_address = peer_address;
  return request;
}

// Something the server must be able to end when it drains.
class Drainable {
 public:
  virtual ~Drainable() = default;
  // Called on any thread; the connection ends as soon as what it is doing allows.
  virtual void Drain() = 0;
  // Called after the I/O threads have stopped, for connections still open: let go of what
  // keeps the connection alive.
  virtual void Abandon() {}
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(const HttpServerOptions& options, HttpHandler& handler, WebSocketHandler* websockets,
       TransferHandler* transfers)
      : options_(options), handler_(handler), websockets_(websockets), transfers_(transfers) {
    for (int i = 0; i < std::max(1, options.threads); ++i) {
      contexts_.push_back(std::make_unique<asio::io_context>(1));
      guards_.push_back(asio::make_work_guard(*contexts_.back()));
    }
  }

  ~Impl() {
    Shutdown(absl::ZeroDuration());
    // Handlers still queued (answers from calls that outlived the server) are destroyed here,
    // never run.
    accept_retry_.reset();
    acceptor_.reset();
    contexts_.clear();
  }

  absl::Status Listen() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options_.listen_address, ec);
    if (ec) return InvalidArgument("INVALID_LISTEN_ADDRESS", options_.listen_address);
    acceptor_ = std::make_unique<tcp::acceptor>(*contexts_[0]);
    accept_retry_ = std::make_unique<asio::steady_timer>(*contexts_[0]);
    const tcp::endpoint endpoint(address, static_cast<uint16_t>(options_.port));
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Unavailable("LISTEN_FAILED", absl::StrCat("cannot listen on ", options_.listen_address,
                                                       ":", options_.port, ": ", ec.message()));
    }
    port_ = acceptor_->local_endpoint().port();
    Accept();
    for (auto& context : contexts_) {
      threads_.emplace_back([context = context.get()] { context->run(); });
    }
    return absl::OkStatus();
  }

  void Shutdown(absl::Duration grace) {
    if (stopped_.exchange(true)) return;
    draining_ = true;
    asio::post(*contexts_[0], [this] {
      boost::system::error_code ignored;
      if (acceptor_) acceptor_->close(ignored);
      if (accept_retry_) accept_retry_->cancel();
    });
    for (auto& connection : Connections()) connection->Drain();
    const absl::Time deadline = absl::Now() + grace;
    while (open_connections() > 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
    for (auto& guard : guards_) guard.reset();
    for (auto& context : contexts_) context->stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    for (auto& connection : Connections()) connection->Abandon();
  }

  int port() const { return port_; }

  int open_connections() const {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(connections_.size());
  }

  void Register(const std::shared_ptr<Drainable>& connection) {
    absl::MutexLock lock(&mu_);
    connections_.emplace(connection.get(), connection);
  }
  void Unregister(Drainable* connection) {
    absl::MutexLock lock(&mu_);
    connections_.erase(connection);
  }

  const HttpServerOptions& options() const { return options_; }
  HttpHandler& handler() { return handler_; }
  WebSocketHandler* websockets() { return websockets_; }
  TransferHandler* transfers() { return transfers_; }
  bool draining() const { return draining_; }

 private:
  void Accept();

  // The connections still alive.
  std::vector<std::shared_ptr<Drainable>> Connections() const {
    std::vector<std::shared_ptr<Drainable>> alive;
    absl::MutexLock lock(&mu_);
    for (const auto& [key, weak] : connections_) {
      if (auto connection = weak.lock()) alive.push_back(std::move(connection));
    }
    return alive;
  }

  const HttpServerOptions options_;
  HttpHandler& handler_;
  WebSocketHandler* const websockets_;
  TransferHandler* const transfers_;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::unique_ptr<asio::steady_timer> accept_retry_;  // after a failed accept (descriptors out)
  std::atomic<size_t> next_context_{0};
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopped_{false};
  int port_ = 0;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<Drainable*, std::weak_ptr<Drainable>> connections_ ABSL_GUARDED_BY(mu_);
};

namespace {

// One WebSocket, from the handshake to the close.
class WebSocketSession final : public Drainable,
                               public WebSocketConnection,
                               public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(HttpServer::Impl& server, Stream stream)
      : server_(server), ws_(std::move(stream)) {}

  ~WebSocketSession() override { server_.Unregister(this); }

  void Start(http::request<http::string_body> upgrade, WebSocketHandler::Decision decision) {
    server_.Register(shared_from_this());
    const WebSocketOptions& options = server_.options().websocket;
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeout;
    timeout.handshake_timeout = ToChrono(options.handshake_timeout);
    timeout.idle_timeout = ToChrono(options.ping_interval * 2);
    timeout.keep_alive_pings = true;
    ws_.set_option(timeout);
    ws_.set_option(websocket::stream_base::decorator(
        [subprotocol = decision.subprotocol](websocket::response_type& response) {
          if (!subprotocol.empty()) response.set(http::field::sec_websocket_protocol, subprotocol);
        }));
    ws_.read_message_max(options.max_message_bytes);
    ws_.auto_fragment(false);
    upgrade_ = std::move(upgrade);
    ws_.async_accept(upgrade_, [self = shared_from_this(), open = std::move(decision.open)](
                                   beast::error_code ec) {
      self->upgrade_ = {};
      if (ec) return;
      self->listener_ = open(self);
      std::weak_ptr<WebSocketSession> weak = self;
      self->ws_.control_callback([weak](websocket::frame_type kind, beast::string_view) {
        auto session = weak.lock();
        if (session && kind == websocket::frame_type::pong && session->listener_) {
          session->listener_->OnAlive();
        }
      });
      self->Read();
    });
  }

  bool Send(std::string text) override {
    bool overflow = false;
    bool schedule = false;
    {
      absl::MutexLock lock(&mu_);
      if (closing_) return false;
      if (queued_bytes_ + text.size() > server_.options().websocket.max_queued_bytes) {
        overflow = true;
        closing_ = true;
        queue_.clear();
        queued_bytes_ = 0;
      } else {
        queued_bytes_ += text.size();
        queue_.push_back(std::move(text));
        if (!write_scheduled_) schedule = write_scheduled_ = true;
      }
    }
    if (overflow) {
      asio::post(ws_.get_executor(), [self = shared_from_this()] { self->CutSlowConsumer(); });
      return false;
    }
    if (schedule) {
      asio::post(ws_.get_executor(), [self = shared_from_this()] { self->WriteNext(); });
    }
    return true;
  }

  void Close(uint16_t code, std::string reason) override {
    bool schedule = false;
    {
      absl::MutexLock lock(&mu_);
      if (closing_) return;
      closing_ = true;
      close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
      if (!write_scheduled_) schedule = write_scheduled_ = true;
    }
    if (schedule) {
      asio::post(ws_.get_executor(), [self = shared_from_this()] { self->WriteNext(); });
    }
  }

  void Drain() override { Close(1001, "going away"); }

  // The socket and its listener hold each other; the read loop's end breaks the cycle, and
  // this does when the I/O threads stopped first.
  void Abandon() override { Finish(); }

 private:
  void Read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Finish();
      std::string text = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      self->buffer_.shrink_to_fit();
      self->listener_->OnAlive();
      if (self->ws_.got_text()) self->listener_->OnText(std::move(text));
      self->Read();
    });
  }

  // On the I/O thread: writes the next queued message, or the close frame when the queue is
  // empty and a close was asked for.
  void WriteNext() {
    std::optional<websocket::close_reason> close;
    {
      absl::MutexLock lock(&mu_);
      if (queue_.empty()) {
        write_scheduled_ = false;
        if (!close_reason_) return;
        close = std::move(close_reason_);
        close_reason_.reset();
        write_scheduled_ = true;
      } else {
        current_ = std::move(queue_.front());
        queue_.pop_front();
        queued_bytes_ -= current_.size();
      }
    }
    if (close) {
      ws_.async_close(*close, [self = shared_from_this()](beast::error_code) {
        absl::MutexLock lock(&self->mu_);
        self->write_scheduled_ = false;
      });
      return;
    }
    ws_.text(true);
    ws_.async_write(asio::buffer(current_), [self = shared_from_this()](beast::error_code ec,
                                                                          size_t) {
      std::string().swap(self->current_);
      if (ec) {
        absl::MutexLock lock(&self->mu_);
        self->write_scheduled_ = false;
        self->closing_ = true;
        self->queue_.clear();
        self->queued_bytes_ = 0;
        return;
      }
      self->WriteNext();
    });
  }

  // The client does not read fast enough. A write still in progress may never finish, so the
  // TCP connection is cut at once; otherwise it gets a close frame first.
  void CutSlowConsumer() {
    bool writing;
    {
      absl::MutexLock lock(&mu_);
      writing = write_scheduled_;
      write_scheduled_ = true;
    }
    if (writing) {
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored);
      return;
    }
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(kCloseSlowConsumer),
                                            "slow consumer"),
                    [self = shared_from_this()](beast::error_code) {});
  }

  void Finish() {
    {
      absl::MutexLock lock(&mu_);
      closing_ = true;
      queue_.clear();
      queued_bytes_ = 0;
    }
    if (listener_) {
      listener_->OnClosed();
      listener_.reset();
    }
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  HttpServer::Impl& server_;
  websocket::stream<Stream> ws_;
  http::request<http::string_body> upgrade_;
  beast::flat_buffer buffer_;
  std::shared_ptr<WebSocketListener> listener_;
  std::string current_;  // the message being written (not counted in queued_bytes_)

  absl::Mutex mu_;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  size_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool write_scheduled_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<websocket::close_reason> close_reason_ ABSL_GUARDED_BY(mu_);
};

// One HTTP connection: read a request, answer it, repeat while keep-alive. The headers come
// first; a transfer's body is then streamed through a StreamedExchange, any other request's
// body is read whole within the body limit.
class HttpSession final : public Drainable, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(HttpServer::Impl& server, Socket socket)
      : server_(server), stream_(std::move(socket)) {}

  ~HttpSession() override { server_.Unregister(this); }

  void Start() {
    boost::system::error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);
    const auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_address_ = remote.address().to_string();
    server_.Register(shared_from_this());
    Read();
  }

  void Drain() override {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->idle_) self->stream_.cancel();
    });
  }

  Executor executor() { return stream_.get_executor(); }

  // The transfer's side, on the I/O thread (StreamedExchange hops here).
  void TransferRead(size_t max_bytes, TransferExchange::ReadDone done);
  void TransferRespond(HttpResponse response);
  void TransferStart(HttpResponse head, uint64_t content_length, TransferExchange::WriteDone done);
  void TransferWrite(std::string piece, TransferExchange::WriteDone done);
  void TransferWriteFile(std::shared_ptr<const SendableFile> file, uint64_t offset,
                         uint64_t length, TransferExchange::WriteDone done);
  void TransferEnd();
  // The handler dropped the exchange without answering, or a read or write failed.
  void TransferAbandoned() { Close(); }

  // After the I/O threads stopped: a file being sent holds the exchange, which holds this.
  void Abandon() override { file_send_.reset(); }

 private:
  // WriteFile's steps: send while the socket takes bytes, wait until it takes more, answer.
  void SendFile();
  void AwaitWritable();
  void FileSent(bool written);

  void Read() {
    if (server_.draining()) return Close();
    const HttpServerOptions& options = server_.options();
    parser_.reset();
    transfer_parser_.reset();
    unread_body_ = false;
    head_only_ = false;
    header_parser_.emplace();
    header_parser_->header_limit(static_cast<uint32_t>(options.max_header_bytes));
    // The body limit depends on the route (transfers have none): checked once the headers are in.
    header_parser_->body_limit(kNoBodyLimit);
    idle_ = true;
    // One deadline for the whole request (headers and body) of ordinary requests.
    stream_.expires_after(ToChrono(options.read_timeout));
    http::async_read_header(stream_, buffer_, *header_parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->OnHeader(ec);
                            });
  }

  // Answers a read error the client should hear of; false when there is none (the connection
  // just ends).
  bool RefuseReadError(beast::error_code ec) {
    if (ec == http::error::header_limit) {
      Refuse(431, "HEADERS_TOO_LARGE", "the request headers are too large");
      return true;
    }
    if (ec == http::error::body_limit) {
      Refuse(413, "BODY_TOO_LARGE", "the request body is too large");
      return true;
    }
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      Refuse(400, "MALFORMED_HTTP", "the request is not valid HTTP/1.1");
      return true;
    }
    return false;
  }

  void OnHeader(beast::error_code ec) {
    if (ec) {
      idle_ = false;
      if (!RefuseReadError(ec)) Close();  // end of stream, timeout, reset, drain
      return;
    }
    const auto& header = header_parser_->get();
    if (static_cast<size_t>(std::distance(header.begin(), header.end())) >
        server_.options().max_header_count) {
      idle_ = false;
      return Refuse(431, "TOO_MANY_HEADERS", "the request has too many headers");
    }
    TransferHandler* transfers = server_.transfers();
    if (transfers != nullptr && !websocket::is_upgrade(header)) {
      const beast::string_view target = header.target();
      const beast::string_view method = header.method_string();
      const absl::string_view path(target.data(), std::min(target.size(), target.find('?')));
      if (transfers->IsTransfer(absl::string_view(method.data(), method.size()), path)) {
        return StartTransfer();
      }
    }
    const size_t max_body_bytes = server_.options().max_body_bytes;
    if (header_parser_->content_length().value_or(0) > max_body_bytes) {
      idle_ = false;
      unread_body_ = true;
      return Refuse(413, "BODY_TOO_LARGE", "the request body is too large");
    }
    parser_.emplace(std::move(*header_parser_));
    header_parser_.reset();
    parser_->body_limit(max_body_bytes);  // chunked bodies are counted as they come
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->OnRead(ec);
                     });
  }

  void OnRead(beast::error_code ec) {
    idle_ = false;
    if (ec) {
      if (!RefuseReadError(ec)) Close();
      return;
    }
    http::request<http::string_body>& message = parser_->get();
    keep_alive_ = message.keep_alive();
    HttpRequest request = PlainRequest(message, peer_address_);

    WebSocketHandler* websockets = server_.websockets();
    if (websocket::is_upgrade(message) && websockets != nullptr &&
        request.path() == server_.options().websocket.path) {
      auto upgrade = std::make_shared<http::request<http::string_body>>(parser_->release());
      websockets->Upgrade(request, [self = shared_from_this(),
                                    upgrade](WebSocketHandler::Decision decision) mutable {
        asio::post(self->stream_.get_executor(),
                   [self, upgrade, decision = std::move(decision)]() mutable {
                     self->OnUpgradeDecision(std::move(*upgrade), std::move(decision));
                   });
      });
      return;
    }

    request.body = std::move(message.body());
    // Answers given on this connection's own thread are written at once; others are queued.
    server_.handler().Handle(std::move(request), [self = shared_from_this()](
                                                     HttpResponse response) {
      asio::dispatch(self->stream_.get_executor(),
                 [self, response = std::move(response)]() mutable {
                   self->Write(std::move(response));
                 });
    });
  }

  void StartTransfer();

  void OnUpgradeDecision(http::request<http::string_body> upgrade,
                         WebSocketHandler::Decision decision) {
    if (decision.refusal) {
      keep_alive_ = false;
      return Write(*std::move(decision.refusal));
    }
    auto session = std::make_shared<WebSocketSession>(server_, std::move(stream_));
    session->Start(std::move(upgrade), std::move(decision));
  }

  void Refuse(int status, absl::string_view reason, absl::string_view message) {
    keep_alive_ = false;
    HttpResponse response;
    response.status = status;
    response.body = ErrorBody(status, InvalidArgument(reason, message), "");
    Write(std::move(response));
  }

  void Write(HttpResponse answer, bool head_only = false) {
    keep_alive_ = keep_alive_ && !server_.draining();
    wire_ = Serialize(answer, keep_alive_, head_only);
    stream_.expires_after(ToChrono(server_.options().write_timeout));
    asio::async_write(stream_, asio::buffer(wire_), [self = shared_from_this()](
                                                       beast::error_code ec, size_t) {
      std::string().swap(self->wire_);
      if (ec) return self->Close();
      self->Continue();
    });
  }

  // After a complete answer: the next request, or the end of the connection.
  void Continue() {
    if (!keep_alive_) return unread_body_ ? LingeringClose() : Close();
    Read();
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  // Ends a connection whose request body was not read to its end (an early refusal): closing
  // with unread bytes would send a reset that can destroy the answer before the client reads
  // it, so the rest is read and dropped for a short while first (at most a second and 1 MiB).
  void LingeringClose() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(1));
    linger_buffer_.resize(64 * 1024);
    DiscardInput(1024 * 1024);
  }
  void DiscardInput(size_t budget) {
    stream_.async_read_some(asio::buffer(linger_buffer_), [self = shared_from_this(), budget](
                                                              beast::error_code ec, size_t n) {
      if (ec || n >= budget) {
        std::string().swap(self->linger_buffer_);
        return self->stream_.close();
      }
      self->DiscardInput(budget - n);
    });
  }

  HttpServer::Impl& server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> header_parser_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::request_parser<http::buffer_body>> transfer_parser_;
  std::string wire_;  // the answer (or a transfer answer's head) being written
  std::string peer_address_;
  bool keep_alive_ = false;
  bool idle_ = false;  // waiting for a request (the only state a drain may cut)
  // Transfers: one body piece in flight each way.
  std::string body_piece_;      // what the parser reads into
  std::string answer_piece_;    // what is being written
  bool head_only_ = false;      // a HEAD request: headers without a body
  bool expect_continue_ = false;
  bool unread_body_ = false;    // answered before the request body ended
  uint64_t announced_bytes_ = 0;
  uint64_t written_bytes_ = 0;
  std::string linger_buffer_;
  // A piece of the answer sent from a file (WriteFile): what is left of it, and the wait for
  // the client to take more.
  struct FileSend {
    std::shared_ptr<const SendableFile> file;
    uint64_t offset = 0;
    uint64_t length = 0;
    TransferExchange::WriteDone done;
  };
  std::optional<FileSend> file_send_;
  std::optional<asio::steady_timer> file_timer_;
  bool awaiting_writable_ = false;
  uint64_t file_waits_ = 0;  // numbers each wait, so a late timer knows it is late
};

// The handler's view of one transfer: hops to the connection's thread, ignores calls after the
// exchange is over, and closes the connection when dropped unanswered.
class StreamedExchange final : public TransferExchange,
                               public std::enable_shared_from_this<StreamedExchange> {
 public:
  explicit StreamedExchange(std::shared_ptr<HttpSession> session)
      : session_(std::move(session)) {}

  ~StreamedExchange() override {
    if (!over_.exchange(true)) {
      asio::post(session_->executor(), [session = session_] { session->TransferAbandoned(); });
    }
  }

  void ReadBody(size_t max_bytes, ReadDone done) override {
    if (over_) {
      asio::post(session_->executor(), [done = std::move(done)] {
        done(Unavailable("EXCHANGE_OVER", "the exchange is over"));
      });
      return;
    }
    asio::post(session_->executor(),
               [self = shared_from_this(), max_bytes, done = std::move(done)]() mutable {
                 self->session_->TransferRead(max_bytes, [self, done = std::move(done)](
                                                             absl::StatusOr<BodyPiece> piece) {
                   if (!piece.ok()) self->over_ = true;
                   done(std::move(piece));
                 });
               });
  }

  void Respond(HttpResponse response) override {
    if (over_.exchange(true)) return;
    asio::post(session_->executor(),
               [session = session_, response = std::move(response)]() mutable {
                 session->TransferRespond(std::move(response));
               });
  }

  void StartResponse(HttpResponse head, uint64_t content_length, WriteDone done) override {
    if (over_ || started_.exchange(true)) return Refuse(std::move(done));
    Write([session = session_, head = std::move(head), content_length](WriteDone written) mutable {
      session->TransferStart(std::move(head), content_length, std::move(written));
    }, std::move(done));
  }

  void WriteBody(std::string piece, WriteDone done) override {
    if (over_ || !started_) return Refuse(std::move(done));
    Write([session = session_, piece = std::move(piece)](WriteDone written) mutable {
      session->TransferWrite(std::move(piece), std::move(written));
    }, std::move(done));
  }

  void WriteFile(std::shared_ptr<const SendableFile> file, uint64_t offset, uint64_t length,
                 WriteDone done) override {
    if (over_ || !started_) return Refuse(std::move(done));
    Write([session = session_, file = std::move(file), offset, length](WriteDone written) mutable {
      session->TransferWriteFile(std::move(file), offset, length, std::move(written));
    }, std::move(done));
  }

  void EndResponse() override {
    if (!started_ || over_.exchange(true)) return;
    asio::post(session_->executor(), [session = session_] { session->TransferEnd(); });
  }

 private:
  // A write the exchange can no longer make still gets its answer, so no handler waits forever.
  void Refuse(WriteDone done) {
    asio::post(session_->executor(), [done = std::move(done)] { done(false); });
  }

  // Runs a write on the connection's thread; a failed write ends the exchange.
  template <typename Operation>
  void Write(Operation operation, WriteDone done) {
    asio::post(session_->executor(), [self = shared_from_this(), operation = std::move(operation),
                                      done = std::move(done)]() mutable {
      operation([self, done = std::move(done)](bool written) {
        if (!written) self->over_ = true;
        done(written);
      });
    });
  }

  const std::shared_ptr<HttpSession> session_;
  std::atomic<bool> over_{false};
  std::atomic<bool> started_{false};
};

void HttpSession::StartTransfer() {
  idle_ = false;
  const auto& header = header_parser_->get();
  keep_alive_ = header.keep_alive();
  HttpRequest request = PlainRequest(header, peer_address_);
  for (const auto& field : header) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  head_only_ = header.method() == http::verb::head;
  expect_continue_ = absl::EqualsIgnoreCase(HeaderValue(header, http::field::expect),
                                            "100-continue");
  unread_body_ = false;
  announced_bytes_ = written_bytes_ = 0;
  transfer_parser_.emplace(std::move(*header_parser_));
  header_parser_.reset();
  transfer_parser_->body_limit(kNoBodyLimit);  // the transfer handler keeps its own limits
  server_.transfers()->HandleTransfer(std::move(request),
                                      std::make_shared<StreamedExchange>(shared_from_this()));
}

void HttpSession::TransferRead(size_t max_bytes, TransferExchange::ReadDone done) {
  using BodyPiece = TransferExchange::BodyPiece;
  if (transfer_parser_->is_done()) return done(BodyPiece{.data = {}, .end = true});
  if (expect_continue_) {
    expect_continue_ = false;
    wire_ = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(ToChrono(server_.options().write_timeout));
    asio::async_write(stream_, asio::buffer(wire_),
                      [self = shared_from_this(), max_bytes, done = std::move(done)](
                          beast::error_code ec, size_t) mutable {
                        std::string().swap(self->wire_);
                        if (ec) {
                          self->Close();
                          return done(Unavailable("CLIENT_GONE", "the client went away"));
                        }
                        self->TransferRead(max_bytes, std::move(done));
                      });
    return;
  }
  // The buffer stays with the session: growing it once, not filling a fresh one per read, keeps
  // a read that brings a few KiB from costing a clear of the whole piece.
  if (body_piece_.size() < std::max<size_t>(1, max_bytes)) {
    body_piece_.resize(std::max<size_t>(1, max_bytes));
  }
  auto& body = transfer_parser_->get().body();
  body.data = body_piece_.data();
  body.size = std::max<size_t>(1, max_bytes);
  // Each piece re-arms the deadline: slow but steady uploads go on, stalled ones end.
  stream_.expires_after(ToChrono(server_.options().read_timeout));
  http::async_read_some(
      stream_, buffer_, *transfer_parser_,
      [self = shared_from_this(), max_bytes, done = std::move(done)](beast::error_code ec,
                                                                     size_t) mutable {
        if (ec == http::error::need_buffer) ec = {};
        if (ec) {
          self->keep_alive_ = false;
          self->Close();
          return done(Unavailable("CLIENT_GONE", "the request body did not arrive"));
        }
        auto& body = self->transfer_parser_->get().body();
        const size_t received = std::max<size_t>(1, max_bytes) - body.size;
        body.data = nullptr;
        body.size = 0;
        const bool end = self->transfer_parser_->is_done();
        // Chunk framing may arrive without any of the body: read on.
        if (received == 0 && !end) return self->TransferRead(max_bytes, std::move(done));
        done(BodyPiece{.data = std::string(self->body_piece_.data(), received), .end = end});
      });
}

void HttpSession::TransferRespond(HttpResponse response) {
  unread_body_ = !transfer_parser_->is_done();
  if (unread_body_) keep_alive_ = false;
  Write(std::move(response), head_only_);
}

void HttpSession::TransferStart(HttpResponse head, uint64_t content_length,
                                TransferExchange::WriteDone done) {
  unread_body_ = !transfer_parser_->is_done();
  if (unread_body_) keep_alive_ = false;
  keep_alive_ = keep_alive_ && !server_.draining();
  announced_bytes_ = head_only_ ? 0 : content_length;
  written_bytes_ = 0;
  wire_ = SerializeHead(head, HasBody(head.status) ? std::optional<uint64_t>(content_length)
                                                   : std::nullopt,
                        keep_alive_);
  stream_.expires_after(ToChrono(server_.options().write_timeout));
  asio::async_write(stream_, asio::buffer(wire_),
                    [self = shared_from_this(), done = std::move(done)](beast::error_code ec,
                                                                        size_t) {
                      std::string().swap(self->wire_);
                      if (ec) self->Close();
                      done(!ec);
                    });
}

void HttpSession::TransferWrite(std::string piece, TransferExchange::WriteDone done) {
  if (written_bytes_ + piece.size() > announced_bytes_) {
    // More than announced would corrupt the connection's framing: a bug, cut the answer.
    log::Error("a transfer wrote more than its Content-Length");
    Close();
    return done(false);
  }
  answer_piece_ = std::move(piece);
  // Each piece re-arms the deadline: a client that takes the answer slowly but steadily is kept.
  stream_.expires_after(ToChrono(server_.options().write_timeout));
  asio::async_write(stream_, asio::buffer(answer_piece_),
                    [self = shared_from_this(), done = std::move(done)](beast::error_code ec,
                                                                        size_t written) {
                      std::string().swap(self->answer_piece_);
                      self->written_bytes_ += written;
                      if (ec) self->Close();
                      done(!ec);
                    });
}

void HttpSession::TransferWriteFile(std::shared_ptr<const SendableFile> file, uint64_t offset,
                                    uint64_t length, TransferExchange::WriteDone done) {
  if (written_bytes_ + length > announced_bytes_) {
    log::Error("a transfer wrote more than its Content-Length");
    Close();
    return done(false);
  }
  file_send_ = FileSend{.file = std::move(file), .offset = offset, .length = length,
                        .done = std::move(done)};
  SendFile();
}

void HttpSession::SendFile() {
  Socket& socket = stream_.socket();
  boost::system::error_code ec;
  socket.native_non_blocking(true, ec);
  if (ec) return FileSent(false);
  // Loopback and fast clients take megabytes per call; the loop ends when the socket is full.
  constexpr uint64_t kMostPerCall = uint64_t{1} << 30;
  while (file_send_->length > 0) {
    off_t at = static_cast<off_t>(file_send_->offset);
    const ssize_t sent = ::sendfile(socket.native_handle(), file_send_->file->descriptor(), &at,
                                    std::min(file_send_->length, kMostPerCall));
    if (sent > 0) {
      file_send_->offset += static_cast<uint64_t>(sent);
      file_send_->length -= static_cast<uint64_t>(sent);
      written_bytes_ += static_cast<uint64_t>(sent);
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return AwaitWritable();
    return FileSent(false);  // the file ended early, or the client went away
  }
  FileSent(true);
}

void HttpSession::AwaitWritable() {
  // Each wait re-arms the deadline: a client that takes the answer slowly but steadily is kept.
  if (!file_timer_) file_timer_.emplace(stream_.get_executor());
  file_timer_->expires_after(ToChrono(server_.options().write_timeout));
  // A timer that fired just as the socket became writable must not cut the next wait.
  const uint64_t wait = ++file_waits_;
  file_timer_->async_wait([self = shared_from_this(), wait](boost::system::error_code ec) {
    if (!ec && self->file_waits_ == wait && self->awaiting_writable_) {
      self->stream_.socket().cancel();
    }
  });
  awaiting_writable_ = true;
  stream_.socket().async_wait(tcp::socket::wait_write,
                              [self = shared_from_this()](boost::system::error_code ec) {
                                self->awaiting_writable_ = false;
                                self->file_timer_->cancel();
                                if (ec) return self->FileSent(false);
                                self->SendFile();
                              });
}

void HttpSession::FileSent(bool written) {
  TransferExchange::WriteDone done = std::move(file_send_->done);
  file_send_.reset();
  if (!written) Close();
  done(written);
}

void HttpSession::TransferEnd() {
  if (written_bytes_ != announced_bytes_) return Close();  // cut short: the client must see it
  Continue();
}

}  // namespace

void HttpServer::Impl::Accept() {
  asio::io_context& context = *contexts_[next_context_++ % contexts_.size()];
  acceptor_->async_accept(context.get_executor(), [this](boost::system::error_code ec,
                                                         Socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_->is_open()) return;
    if (!ec) {
      std::make_shared<HttpSession>(*this, std::move(socket))->Start();
      return Accept();
    }
    // Out of descriptors or memory: retrying at once would spin; wait for connections to end.
    log::Warning("accept failed").With("error", ec.message());
    accept_retry_->expires_after(std::chrono::milliseconds(100));
    accept_retry_->async_wait([this](boost::system::error_code wait_error) {
      if (!wait_error && acceptor_->is_open()) Accept();
    });
  });
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                              HttpHandler& handler,
                                                              WebSocketHandler* websockets,
                                                              TransferHandler* transfers) {
  auto impl = std::make_unique<Impl>(options, handler, websockets, transfers);
  RETURN_IF_ERROR(impl->Listen());
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() = default;

int HttpServer::port() const { return impl_->port(); }
int HttpServer::open_connections() const { return impl_->open_connections(); }
void HttpServer::Shutdown(absl::Duration grace) { impl_->Shutdown(grace); }

}  // namespace parta::gateway
