// TURN credentials against a real coturn (PrivateTurn), checked with coturn's own client:
// `turnutils_uclient -y` allocates two relays and sends messages from one to the other.

#include <stdio.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "libs/auth/turn_credentials.h"
#include "libs/testing/turn_server.h"

namespace parta::auth {
namespace {

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

std::string ShellQuoted(const std::string& text) {
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "'\\''"}}), "'");
}

// Sends 10 messages through two relays allocated with `username` and `password`.
CommandResult RelayThroughTurn(const testing::PrivateTurn& turn, const std::string& username,
                               const std::string& password) {
  std::string command =
      absl::StrCat("timeout 60 turnutils_uclient -y -n 10 -m 1 -p ", turn.port(), " -u ",
                   ShellQuoted(username), " -w ", ShellQuoted(password), " ", turn.host(), " 2>&1");
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t size;
  while ((size = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, size);
  int status = pclose(pipe);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

TEST_CASE("coturn relays for credentials made by MakeTurnCredentials", "[auth][turn]") {
  testing::PrivateTurn turn;
  TurnCredentials credentials =
      MakeTurnCredentials(turn.secret(), "user-42", absl::Now() + absl::Minutes(10));
  CommandResult result = RelayThroughTurn(turn, credentials.username, credentials.password);
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.output, Catch::Contains("Total lost packets 0"));
}

TEST_CASE("coturn refuses a wrong TURN password", "[auth][turn]") {
  testing::PrivateTurn turn;
  TurnCredentials credentials =
      MakeTurnCredentials("not-the-secret", "user-42", absl::Now() + absl::Minutes(10));
  CommandResult result = RelayThroughTurn(turn, credentials.username, credentials.password);
  INFO(result.output);
  CHECK(result.exit_code != 0);
  CHECK_THAT(result.output, Catch::Contains("Cannot complete Allocation"));
}

TEST_CASE("coturn refuses TURN credentials whose expiry has passed", "[auth][turn]") {
  testing::PrivateTurn turn;
  TurnCredentials credentials =
      MakeTurnCredentials(turn.secret(), "user-42", absl::Now() - absl::Minutes(1));
  CommandResult result = RelayThroughTurn(turn, credentials.username, credentials.password);
  INFO(result.output);
  CHECK(result.exit_code != 0);
  CHECK_THAT(result.output, Catch::Contains("Cannot complete Allocation"));
}

}  // namespace
}  // namespace parta::auth
