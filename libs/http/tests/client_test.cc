#include "libs/http/client.h"

#include <netinet/in.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/core/random.h"
#include "libs/testing/status_matchers.h"

namespace parta::http {
namespace {

// A listening socket on a free loopback port that the test drives by hand.
class RawServer {
 public:
  RawServer() {
    signal(SIGPIPE, SIG_IGN);
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(listen(fd_, 16) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~RawServer() { Close(); }

  int port() const { return port_; }
  // Blocks until a client connects; returns its socket, or -1 after StopAccepting().
  int Accept() { return accept(fd_, nullptr, nullptr); }
  // Wakes a blocked Accept() and fails every later one.
  void StopAccepting() { shutdown(fd_, SHUT_RDWR); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  // Reads one request head (up to the blank line) from `client`.
  static std::string ReadHead(int client) {
    std::string head;
    char c;
    while (!absl::EndsWith(head, "\r\n\r\n") && read(client, &c, 1) == 1) head.push_back(c);
    return head;
  }
  static void Answer(int client, const std::string& body) {
    std::string response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n" + body;
    REQUIRE(write(client, response.data(), response.size()) ==
            static_cast<ssize_t>(response.size()));
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST_CASE("A request to a port where nobody listens is UNAVAILABLE", "[http][integration]") {
  int port;
  {
    RawServer server;
    port = server.port();
  }
  Client client("127.0.0.1", port);
  CHECK_STATUS(client.Get("/janus/info", absl::Seconds(5)), kUnavailable, "HTTP_UNAVAILABLE");
}

TEST_CASE("A server that never answers runs into the request's deadline", "[http][integration]") {
  RawServer server;  // listens, never accepts: connects succeed, answers never come
  Client client("127.0.0.1", server.port());
  absl::Time start = absl::Now();
  CHECK_STATUS(client.Post("/janus", "{}", absl::Milliseconds(200)), kDeadlineExceeded,
               "HTTP_TIMEOUT");
  CHECK(absl::Now() - start < absl::Seconds(5));
}

TEST_CASE("Shutdown cuts a request in flight and refuses later ones", "[http][integration]") {
  RawServer server;
  Client client("127.0.0.1", server.port(), {.max_connections = 1});
  absl::StatusOr<Response> parked;
  std::thread poll([&] { parked = client.Get("/janus/1?maxev=1", absl::Seconds(60)); });
  int connection = server.Accept();  // the long poll is now in flight
  REQUIRE(connection >= 0);
  // The only connection is busy: another request waits for it, up to its deadline.
  CHECK_STATUS(client.Get("/janus/info", absl::Milliseconds(100)), kDeadlineExceeded,
               "HTTP_TIMEOUT");
  client.Shutdown();
  poll.join();
  CHECK_STATUS(parked, kCancelled, "HTTP_STOPPED");
  CHECK_STATUS(client.Get("/janus/info", absl::Seconds(1)), kCancelled, "HTTP_STOPPED");
  close(connection);
}

TEST_CASE("A kept-alive connection that the server closed is replaced without an error",
          "[http][integration]") {
  RawServer server;
  std::thread serve([&] {
    int first = server.Accept();
    RawServer::ReadHead(first);
    RawServer::Answer(first, R"({"n":1})");
    close(first);  // as an idle timeout would
    int second = server.Accept();
    RawServer::ReadHead(second);
    RawServer::Answer(second, R"({"n":2})");
    close(second);
  });
  Client client("127.0.0.1", server.port());
  auto one = client.Get("/janus/info", absl::Seconds(5));
  REQUIRE_OK(one);
  CHECK(one->body == R"({"n":1})");
  auto two = client.Get("/janus/info", absl::Seconds(5));
  REQUIRE_OK(two);
  CHECK(two->body == R"({"n":2})");
  serve.join();
}

struct FreeOpenSsl {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(X509* certificate) const { X509_free(certificate); }
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
template <class T>
using OpenSslPtr = std::unique_ptr<T, FreeOpenSsl>;

// A key and its certificate.
struct Identity {
  OpenSslPtr<EVP_PKEY> key;
  OpenSslPtr<X509> certificate;
};

// A P-256 key with a certificate for it, valid for a day, with the X.509v3 `extensions`
// ({NID, value in openssl.cnf's syntax}), signed by `issuer` or self-signed without one.
Identity Certify(const std::string& common_name, const Identity* issuer,
                 const std::vector<std::pair<int, const char*>>& extensions) {
  static long serial = 0;
  Identity made{OpenSslPtr<EVP_PKEY>(EVP_EC_gen("P-256")), OpenSslPtr<X509>(X509_new())};
  REQUIRE(made.key);
  REQUIRE(made.certificate);
  X509* certificate = made.certificate.get();
  X509* signer = issuer != nullptr ? issuer->certificate.get() : certificate;
  REQUIRE(X509_set_version(certificate, 2) == 1);
  REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(certificate), ++serial) == 1);
  REQUIRE(X509_gmtime_adj(X509_getm_notBefore(certificate), -3600) != nullptr);
  REQUIRE(X509_gmtime_adj(X509_getm_notAfter(certificate), 24 * 3600) != nullptr);
  REQUIRE(X509_NAME_add_entry_by_txt(X509_get_subject_name(certificate), "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                     -1, -1, 0) == 1);
  REQUIRE(X509_set_issuer_name(certificate, X509_get_subject_name(signer)) == 1);
  REQUIRE(X509_set_pubkey(certificate, made.key.get()) == 1);
  X509V3_CTX context{};
  X509V3_set_ctx(&context, signer, certificate, nullptr, nullptr, 0);
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    REQUIRE(extension != nullptr);
    REQUIRE(X509_add_ext(certificate, extension, -1) == 1);
    X509_EXTENSION_free(extension);
  }
  EVP_PKEY* signing_key = issuer != nullptr ? issuer->key.get() : made.key.get();
  REQUIRE(X509_sign(certificate, signing_key, EVP_sha256()) > 0);
  return made;
}

Identity MakeCa(const std::string& name) {
  return Certify(name, nullptr,
                 {{NID_basic_constraints, "critical,CA:TRUE"},
                  {NID_key_usage, "critical,keyCertSign,cRLSign"}});
}

// A server's certificate from `ca` for `names` ("DNS:localhost,IP:127.0.0.1").
Identity MakeServerCertificate(const Identity& ca, const char* names) {
  return Certify("parta test server", &ca,
                 {{NID_basic_constraints, "critical,CA:FALSE"},
                  {NID_key_usage, "critical,digitalSignature"},
                  {NID_ext_key_usage, "serverAuth"},
                  {NID_subject_alt_name, names}});
}

// A folder of its own under the system's temporary folder, removed with its files.
struct TempFolder {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("parta-http-" + absl::BytesToHexString(RandomBytes(6)));
  TempFolder() { std::filesystem::create_directories(path); }
  ~TempFolder() { std::filesystem::remove_all(path); }

  std::string Write(const std::string& name, const std::string& content) const {
    const std::string file = (path / name).string();
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << content;
    REQUIRE(out);
    return file;
  }
  // `identity`'s certificate as a PEM file, for Options::Tls::ca_file.
  std::string WritePem(const std::string& name, const Identity& identity) const {
    BIO* pem = BIO_new(BIO_s_mem());
    REQUIRE(pem != nullptr);
    REQUIRE(PEM_write_bio_X509(pem, identity.certificate.get()) == 1);
    char* data = nullptr;
    const long length = BIO_get_mem_data(pem, &data);
    std::string text(data, static_cast<size_t>(length));
    BIO_free(pem);
    return Write(name, text);
  }
};

// An HTTPS server on a free loopback port with the certificate `identity`, on a thread of its
// own. It takes connections one after another and answers each request on them with
// "request <n>" and the request's body, until the client closes the connection (or after one
// answer, with close_after_answer, as an idle timeout would). Its counts are read after Stop().
struct TlsServerOptions {
  bool close_after_answer = false;
};
class TlsServer {
 public:
  explicit TlsServer(const Identity& identity, TlsServerOptions options = {})
      : options_(options), context_(SSL_CTX_new(TLS_server_method())) {
    REQUIRE(context_);
    REQUIRE(SSL_CTX_use_certificate(context_.get(), identity.certificate.get()) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey(context_.get(), identity.key.get()) == 1);
    thread_ = std::thread([this] { Serve(); });
  }
  ~TlsServer() { Stop(); }

  int port() const { return listener_.port(); }
  // Waits for the connections taken so far to end, then stops taking more. Call it once the
  // client has closed its connections (returned its error, shut down or gone).
  void Stop() {
    listener_.StopAccepting();
    if (thread_.joinable()) thread_.join();
  }

  // After Stop():
  int handshakes() const { return handshakes_; }  // completed
  int failed_handshakes() const { return failed_handshakes_; }
  int requests() const { return requests_; }
  const std::vector<std::string>& server_names() const { return server_names_; }  // SNI

 private:
  // Catch2's assertions are for the test's thread: this one only counts.
  void Serve() {
    for (int client = listener_.Accept(); client >= 0; client = listener_.Accept()) {
      OpenSslPtr<SSL> ssl(SSL_new(context_.get()));
      if (ssl && SSL_set_fd(ssl.get(), client) == 1 && SSL_accept(ssl.get()) == 1) {
        ++handshakes_;
        const char* name = SSL_get_servername(ssl.get(), TLSEXT_NAMETYPE_host_name);
        server_names_.push_back(name != nullptr ? name : "");
        while (AnswerOne(ssl.get()) && !options_.close_after_answer) {
        }
      } else {
        ++failed_handshakes_;
      }
      ssl.reset();
      close(client);
    }
  }

  // Reads a request and answers it; false once the client has closed the connection.
  bool AnswerOne(SSL* ssl) {
    std::string head;
    char c;
    while (!absl::EndsWith(head, "\r\n\r\n")) {
      if (SSL_read(ssl, &c, 1) != 1) return false;
      head.push_back(c);
    }
    size_t length = 0;
    const size_t field = absl::AsciiStrToLower(head).find("content-length:");
    if (field != std::string::npos) {
      const size_t end = head.find("\r\n", field);
      if (!absl::SimpleAtoi(head.substr(field + 15, end - field - 15), &length)) return false;
    }
    std::string body(length, '\0');
    for (size_t done = 0; done < length;) {
      const int got = SSL_read(ssl, body.data() + done, static_cast<int>(length - done));
      if (got <= 0) return false;
      done += static_cast<size_t>(got);
    }
    const std::string answer = absl::StrCat("request ", ++requests_, body.empty() ? "" : " ", body);
    const std::string response =
        absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: ", answer.size(), "\r\n\r\n", answer);
    return SSL_write(ssl, response.data(), static_cast<int>(response.size())) ==
           static_cast<int>(response.size());
  }

  const TlsServerOptions options_;
  OpenSslPtr<SSL_CTX> context_;
  RawServer listener_;
  // Written by the server's thread, read after Stop().
  int handshakes_ = 0;
  int failed_handshakes_ = 0;
  int requests_ = 0;
  std::vector<std::string> server_names_;
  std::thread thread_;
};

// Options for a TLS client that trusts the CAs in `ca_file`.
Client::Options TrustingOptions(const std::string& ca_file) {
  return {.tls = {.enabled = true, .ca_file = ca_file}};
}

TEST_CASE("URLs are http unless the caller takes https as well, which defaults to port 443",
          "[http][unit]") {
  auto plain = Url::Parse("http://esia.example/aas");
  REQUIRE_OK(plain);
  CHECK_FALSE(plain->tls);
  CHECK(plain->port == 80);
  CHECK_STATUS(Url::Parse("https://esia.example/aas"), kInvalidArgument, "HTTP_BAD_URL");

  constexpr auto kBoth = Url::Schemes::kHttpOrHttps;
  auto secure = Url::Parse("https://esia.gosuslugi.ru", "ESIA", kBoth);
  REQUIRE_OK(secure);
  CHECK(secure->tls);
  CHECK(secure->host == "esia.gosuslugi.ru");
  CHECK(secure->port == 443);
  CHECK(secure->path == "/");
  auto ported = Url::Parse("https://127.0.0.1:8443/esia", "ESIA", kBoth);
  REQUIRE_OK(ported);
  CHECK(ported->tls);
  CHECK(ported->port == 8443);
  CHECK(ported->path == "/esia");
  auto still_plain = Url::Parse("http://127.0.0.1:8080", "ESIA", kBoth);
  REQUIRE_OK(still_plain);
  CHECK_FALSE(still_plain->tls);
  CHECK_STATUS(Url::Parse("ftp://esia.example", "ESIA", kBoth), kInvalidArgument, "ESIA_BAD_URL");
  CHECK_STATUS(Url::Parse("https://:443/", "ESIA", kBoth), kInvalidArgument, "ESIA_BAD_URL");
  CHECK_STATUS(Url::Parse("https://esia.example:0", "ESIA", kBoth), kInvalidArgument,
               "ESIA_BAD_URL");
}

TEST_CASE("A GET over https checks the certificate against the CA file and sends the host name",
          "[http][integration]") {
  TempFolder folder;
  const Identity ca = MakeCa("Parta test CA");
  TlsServer server(MakeServerCertificate(ca, "DNS:localhost"));
  auto client =
      Client::Create("localhost", server.port(), TrustingOptions(folder.WritePem("ca.pem", ca)));
  REQUIRE_OK(client);
  auto answer = (*client)->Get("/esia", absl::Seconds(10));
  REQUIRE_OK(answer);
  CHECK(answer->status == 200);
  CHECK(answer->body == "request 1");
  (*client)->Shutdown();
  server.Stop();
  CHECK(server.handshakes() == 1);
  CHECK(server.server_names() == std::vector<std::string>{"localhost"});
}

TEST_CASE("A server with a certificate from an untrusted CA is refused with the TLS reason",
          "[http][integration]") {
  TempFolder folder;
  const Identity trusted = MakeCa("Parta test CA");
  const Identity other = MakeCa("Another CA");
  TlsServer server(MakeServerCertificate(other, "DNS:localhost,IP:127.0.0.1"));
  auto client = Client::Create("localhost", server.port(),
                               TrustingOptions(folder.WritePem("ca.pem", trusted)));
  REQUIRE_OK(client);
  auto refused = (*client)->Get("/esia", absl::Seconds(10));
  CHECK_STATUS(refused, kUnavailable, "HTTP_TLS");
  INFO(refused.status().message());
  CHECK(absl::StrContains(refused.status().message(), "localhost:"));
  CHECK(absl::StrContains(refused.status().message(), "unable to get local issuer certificate"));
  // The system's trust store does not know the test's CAs either.
  auto system = Client::Create("localhost", server.port(), TrustingOptions(""));
  REQUIRE_OK(system);
  CHECK_STATUS((*system)->Get("/esia", absl::Seconds(10)), kUnavailable, "HTTP_TLS");
  server.Stop();
  CHECK(server.handshakes() == 0);
  CHECK(server.failed_handshakes() == 2);
  CHECK(server.requests() == 0);
}

TEST_CASE("A certificate for another host name or address is refused with the TLS reason",
          "[http][integration]") {
  TempFolder folder;
  const Identity ca = MakeCa("Parta test CA");
  const std::string ca_file = folder.WritePem("ca.pem", ca);
  {
    TlsServer server(MakeServerCertificate(ca, "DNS:esia.example"));
    auto client = Client::Create("localhost", server.port(), TrustingOptions(ca_file));
    REQUIRE_OK(client);
    auto refused = (*client)->Get("/esia", absl::Seconds(10));
    CHECK_STATUS(refused, kUnavailable, "HTTP_TLS");
    CHECK(absl::StrContains(refused.status().message(), "hostname mismatch"));
  }
  {
    // Valid for localhost, but the client asked for 127.0.0.1: addresses are checked as well.
    TlsServer server(MakeServerCertificate(ca, "DNS:localhost"));
    auto client = Client::Create("127.0.0.1", server.port(), TrustingOptions(ca_file));
    REQUIRE_OK(client);
    auto refused = (*client)->Get("/esia", absl::Seconds(10));
    CHECK_STATUS(refused, kUnavailable, "HTTP_TLS");
    CHECK(absl::StrContains(refused.status().message(), "IP address mismatch"));
    server.Stop();
    CHECK(server.requests() == 0);
  }
}

TEST_CASE("Requests in a row share one kept-alive TLS connection, bodies from files too",
          "[http][integration]") {
  TempFolder folder;
  const Identity ca = MakeCa("Parta test CA");
  TlsServer server(MakeServerCertificate(ca, "IP:127.0.0.1"));
  auto client =
      Client::Create("127.0.0.1", server.port(), TrustingOptions(folder.WritePem("ca.pem", ca)));
  REQUIRE_OK(client);
  auto first = (*client)->Post("/esia", R"({"n":1})", absl::Seconds(10));
  REQUIRE_OK(first);
  CHECK(first->body == R"(request 1 {"n":1})");
  auto second = (*client)->Send(
      {.method = "PUT", .target = "/files/1", .body_file = folder.Write("body.txt", "from a file")},
      absl::Seconds(10));
  REQUIRE_OK(second);
  CHECK(second->body == "request 2 from a file");
  (*client)->Shutdown();  // closes the idle connection, which ends the server's
  server.Stop();
  CHECK(server.handshakes() == 1);
  CHECK(server.requests() == 2);
  CHECK(server.server_names() == std::vector<std::string>{""});  // no SNI for an address
}

TEST_CASE("A kept-alive TLS connection that the server closed is replaced without an error",
          "[http][integration]") {
  TempFolder folder;
  const Identity ca = MakeCa("Parta test CA");
  TlsServer server(MakeServerCertificate(ca, "DNS:localhost"), {.close_after_answer = true});
  auto client =
      Client::Create("localhost", server.port(), TrustingOptions(folder.WritePem("ca.pem", ca)));
  REQUIRE_OK(client);
  auto one = (*client)->Get("/esia", absl::Seconds(10));
  REQUIRE_OK(one);
  CHECK(one->body == "request 1");
  auto two = (*client)->Get("/esia", absl::Seconds(10));
  REQUIRE_OK(two);
  CHECK(two->body == "request 2");
  (*client)->Shutdown();
  server.Stop();
  CHECK(server.handshakes() == 2);
}

TEST_CASE("A TLS handshake runs into the request's deadline and is cut by Shutdown",
          "[http][integration]") {
  TempFolder folder;
  const std::string ca_file = folder.WritePem("ca.pem", MakeCa("Parta test CA"));
  RawServer server;  // takes connections but never answers a handshake
  auto client =
      Client::Create("127.0.0.1", server.port(),
                     {.max_connections = 1, .tls = {.enabled = true, .ca_file = ca_file}});
  REQUIRE_OK(client);
  CHECK_STATUS((*client)->Get("/esia", absl::Milliseconds(200)), kDeadlineExceeded, "HTTP_TIMEOUT");
  absl::StatusOr<Response> parked;
  std::thread request([&] { parked = (*client)->Get("/esia", absl::Seconds(60)); });
  // The first connection waits in the backlog; the second is this request's.
  const int first = server.Accept();
  const int second = server.Accept();
  REQUIRE(second >= 0);
  (*client)->Shutdown();
  request.join();
  CHECK_STATUS(parked, kCancelled, "HTTP_STOPPED");
  close(first);
  close(second);
}

TEST_CASE("A server that drops the connection during the handshake is UNAVAILABLE, not TLS",
          "[http][integration]") {
  TempFolder folder;
  const std::string ca_file = folder.WritePem("ca.pem", MakeCa("Parta test CA"));
  RawServer server;
  std::thread drop([&] { close(server.Accept()); });
  auto client = Client::Create("127.0.0.1", server.port(),
                               {.tls = {.enabled = true, .ca_file = ca_file}});
  REQUIRE_OK(client);
  auto dropped = (*client)->Get("/esia", absl::Seconds(10));
  drop.join();
  INFO(dropped.status().message());
  CHECK_STATUS(dropped, kUnavailable, "HTTP_UNAVAILABLE");
  CHECK(absl::StrContains(dropped.status().message(), "TLS handshake"));
}

TEST_CASE("A CA file that cannot be read is refused at once", "[http][unit]") {
  TempFolder folder;
  for (const std::string& ca_file :
       {(folder.path / "missing.pem").string(), folder.Write("garbage.pem", "not a certificate")}) {
    INFO(ca_file);
    CHECK_STATUS(Client::Create("esia.example", 443, TrustingOptions(ca_file)), kInvalidArgument,
                 "HTTP_BAD_CA_FILE");
    // A client made by its constructor fails each request the same way.
    Client client("esia.example", 443, TrustingOptions(ca_file));
    CHECK_STATUS(client.Get("/", absl::Seconds(1)), kInvalidArgument, "HTTP_BAD_CA_FILE");
  }
  REQUIRE_OK(Client::Create("esia.example", 443, TrustingOptions("")));  // the system's CAs
}

}  // namespace
}  // namespace parta::http
