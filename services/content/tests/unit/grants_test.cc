#include "services/content/domain/grants.h"

#include <catch2/catch.hpp>

#include "libs/core/status.h"

namespace parta::content {
namespace {

const std::string kKey(32, 'k');
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

TEST_CASE("Read tokens carry their blob and expire", "[content][unit]") {
  const GrantSigner signer(kKey);
  const std::string token = signer.SignRead({.version_id = "v1",
                                             .sha256 = std::string(64, 'a'),
                                             .size = 12345,
                                             .expire_time = kNow + absl::Minutes(5)});
  absl::StatusOr<ReadGrant> grant = signer.VerifyRead(token, kNow);
  REQUIRE(grant.ok());
  CHECK(grant->version_id == "v1");
  CHECK(grant->sha256 == std::string(64, 'a'));
  CHECK(grant->size == 12345);
  CHECK(ReasonOf(signer.VerifyRead(token, kNow + absl::Minutes(5)).status()) ==
        "READ_TOKEN_EXPIRED");
}

TEST_CASE("Grants are refused when forged, altered or of another kind", "[content][unit]") {
  const GrantSigner signer(kKey);
  const GrantSigner other(std::string(32, 'o'));
  const LinkGrant link{.version_id = "v1", .user_id = "u1", .expire_time = kNow + absl::Minutes(1)};
  const std::string token = signer.SignLink(link);
  REQUIRE(signer.VerifyLink(token, kNow).ok());
  CHECK(signer.VerifyLink(token, kNow)->user_id == "u1");

  CHECK(ReasonOf(other.VerifyLink(token, kNow).status()) == "INVALID_LINK");
  CHECK(ReasonOf(signer.VerifyRead(token, kNow).status()) == "INVALID_READ_TOKEN");
  std::string altered = token;
  altered[3] = altered[3] == 'A' ? 'B' : 'A';
  CHECK(ReasonOf(signer.VerifyLink(altered, kNow).status()) == "INVALID_LINK");
  CHECK(ReasonOf(signer.VerifyLink("", kNow).status()) == "INVALID_LINK");
  CHECK(ReasonOf(signer.VerifyLink("l.x.y", kNow).status()) == "INVALID_LINK");
  CHECK(ReasonOf(signer.VerifyLink(token, kNow + absl::Minutes(2)).status()) == "LINK_EXPIRED");
}

}  // namespace
}  // namespace parta::content
