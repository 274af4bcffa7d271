#include <catch2/catch.hpp>

#include "libs/testing/status_matchers.h"
#include "services/identity/adapters/master_key.h"

namespace parta::identity {
namespace {

constexpr char kHex[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

TEST_CASE("Sealed secrets open only with the same key and context", "[identity][unit]") {
  MasterKey key = *MasterKey::FromHex(kHex);
  std::string sealed = key.Seal("private key bytes", "kid-1");
  CHECK(sealed.find("private key bytes") == std::string::npos);
  CHECK(*key.Open(sealed, "kid-1") == "private key bytes");
  CHECK_STATUS(key.Open(sealed, "kid-2"), kDataLoss, "SEALED_SECRET_CORRUPT");
  MasterKey other = *MasterKey::FromHex(std::string(64, 'a'));
  CHECK_STATUS(other.Open(sealed, "kid-1"), kDataLoss, "SEALED_SECRET_CORRUPT");
  sealed.back() ^= 1;
  CHECK_STATUS(key.Open(sealed, "kid-1"), kDataLoss, "SEALED_SECRET_CORRUPT");
}

TEST_CASE("A master key must be 64 hex characters", "[identity][unit]") {
  CHECK_STATUS(MasterKey::FromHex("abc"), kFailedPrecondition, "MASTER_KEY_INVALID");
  CHECK_STATUS(MasterKey::FromHex(std::string(64, 'g')), kFailedPrecondition,
               "MASTER_KEY_INVALID");
  CHECK_STATUS(MasterKey::FromFile("/nonexistent/key"), kFailedPrecondition,
               "MASTER_KEY_UNREADABLE");
  CHECK(MasterKey::FromHex(kHex)->DeriveSubkey("a") != MasterKey::FromHex(kHex)->DeriveSubkey("b"));
}

}  // namespace
}  // namespace parta::identity
