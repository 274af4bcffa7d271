#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "libs/auth/certificate.h"
#include "libs/core/status.h"

namespace parta::auth {
namespace {

// A self-signed P-256 certificate made for this test (CN "Электронный журнал", valid until
// 2126-11-13 14:19:17 UTC). Its thumbprint was computed with the openssl command line:
//   openssl x509 -outform DER | openssl dgst -sha256 -binary | basenc --base64url
constexpr char kCertificate[] = R"(-----BEGIN CERTIFICATE-----
MIIBvjCCAWSgAwIBAgIBATAKBggqhkjOPQQDAjA9MSwwKgYDVQQDDCPQrdC70LXQ
utGC0YDQvtC90L3Ri9C5INC20YPRgNC90LDQuzENMAsGA1UECgwEVGVzdDAgFw0y
NjEyMDcxNDE5MTdaGA8yMTI2MTExMzE0MTkxN1owPTEsMCoGA1UEAwwj0K3Qu9C1
0LrRgtGA0L7QvdC90YvQuSDQttGD0YDQvdCw0LsxDTALBgNVBAoMBFRlc3QwWTAT
BgcqhkjOPQIBBggqhkjOPQMBBwNCAARVphSP82pfM2AiSdHupVMw43EX/uqxe8Cy
T1d7w+Tyvybd9NjKtSw7etQ35zNxAG9KW+RvOI5mAH/d5i47C3qSo1MwUTAdBgNV
HQ4EFgQUKVI5eqhu+4xpcQ3IZVJc5KHn0W0wHwYDVR0jBBgwFoAUKVI5eqhu+4xp
cQ3IZVJc5KHn0W0wDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiA4
FHATHgI+G1G3EcoH5Whl2B3vugk9c12zvsl7CT0ooAIhAN/iD9rBhioXuq8QfJQu
2rf5K3SwfgBykyxrvBO2msfg
-----END CERTIFICATE-----
)";

TEST_CASE("A PEM certificate yields its x5t#S256 thumbprint and expiry", "[auth][unit]") {
  absl::StatusOr<CertificateFacts> facts = ReadPemCertificate(absl::StrCat("\n  ", kCertificate));
  REQUIRE(facts.ok());
  CHECK(facts->thumbprint == "b_qcJDA-tZfMatpc5IrxEaI8YgVmojvBm5MzwxB8R00");
  CHECK(facts->not_after ==
        absl::FromCivil(absl::CivilSecond(2126, 11, 13, 14, 19, 17), absl::UTCTimeZone()));
}

TEST_CASE("Anything but one PEM certificate is INVALID_CERTIFICATE", "[auth][unit]") {
  std::string truncated(kCertificate, sizeof(kCertificate) / 2);
  for (const std::string& bad :
       {std::string(""), std::string("not a certificate"), truncated,
        absl::StrCat(kCertificate, kCertificate),
        absl::StrCat(kCertificate, std::string(64 * 1024, ' '), "x"),
        std::string("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n"
                    "-----END PRIVATE KEY-----\n")}) {
    absl::StatusOr<CertificateFacts> facts = ReadPemCertificate(bad);
    INFO(bad);
    REQUIRE_FALSE(facts.ok());
    CHECK(facts.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(ReasonOf(facts.status()) == "INVALID_CERTIFICATE");
  }
}

}  // namespace
}  // namespace parta::auth
