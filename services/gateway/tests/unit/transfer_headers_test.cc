// tus headers, conditional requests, media types and Content-Disposition of file answers.

#include <catch2/catch.hpp>

#include "absl/strings/escaping.h"
#include "libs/core/status.h"
#include "services/gateway/files/conditional_requests.h"
#include "services/gateway/files/file_downloads.h"
#include "services/gateway/files/sha256_stream.h"
#include "services/gateway/files/tus_headers.h"
#include "services/gateway/transcoding/content_disposition.h"

namespace parta::gateway {
namespace {

TEST_CASE("Upload-Metadata decodes base64 values, Cyrillic included", "[files][tus]") {
  const std::string name = absl::Base64Escape("Контрольная 5А.pdf");
  absl::StatusOr<std::map<std::string, std::string>> metadata = ParseUploadMetadata(
      "filename " + name + ",filetype YXBwbGljYXRpb24vcGRm, is_confidential ,itemId");
  REQUIRE(metadata.ok());
  CHECK(metadata->at("filename") == "Контрольная 5А.pdf");
  CHECK(metadata->at("filetype") == "application/pdf");
  CHECK(metadata->at("is_confidential").empty());
  CHECK(metadata->at("itemId").empty());
  CHECK(ParseUploadMetadata("")->empty());
}

TEST_CASE("malformed Upload-Metadata is refused with its reason", "[files][tus]") {
  for (const char* bad :
       {"filename bm90 YmFzZTY0", "filename ***", "a YQ==,a Yg==", "filename d2l0aC1kYXNo-"}) {
    INFO(bad);
    absl::StatusOr<std::map<std::string, std::string>> metadata = ParseUploadMetadata(bad);
    REQUIRE_FALSE(metadata.ok());
    CHECK(ReasonOf(metadata.status()) == "INVALID_UPLOAD_METADATA");
  }
}

TEST_CASE("Upload-Checksum takes sha256 with a 32-byte base64 digest", "[files][tus]") {
  Sha256Stream hash;
  hash.Update("hello ");
  hash.Update("world");
  const std::string digest = hash.Finish();
  CHECK(absl::BytesToHexString(digest) ==
        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
  absl::StatusOr<std::string> parsed = ParseSha256Checksum("sha256 " + absl::Base64Escape(digest));
  REQUIRE(parsed.ok());
  CHECK(*parsed == digest);
  CHECK(ReasonOf(ParseSha256Checksum("md5 XrY7u+Ae7tCTyyK7j1rNww==").status()) ==
        "UNSUPPORTED_CHECKSUM_ALGORITHM");
  CHECK(ReasonOf(ParseSha256Checksum("sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=").status()) ==
        "UNSUPPORTED_CHECKSUM_ALGORITHM");
  CHECK(ReasonOf(ParseSha256Checksum("sha256 c2hvcnQ=").status()) == "INVALID_CHECKSUM");
  CHECK(ReasonOf(ParseSha256Checksum("sha256").status()) == "INVALID_CHECKSUM");
}

TEST_CASE("Upload-Offset and Upload-Length are non-negative integers", "[files][tus]") {
  CHECK(ParseUploadNumber("0") == 0);
  CHECK(ParseUploadNumber(" 2147483648 ") == 2147483648);
  CHECK(ParseUploadNumber("9223372036854775807") == INT64_MAX);
  CHECK_FALSE(ParseUploadNumber("9223372036854775808"));
  CHECK_FALSE(ParseUploadNumber("-1"));
  CHECK_FALSE(ParseUploadNumber("1e3"));
  CHECK_FALSE(ParseUploadNumber(""));
}

TEST_CASE("a PATCH body's type and Upload-Expires' date follow tus and RFC 9110", "[files][tus]") {
  CHECK(IsOffsetOctetStream("application/offset+octet-stream"));
  CHECK(IsOffsetOctetStream("Application/Offset+Octet-Stream; charset=x"));
  CHECK_FALSE(IsOffsetOctetStream("application/octet-stream"));
  CHECK(HttpDate(absl::FromUnixSeconds(784111777)) == "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST_CASE("If-None-Match compares weakly, If-Range strongly", "[files][conditional]") {
  const std::string etag = "\"abc\"";
  CHECK(NoneMatchHolds("\"abc\"", etag));
  CHECK(NoneMatchHolds("\"x\", W/\"abc\"", etag));
  CHECK(NoneMatchHolds("*", etag));
  CHECK_FALSE(NoneMatchHolds("\"abd\"", etag));
  CHECK_FALSE(NoneMatchHolds("", etag));
  CHECK(IfRangeHolds("", etag));
  CHECK(IfRangeHolds("\"abc\"", etag));
  CHECK_FALSE(IfRangeHolds("W/\"abc\"", etag));
  CHECK_FALSE(IfRangeHolds("Sun, 06 Nov 1994 08:49:37 GMT", etag));
}

TEST_CASE("only a plain type/subtype is passed on as a file's Content-Type", "[files]") {
  CHECK(IsPlainMediaType("image/png"));
  CHECK(
      IsPlainMediaType("application/vnd.openxmlformats-officedocument.wordprocessingml.document"));
  CHECK_FALSE(IsPlainMediaType("text/html; charset=utf-8"));
  CHECK_FALSE(IsPlainMediaType("text/plain\r\nSet-Cookie: a=b"));
  CHECK_FALSE(IsPlainMediaType("image/"));
  CHECK_FALSE(IsPlainMediaType("/png"));
  CHECK_FALSE(IsPlainMediaType("image/png/x"));
  CHECK_FALSE(IsPlainMediaType(""));
}

TEST_CASE("Content-Disposition keeps a Cyrillic name in filename* with an ASCII stand-in",
          "[files][disposition]") {
  CHECK(ContentDisposition("Журнал 5А.csv") ==
        "attachment; filename=\"_____________5__.csv\"; "
        "filename*=UTF-8''%D0%96%D1%83%D1%80%D0%BD%D0%B0%D0%BB%205%D0%90.csv");
  CHECK(ContentDisposition("photo.jpg", Disposition::kInline) ==
        "inline; filename=\"photo.jpg\"; filename*=UTF-8''photo.jpg");
  // Quotes, backslashes and line breaks never reach the header as they are.
  CHECK(ContentDisposition("a\"b\\c\r\n.txt") ==
        "attachment; filename=\"a_b_c__.txt\"; filename*=UTF-8''a%22b%5Cc%0D%0A.txt");
}

}  // namespace
}  // namespace parta::gateway
