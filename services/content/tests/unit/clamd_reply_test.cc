#include <catch2/catch.hpp>

#include "libs/core/status.h"
#include "services/content/scanning/clamav_client.h"

namespace parta::content {
namespace {

TEST_CASE("clamd's answers become verdicts, and anything else an outage", "[content][unit]") {
  CHECK_FALSE(ParseClamdReply("stream: OK")->infected);
  const absl::StatusOr<ScanVerdict> found = ParseClamdReply("stream: Win.Test.EICAR_HDB-1 FOUND");
  REQUIRE(found.ok());
  CHECK(found->infected);
  CHECK(found->signature == "Win.Test.EICAR_HDB-1");
  CHECK(ReasonOf(ParseClamdReply("INSTREAM size limit exceeded. ERROR").status()) ==
        "SCAN_FAILED");
  CHECK(ReasonOf(ParseClamdReply("UNKNOWN COMMAND").status()) == "SCANNER_UNAVAILABLE");
  CHECK(ReasonOf(ParseClamdReply("").status()) == "SCANNER_UNAVAILABLE");
}

}  // namespace
}  // namespace parta::content
