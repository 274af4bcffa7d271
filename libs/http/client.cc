#include "libs/http/client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <fstream>
#include <optional>
#include <type_traits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "libs/core/status.h"

namespace parta::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

// Where an exchange stopped, for the error message and for the stale-connection retry.
enum class Stage { kConnect, kHandshake, kWrite, kRead };

const char* StageName(Stage stage) {
  switch (stage) {
    case Stage::kConnect:
      return "connect";
    case Stage::kHandshake:
      return "TLS handshake";
    case Stage::kWrite:
      return "send";
    case Stage::kRead:
      return "receive";
  }
  return "?";
}

}  // namespace

absl::StatusOr<Url> Url::Parse(absl::string_view url, absl::string_view reasons, Schemes schemes) {
  auto bad = [&](absl::string_view why) {
    return InvalidArgument(absl::StrCat(reasons, "_BAD_URL"),
                           absl::StrCat("URL '", url, "': ", why));
  };
  Url parsed;
  absl::string_view rest = url;
  if (schemes == Schemes::kHttpOrHttps && absl::ConsumePrefix(&rest, "https://")) {
    parsed.tls = true;
    parsed.port = 443;
  } else if (!absl::ConsumePrefix(&rest, "http://")) {
    return bad(schemes == Schemes::kHttp ? "must start with http://"
                                         : "must start with https:// or http://");
  }
  size_t slash = rest.find('/');
  absl::string_view authority = rest.substr(0, slash);
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

// What the connections of a TLS client share: TLS 1.2 or later, the server's certificate checked
// against the trusted CAs.
class Client::TlsContext {
 public:
  asio::ssl::context context{asio::ssl::context::tls_client};

  // Trusts the CAs of `ca_file` (PEM), or the system's when it is empty; "" or what went wrong.
  std::string Load(const std::string& ca_file) {
    if (SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION) != 1) {
      return "TLS 1.2 is not available";
    }
    if (!ca_file.empty() && !std::ifstream(ca_file)) {
      return absl::StrCat("trusted CAs from ", ca_file, ": the file cannot be opened");
    }
    beast::error_code ec;
    context.set_verify_mode(asio::ssl::verify_peer, ec);
    if (!ec && ca_file.empty()) context.set_default_verify_paths(ec);
    if (!ec && !ca_file.empty()) context.load_verify_file(ca_file, ec);
    if (ec) {
      return absl::StrCat("trusted CAs from ", ca_file.empty() ? "the system" : ca_file, ": ",
                          ec.message());
    }
    return "";
  }
};

namespace {

// Makes `ssl` expect a certificate for `host` (an IP address, or a DNS name that also goes out
// as SNI); false when OpenSSL cannot take it.
bool ExpectServer(SSL* ssl, const std::string& host) {
  // An IP address is matched against the certificate's IP addresses and is never sent as SNI.
  if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1) return true;
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return SSL_set1_host(ssl, host.c_str()) == 1 && SSL_set_tlsext_host_name(ssl, host.c_str()) == 1;
}

}  // namespace

// One TCP connection, TLS over it for a TLS client, with its own io_context, driven by the thread
// that borrowed it. Abort() may come from any thread.
class Client::Connection {
 public:
  // Over TLS when `tls` is set.
  explicit Connection(TlsContext* tls) {
    if (tls != nullptr) {
      secure.emplace(io, tls->context);
    } else {
      plain.emplace(io);
    }
  }

  asio::io_context io;
  std::optional<beast::tcp_stream> plain;                      // a plain HTTP client's
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;  // a TLS client's
  beast::flat_buffer buffer;
  bool connected = false;
  bool closed_by_abort = false;  // touched only on the thread that runs `io`

