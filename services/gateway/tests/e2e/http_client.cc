#include "services/gateway/tests/e2e/http_client.h"

#include <array>
#include <functional>
#include <limits>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"

namespace parta::gateway::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

tcp::endpoint Loopback(int port) {
  return tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
}

}  // namespace

nlohmann::json ClientResponse::json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string ClientResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::string ClientResponse::reason() const {
  nlohmann::json parsed = json();
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].contains("reason")) {
    return parsed["error"]["reason"].get<std::string>();
  }
  return "";
}

ClientResponse HttpRequest(int port, const std::string& method, const std::string& target,
                           const std::string& body,
                           const std::map<std::string, std::string>& headers,
                           absl::Duration timeout) {
  asio::io_context context;
  beast::tcp_stream stream(context);
  ClientResponse result;
  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  if (request.method() == http::verb::unknown) request.method_string(method);
  request.set(http::field::host, "127.0.0.1");
  // insert, not set: a header given twice (its name spelled differently) goes out as two lines.
  for (const auto& [name, value] : headers) request.insert(name, value);
  if (!body.empty() && !headers.count("content-type") && !headers.count("Content-Type")) {
    request.set(http::field::content_type, "application/json");
  }
  request.body() = body;
  request.prepare_payload();
  // Files come back whole, however large; a HEAD answer announces a body it does not send.
  http::response_parser<http::string_body> parser;
  // Not boost::none: Beast 1.81 compares a Content-Length with the optional limit directly.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (request.method() == http::verb::head) parser.skip(true);
  beast::flat_buffer buffer;
  stream.expires_after(ToChrono(timeout));
  stream.async_connect(Loopback(port), [&](beast::error_code ec) {
    if (ec) return;
    http::async_write(stream, request, [&](beast::error_code ec, size_t) {
      if (ec) return;
      http::async_read(stream, buffer, parser, [&](beast::error_code ec, size_t) {
        if (ec) return;
        http::response<http::string_body>& response = parser.get();
        result.status = static_cast<int>(response.result_int());
        for (const auto& field : response) {
          result.headers[absl::AsciiStrToLower(std::string(field.name_string()))] =
              std::string(field.value());
        }
        result.body = response.body();
      });
    });
  });
  context.run();
  return result;
}

RawResult RawExchange(int port, const std::vector<std::string>& pieces, absl::Duration pause,
                      absl::Duration timeout) {
  asio::io_context context;
  tcp::socket socket(context);
  RawResult result;
  beast::error_code ec;
  socket.connect(Loopback(port), ec);
  if (ec) return result;
  const absl::Time deadline = absl::Now() + timeout;
  for (const std::string& piece : pieces) {
    asio::write(socket, asio::buffer(piece), ec);
    if (ec) break;
    if (pause > absl::ZeroDuration()) absl::SleepFor(pause);
    if (absl::Now() >= deadline) break;
  }
  // Read until the server closes or the deadline passes.
  std::array<char, 4096> chunk;
  asio::steady_timer timer(context);
  bool done = false;
  std::function<void()> read = [&] {
    socket.async_read_some(asio::buffer(chunk), [&](beast::error_code ec, size_t n) {
      result.received.append(chunk.data(), n);
      if (ec) {
        result.closed = true;
        done = true;
        timer.cancel();
        return;
      }
      read();
    });
  };
  read();
  timer.expires_after(ToChrono(std::max(absl::ZeroDuration(), deadline - absl::Now())));
  timer.async_wait([&](beast::error_code ec) {
    if (!ec && !done) socket.cancel();
  });
  context.run();
  return result;
}

void WriteThenClose(int port, const std::string& bytes) {
  asio::io_context context;
  tcp::socket socket(context);
  beast::error_code ec;
  socket.connect(Loopback(port), ec);
  if (ec) return;
  asio::write(socket, asio::buffer(bytes), ec);
  socket.close(ec);
}

