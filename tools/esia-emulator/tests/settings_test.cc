#include "tools/esia-emulator/settings.h"

#include <catch2/catch.hpp>

#include "libs/testing/status_matchers.h"

namespace parta::esia_emulator {
namespace {

std::vector<std::string> Required() {
  return {"--listen",       "127.0.0.1:0",          "--client-id",
          "PARTA",          "--client-certificate", "client.pem",
          "--redirect-uri", "https://a.example/cb", "--signing-key=key.pem"};
}

TEST_CASE("ParseSettings reads every flag in both spellings", "[esia][unit]") {
  std::vector<std::string> args = Required();
  args.insert(args.end(), {"--redirect-uri=https://a.example/cb2", "--port-file", "port",
                           "--issuer", "https://esia.example/"});
  const absl::StatusOr<Settings> settings = ParseSettings(args);
  REQUIRE_OK(settings);
  CHECK(settings->listen_host == "127.0.0.1");
  CHECK(settings->listen_port == 0);
  CHECK(settings->port_file == "port");
  CHECK(settings->client_id == "PARTA");
  CHECK(settings->client_certificate_path == "client.pem");
  CHECK(settings->redirect_uris ==
        std::vector<std::string>{"https://a.example/cb", "https://a.example/cb2"});
  CHECK(settings->signing_key_path == "key.pem");
  CHECK(settings->issuer == "https://esia.example/");
}

TEST_CASE("ParseSettings defaults the issuer and reads bracketed IPv6 addresses", "[esia][unit]") {
  std::vector<std::string> args = Required();
  args[1] = "[::1]:8443";
  const absl::StatusOr<Settings> settings = ParseSettings(args);
  REQUIRE_OK(settings);
  CHECK(settings->listen_host == "::1");
  CHECK(settings->listen_port == 8443);
  CHECK(settings->issuer == "http://esia-emulator.parta/");
  CHECK(settings->port_file.empty());
}

TEST_CASE("ParseSettings refuses incomplete or malformed command lines", "[esia][unit]") {
  SECTION("a missing required flag") {
    std::vector<std::string> args = Required();
    args.erase(args.begin() + 2, args.begin() + 4);  // --client-id
    CHECK_STATUS(ParseSettings(args), kInvalidArgument, "BAD_FLAGS");
  }
  SECTION("no redirect URI") {
    std::vector<std::string> args = Required();
    args.erase(args.begin() + 6, args.begin() + 8);
    CHECK_STATUS(ParseSettings(args), kInvalidArgument, "BAD_FLAGS");
  }
  SECTION("an unknown flag") {
    std::vector<std::string> args = Required();
    args.push_back("--verbose=1");
    CHECK_STATUS(ParseSettings(args), kInvalidArgument, "BAD_FLAGS");
  }
  SECTION("a flag without its value") {
    std::vector<std::string> args = Required();
    args.push_back("--issuer");
    CHECK_STATUS(ParseSettings(args), kInvalidArgument, "BAD_FLAGS");
  }
  SECTION("a repeated single flag") {
    std::vector<std::string> args = Required();
    args.insert(args.end(), {"--client-id", "OTHER"});
    CHECK_STATUS(ParseSettings(args), kInvalidArgument, "BAD_FLAGS");
  }
  for (const char* listen : {"127.0.0.1", "127.0.0.1:", ":80", "127.0.0.1:70000", "a:-1"}) {
    std::vector<std::string> args = Required();
    args[1] = listen;
    INFO(listen);
    CHECK_STATUS(ParseSettings(args), kInvalidArgument, "BAD_FLAGS");
  }
}

}  // namespace
}  // namespace parta::esia_emulator
