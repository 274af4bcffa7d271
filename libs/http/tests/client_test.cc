#include "libs/http/client.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
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
  // Blocks until a client connects; returns its socket.
  int Accept() { return accept(fd_, nullptr, nullptr); }
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

}  // namespace
}  // namespace parta::http