class WebSocketClient::Impl {
 public:
  asio::io_context context;
  websocket::stream<beast::tcp_stream> ws{context};
  beast::flat_buffer buffer;
  bool reading = false;
  bool read_done = false;
  beast::error_code read_error;
  bool is_closed = false;
  int code = 0;
  std::string protocol;
};

std::unique_ptr<WebSocketClient> WebSocketClient::Connect(int port, const Options& options,
                                                          int* refused_status,
                                                          std::string* refusal_body) {
  auto impl = std::make_unique<Impl>();
  auto& lowest = beast::get_lowest_layer(impl->ws);
  beast::error_code ec;
  if (!options.source_address.empty()) {
    lowest.socket().open(tcp::v4(), ec);
    lowest.socket().bind(tcp::endpoint(asio::ip::make_address(options.source_address), 0), ec);
    if (ec) return nullptr;
  }
  lowest.socket().connect(Loopback(port), ec);
  if (ec) return nullptr;
  std::string protocols;
  for (const std::string& protocol : options.protocols) {
    if (!protocols.empty()) protocols += ", ";
    protocols += protocol;
  }
  impl->ws.set_option(websocket::stream_base::decorator([protocols](websocket::request_type& r) {
    if (!protocols.empty()) r.set(http::field::sec_websocket_protocol, protocols);
  }));
  websocket::response_type response;
  lowest.expires_after(std::chrono::seconds(10));
  bool finished = false;
  impl->ws.async_handshake(response, "127.0.0.1", options.path, [&](beast::error_code e) {
    ec = e;
    finished = true;
  });
  impl->context.run();
  impl->context.restart();
  lowest.expires_never();
  if (!finished || ec) {
    if (refused_status) *refused_status = static_cast<int>(response.result_int());
    if (refusal_body) *refusal_body = response.body();
    return nullptr;
  }
  impl->protocol = std::string(response[http::field::sec_websocket_protocol]);
  return std::unique_ptr<WebSocketClient>(new WebSocketClient(std::move(impl)));
}

WebSocketClient::WebSocketClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebSocketClient::~WebSocketClient() {
  beast::error_code ignored;
  beast::get_lowest_layer(impl_->ws).socket().close(ignored);
}

std::optional<std::string> WebSocketClient::Read(absl::Duration timeout) {
  Impl& impl = *impl_;
  if (impl.is_closed) return std::nullopt;
  if (!impl.reading) {
    impl.reading = true;
    impl.ws.async_read(impl.buffer, [&impl](beast::error_code ec, size_t) {
      impl.reading = false;
      impl.read_done = true;
      impl.read_error = ec;
    });
  }
  impl.context.restart();
  impl.context.run_for(ToChrono(timeout));
  if (!impl.read_done) return std::nullopt;
  impl.read_done = false;
  if (impl.read_error) {
    impl.is_closed = true;
    impl.code = impl.ws.reason().code;
    return std::nullopt;
  }
  std::string text = beast::buffers_to_string(impl.buffer.data());
  impl.buffer.consume(impl.buffer.size());
  return text;
}

std::optional<nlohmann::json> WebSocketClient::ReadType(const std::string& type,
                                                        absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::optional<std::string> text = Read(deadline - absl::Now());
    if (!text) return std::nullopt;
    nlohmann::json parsed = nlohmann::json::parse(*text, nullptr, false);
    if (parsed.is_object() && parsed.value("type", "") == type) return parsed;
  }
  return std::nullopt;
}

void WebSocketClient::Send(const std::string& text) {
  beast::error_code ec;
  impl_->ws.text(true);
  // A short synchronous write: the server always reads.
  impl_->ws.write(asio::buffer(text), ec);
}

bool WebSocketClient::closed() const { return impl_->is_closed; }
int WebSocketClient::close_code() const { return impl_->code; }
std::string WebSocketClient::selected_protocol() const { return impl_->protocol; }

}  // namespace parta::gateway::testing