  // The TCP connection: its deadline, its connect and its close.
  beast::tcp_stream& tcp() { return secure ? secure->next_layer() : *plain; }
  // Calls `f` with the stream that carries HTTP: TLS, or TCP alone.
  template <class F>
  void WithStream(F&& f) {
    if (secure) {
      f(*secure);
    } else {
      f(*plain);
    }
  }

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
      tcp().close();
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

absl::StatusOr<std::unique_ptr<Client>> Client::Create(std::string host, int port,
                                                       Options options) {
  auto client = std::make_unique<Client>(std::move(host), port, std::move(options));
  RETURN_IF_ERROR(client->tls_error_);
  return client;
}

Client::Client(std::string host, int port, Options options)
    : host_(std::move(host)), port_(port), options_(std::move(options)) {
  if (options_.tls.enabled) {
    auto tls = std::make_unique<TlsContext>();
    if (std::string error = tls->Load(options_.tls.ca_file); !error.empty()) {
      tls_error_ = Failure(absl::StatusCode::kInvalidArgument, "BAD_CA_FILE", error);
    } else {
      tls_ = std::move(tls);
    }
  }
}

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
    connection = std::make_unique<Connection>(tls_.get());
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
  RETURN_IF_ERROR(tls_error_);
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
      c->tcp().expires_after(Remaining(deadline));
      c->WithStream([&](auto& stream) {
        bhttp::async_read(stream, c->buffer, parser, [&](beast::error_code ec, size_t) {
          exchange.error = ec;
          exchange.got_response_bytes = parser.got_some();
        });
      });
    };
    auto write = [&] {
      exchange.stage = Stage::kWrite;
      if (c->closed_by_abort) {
        exchange.error = asio::error::operation_aborted;
        return;
      }
      c->tcp().expires_after(Remaining(deadline));
      c->WithStream([&](auto& stream) {
        bhttp::async_write(stream, request, [&](beast::error_code ec, size_t) {
          if (ec) {
            exchange.error = ec;
            return;
          }
          read();
        });
      });
    };
    auto handshake = [&] {
      exchange.stage = Stage::kHandshake;
      if (c->closed_by_abort) {
        exchange.error = asio::error::operation_aborted;
        return;
      }
      c->tcp().expires_after(Remaining(deadline));
      c->secure->async_handshake(asio::ssl::stream_base::client, [&](beast::error_code ec) {
        if (ec) {
          exchange.error = ec;
          return;
        }
        write();
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
      if (c->secure && !ExpectServer(c->secure->native_handle(), host_)) {
        GiveBack(std::move(c), false);
        return Failure(absl::StatusCode::kUnavailable, "TLS",
                       "OpenSSL refused the server's name to check its certificate against");
      }
      c->buffer.clear();
      c->tcp().expires_after(Remaining(deadline));
      c->tcp().async_connect(endpoints, [&](beast::error_code ec, const tcp::endpoint&) {
        if (ec) {
          exchange.error = ec;
          return;
        }
        c->connected = true;
        beast::error_code ignored;
        c->tcp().socket().set_option(tcp::no_delay(true), ignored);
        if (c->secure) {
          handshake();
        } else {
          write();
        }
      });
    }
    c->io.run();

    if (c->closed_by_abort || c->aborted()) {
      GiveBack(std::move(c), false);
      return Failure(absl::StatusCode::kCancelled, "STOPPED", "stopped");
    }
    if (exchange.error) {
      // Why the server's certificate was refused, read before the connection goes.
      long verified = X509_V_OK;
      if (exchange.stage == Stage::kHandshake) {
        verified = SSL_get_verify_result(c->secure->native_handle());
      }
      GiveBack(std::move(c), false);
      if (exchange.error == beast::error::timeout) {
        return Failure(absl::StatusCode::kDeadlineExceeded, "TIMEOUT",
                       absl::StrCat("no answer within ", absl::FormatDuration(timeout)));
      }
      if (exchange.error == bhttp::error::body_limit) {
        return Failure(absl::StatusCode::kInternal, "BAD_RESPONSE", "the answer is too long");
      }
      // A handshake TLS itself refused (the certificate, the protocol); a connection that
      // merely dropped during it is unavailable like any other.
      if (exchange.stage == Stage::kHandshake &&
          (verified != X509_V_OK || exchange.error.category() == asio::error::get_ssl_category())) {
        return Failure(
            absl::StatusCode::kUnavailable, "TLS",
            absl::StrCat("TLS handshake: ", exchange.error.message(),
                         verified == X509_V_OK
                             ? ""
                             : absl::StrCat(": ", X509_verify_cert_error_string(verified))));
      }
      // A reused connection that fails before any answer was closed by the server while idle.
      if (reused && attempt == 0 &&
          (exchange.stage == Stage::kWrite || exchange.stage == Stage::kRead) &&
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
