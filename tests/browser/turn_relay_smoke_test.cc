// Runs the browser smoke test (turn_relay_smoke.mjs: headless Chromium through playwright-core)
// against a private coturn, with credentials from the helper the signaling service uses.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "libs/auth/turn_credentials.h"
#include "libs/testing/turn_server.h"
#include "tests/browser/node_runner.h"

namespace parta {
namespace {

TEST_CASE("Chromium sends camera and microphone between two peers through TURN relays only",
          "[browser][turn]") {
  testing::PrivateTurn turn;
  auth::TurnCredentials credentials =
      auth::MakeTurnCredentials(turn.secret(), "browser-smoke", absl::Now() + absl::Minutes(10));
  std::vector<std::string> urls = turn.turn_urls();
  int exit_code = testing::RunBrowserScript(
      "turn_relay_smoke.mjs", {"--turn-url", urls[0], "--turn-url", urls[1], "--username",
                               credentials.username, "--password", credentials.password,
                               "--timeout-ms", "20000"});
  INFO("coturn's log:\n" << testing::ReadTextFile(turn.log_file()));
  CHECK(exit_code == 0);
}

}  // namespace
}  // namespace parta
