#include "services/content/storage/s3_signer.h"

#include <catch2/catch.hpp>

namespace parta::content {
namespace {

// The worked examples of the S3 API reference ("Signature Calculations for the Authorization
// Header: Transferring Payload in a Single Chunk"), with its example key pair.
const S3Credentials kExample{.access_key_id = "AKIAIOSFODNN7EXAMPLE",
                             .secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                             .region = "us-east-1"};
const absl::Time kExampleTime =
    absl::FromCivil(absl::CivilSecond(2013, 5, 24, 0, 0, 0), absl::UTCTimeZone());

std::string HeaderOf(const http::Headers& headers, const std::string& name) {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

TEST_CASE("A ranged GET is signed as in the S3 reference's example", "[s3][unit]") {
  http::Headers headers = {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}};
  SignS3Request(kExample, "GET", "/test.txt", "", kEmptyPayloadSha256, kExampleTime, headers);
  CHECK(HeaderOf(headers, "x-amz-date") == "20130524T000000Z");
  CHECK(HeaderOf(headers, "x-amz-content-sha256") == kEmptyPayloadSha256);
  CHECK(HeaderOf(headers, "Authorization") ==
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST_CASE(
    "A PUT with a payload hash, a date header and an encoded key is signed as in the "
    "S3 reference's example",
    "[s3][unit]") {
  http::Headers headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                           {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                           {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
  SignS3Request(kExample, "PUT", "/test$file.text", "",
                "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072", kExampleTime,
                headers);
  CHECK(HeaderOf(headers, "Authorization") ==
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
        "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST_CASE("A GET with a query is signed as in the S3 reference's example", "[s3][unit]") {
  http::Headers headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
  SignS3Request(kExample, "GET", "/", "max-keys=2&prefix=J", kEmptyPayloadSha256, kExampleTime,
                headers);
  CHECK(HeaderOf(headers, "Authorization") ==
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
        "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST_CASE("Keys are encoded as S3 wants: unreserved and slashes kept, the rest %XX", "[s3][unit]") {
  CHECK(S3EncodePath("/bucket/blobs/ab/cd/abcd") == "/bucket/blobs/ab/cd/abcd");
  CHECK(S3EncodePath("/b/a b+c$~_.-") == "/b/a%20b%2Bc%24~_.-");
  CHECK(S3EncodePath("/b/ф") == "/b/%D1%84");
}

}  // namespace
}  // namespace parta::content
