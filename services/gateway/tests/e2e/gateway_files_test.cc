// File transfers through a real gateway (tus uploads at /v1/uploads, downloads at
// /v1/files/{version_id}) against a test double of ContentService: the layer above content,
// over real HTTP. The real content service's end-to-end tests are its own.

#include <catch2/catch.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "services/gateway/files/sha256_stream.h"
#include "services/gateway/tests/e2e/content_double.h"
#include "services/gateway/tests/e2e/gateway_fixture.h"

namespace parta::gateway::testing {
namespace {

using Headers = std::map<std::string, std::string>;

constexpr int64_t kMaxFileBytes = 32 * 1024 * 1024;
constexpr char kOrigin[] = "https://school.example";

// Bytes with every value in them, different for each seed.
std::string Bytes(size_t size, int seed = 1) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<char>((i * 31 + static_cast<size_t>(seed) * 7 + i / 251) % 256);
  }
  return bytes;
}

std::string Base64Sha256(const std::string& bytes) {
  Sha256Stream hash;
  hash.Update(bytes);
  return absl::Base64Escape(hash.Finish());
}

std::string HexSha256(const std::string& bytes) {
  Sha256Stream hash;
  hash.Update(bytes);
  return absl::BytesToHexString(hash.Finish());
}

Headers Tus(const std::string& token, Headers more = {}) {
  more["tus-resumable"] = "1.0.0";
  if (!token.empty()) more["authorization"] = "Bearer " + token;
  return more;
}

// What follows `prefix` in `text`; "" when `text` does not start with it.
std::string After(const std::string& text, absl::string_view prefix) {
  return absl::StartsWith(text, prefix) ? text.substr(prefix.size()) : std::string();
}

int64_t Number(const std::string& text) {
  int64_t value = -1;
  if (!absl::SimpleAtoi(text, &value)) return -1;
  return value;
}

struct Transfers {
  explicit Transfers(std::unique_ptr<GatewayFixture> gateway) : f(std::move(gateway)) {}
  std::unique_ptr<GatewayFixture> f;

  int port() const { return f->port(); }

  ClientResponse Create(const std::string& token, int64_t size,
                        const std::string& file_name = "Контрольная работа 5А.txt",
                        Headers more = {}) {
    more["upload-length"] = std::to_string(size);
    more["upload-metadata"] = absl::StrCat("filename ", absl::Base64Escape(file_name), ",filetype ",
                                           absl::Base64Escape("text/plain"));
    return HttpRequest(port(), "POST", "/v1/uploads", "", Tus(token, std::move(more)));
  }

  // The new upload's id (from Location).
  std::string NewUpload(const std::string& token, int64_t size) {
    ClientResponse created = Create(token, size);
    INFO(created.body);
    REQUIRE(created.status == 201);
    const std::string id = After(created.header("location"), "/v1/uploads/");
    REQUIRE_FALSE(id.empty());
    return id;
  }

  ClientResponse Patch(const std::string& token, const std::string& id, int64_t offset,
                       const std::string& body, Headers more = {}) {
    more["upload-offset"] = std::to_string(offset);
    if (!more.count("content-type")) more["content-type"] = "application/offset+octet-stream";
    return HttpRequest(port(), "PATCH", "/v1/uploads/" + id, body, Tus(token, std::move(more)),
                       absl::Seconds(60));
  }

  ClientResponse Head(const std::string& token, const std::string& id) {
    return HttpRequest(port(), "HEAD", "/v1/uploads/" + id, "", Tus(token));
  }

  ClientResponse Download(const std::string& token, const std::string& target, Headers more = {},
                          const std::string& method = "GET") {
    if (!token.empty()) more["authorization"] = "Bearer " + token;
    return HttpRequest(port(), method, target, "", more, absl::Seconds(60));
  }
};

#define PARTA_TRANSFERS(var, content)                               \
  PARTA_GATEWAY_FIXTURE(var##_gateway, [&](GatewayConfig& config) { \
    config.backends["content"] = (content).address();               \
    config.max_file_bytes = kMaxFileBytes;                          \
    config.rest.cors_origins = {kOrigin};                           \
  });                                                               \
  Transfers var(std::move(var##_gateway))

TEST_CASE("a tus upload is created, filled in several PATCHes and downloaded byte for byte",
          "[e2e][files]") {
  ContentDouble content;
  PARTA_TRANSFERS(t, content);
  const std::string token = t.f->SignUp("files-teacher@example.ru");

  ClientResponse options =
      HttpRequest(t.port(), "OPTIONS", "/v1/uploads", "", {{"origin", kOrigin}});
  CHECK(options.status == 204);
  CHECK(options.header("tus-version") == "1.0.0");
  CHECK(options.header("tus-extension") ==
        "creation,creation-with-upload,termination,checksum,expiration");
  CHECK(options.header("tus-max-size") == std::to_string(kMaxFileBytes));
  CHECK(options.header("tus-checksum-algorithm") == "sha256");
  CHECK(absl::StrContains(options.header("access-control-allow-headers"), "upload-offset"));

  const std::string file = Bytes(2'500'000);
  ClientResponse created = t.Create(token, static_cast<int64_t>(file.size()),
                                    "Контрольная работа 5А.txt", {{"origin", kOrigin}});
  INFO(created.body);
  REQUIRE(created.status == 201);
  CHECK(created.header("tus-resumable") == "1.0.0");
  CHECK(created.header("upload-offset") == "0");
  CHECK(absl::EndsWith(created.header("upload-expires"), " GMT"));
  CHECK(absl::StrContains(created.header("access-control-expose-headers"), "Upload-Offset"));
  CHECK(absl::StrContains(created.header("access-control-expose-headers"), "Location"));
  CHECK(content.seen().last_create.file_name() == "Контрольная работа 5А.txt");
  CHECK(content.seen().last_create.declared_media_type() == "text/plain");
  CHECK_FALSE(content.seen().last_create.request_id().empty());  // made by the gateway
  CHECK(content.seen().last_request_id == created.header("x-request-id"));
  const std::string id = After(created.header("location"), "/v1/uploads/");
  REQUIRE_FALSE(id.empty());

  int64_t offset = 0;
  for (size_t piece : {700'000, 1'300'000}) {
    ClientResponse patched =
        t.Patch(token, id, offset, file.substr(static_cast<size_t>(offset), piece));
    INFO(patched.body);
    REQUIRE(patched.status == 204);
    offset += static_cast<int64_t>(piece);
    CHECK(Number(patched.header("upload-offset")) == offset);
    CHECK(patched.header("parta-version-id").empty());
    CHECK_FALSE(patched.header("upload-expires").empty());
  }
  ClientResponse head = t.Head(token, id);
  CHECK(head.status == 200);
  CHECK(Number(head.header("upload-offset")) == offset);
  CHECK(Number(head.header("upload-length")) == static_cast<int64_t>(file.size()));
  CHECK(head.header("cache-control") == "no-store");
  CHECK(head.body.empty());

  ClientResponse last = t.Patch(token, id, offset, file.substr(static_cast<size_t>(offset)));
  INFO(last.body);
  REQUIRE(last.status == 204);
  CHECK(Number(last.header("upload-offset")) == static_cast<int64_t>(file.size()));
  const std::string version_id = last.header("parta-version-id");
  CHECK_FALSE(last.header("parta-item-id").empty());
  REQUIRE_FALSE(version_id.empty());
  CHECK(content.seen().largest_append <= 1024 * 1024);

  // The REST route of the same upload (ContentService.GetUpload as JSON).
  ClientResponse json = t.f->Get("/v1/uploads/" + id, token);
  INFO(json.body);
  CHECK(json.status == 200);
  CHECK(json.json()["offset"] == std::to_string(file.size()));

  ClientResponse download = t.Download(token, "/v1/files/" + version_id);
  REQUIRE(download.status == 200);
  CHECK(download.body == file);
  CHECK(download.header("content-type") == "text/plain");
  CHECK(download.header("accept-ranges") == "bytes");
  CHECK(download.header("etag").size() == 66);  // "<64 hex digits>"
  CHECK(download.header("content-disposition") ==
        "attachment; filename=\"____________________________________5__.txt\"; filename*=UTF-8''"
        "%D0%9A%D0%BE%D0%BD%D1%82%D1%80%D0%BE%D0%BB%D1%8C%D0%BD%D0%B0%D1%8F%20%D1%80%D0%B0"
        "%D0%B1%D0%BE%D1%82%D0%B0%205%D0%90.txt");
  CHECK(download.header("content-security-policy") == "default-src 'none'; sandbox");
  CHECK(download.header("x-content-type-options") == "nosniff");
  CHECK(download.header("cache-control") == "private, no-cache");
}

TEST_CASE("tus requests are refused with the protocol's statuses", "[e2e][files]") {
  ContentDouble content;
  PARTA_TRANSFERS(t, content);
  const std::string token = t.f->SignUp("files-refusals@example.ru");

  ClientResponse anonymous = t.Create("", 10);
  CHECK(anonymous.status == 401);
  CHECK(anonymous.reason() == "TOKEN_REQUIRED");
  CHECK(anonymous.header("www-authenticate") == "Bearer");

  ClientResponse old_version = HttpRequest(
      t.port(), "POST", "/v1/uploads", "",
      {{"authorization", "Bearer " + token}, {"tus-resumable", "0.2.2"}, {"upload-length", "10"}});
  CHECK(old_version.status == 412);
  CHECK(old_version.header("tus-version") == "1.0.0");

  ClientResponse too_large = t.Create(token, kMaxFileBytes + 1);
  CHECK(too_large.status == 413);
  CHECK(too_large.reason() == "FILE_TOO_LARGE");

  ClientResponse bad_metadata =
      HttpRequest(t.port(), "POST", "/v1/uploads", "",
                  Tus(token, {{"upload-length", "10"}, {"upload-metadata", "filename ***"}}));
  CHECK(bad_metadata.status == 400);
  CHECK(bad_metadata.reason() == "INVALID_UPLOAD_METADATA");

  const std::string id = t.NewUpload(token, 10);
  ClientResponse wrong_type =
      t.Patch(token, id, 0, "0123456789", {{"content-type", "application/octet-stream"}});
  CHECK(wrong_type.status == 415);

  ClientResponse wrong_offset = t.Patch(token, id, 3, "3456789");
  CHECK(wrong_offset.status == 409);
  CHECK(wrong_offset.reason() == "OFFSET_MISMATCH");
  CHECK(wrong_offset.header("upload-offset") == "0");

  ClientResponse beyond = t.Patch(token, id, 0, "0123456789AB");
  CHECK(beyond.status == 413);

  ClientResponse md5 =
      t.Patch(token, id, 0, "0123456789", {{"upload-checksum", "md5 XrY7u+Ae7tCTyyK7j1rNww=="}});
  CHECK(md5.status == 400);
  CHECK(md5.reason() == "UNSUPPORTED_CHECKSUM_ALGORITHM");

  ClientResponse unknown = t.Head(token, "00000000-0000-7000-a000-999999999999");
  CHECK(unknown.status == 404);
  CHECK(content.seen().appends == 0);  // every refusal came before a byte was written

  ClientResponse deleted = HttpRequest(t.port(), "DELETE", "/v1/uploads/" + id, "", Tus(token));
  CHECK(deleted.status == 204);
  CHECK(deleted.header("tus-resumable") == "1.0.0");
  CHECK(t.Head(token, id).status == 404);
}

TEST_CASE("a checksummed PATCH counts only when its SHA-256 matches", "[e2e][files]") {
  ContentDouble content;
  PARTA_TRANSFERS(t, content);
  const std::string token = t.f->SignUp("files-checksum@example.ru");
  const std::string file = Bytes(1'600'000, 3);
  const std::string id = t.NewUpload(token, static_cast<int64_t>(file.size()));
  const std::string first = file.substr(0, 1'200'000);

  ClientResponse corrupted =
      t.Patch(token, id, 0, first, {{"upload-checksum", "sha256 " + Base64Sha256("other")}});
  CHECK(corrupted.status == 460);
  CHECK(corrupted.reason() == "CHECKSUM_MISMATCH");
  CHECK(t.Head(token, id).header("upload-offset") == "0");
  CHECK(content.seen().held_appends >= 2);  // held, in pieces, and never counted

  ClientResponse intact =
      t.Patch(token, id, 0, first, {{"upload-checksum", "sha256 " + Base64Sha256(first)}});
  INFO(intact.body);
  CHECK(intact.status == 204);
  CHECK(intact.header("upload-offset") == "1200000");

  const std::string rest = file.substr(1'200'000);
  ClientResponse completed =
      t.Patch(token, id, 1'200'000, rest, {{"upload-checksum", "sha256 " + Base64Sha256(rest)}});
  CHECK(completed.status == 204);
  CHECK_FALSE(completed.header("parta-version-id").empty());
  CHECK(content.UploadedBytes(id) == file);
}

TEST_CASE("a PATCH cut off midway keeps what arrived and the upload resumes from there",
          "[e2e][files]") {
  ContentDouble content;
  PARTA_TRANSFERS(t, content);
  const std::string token = t.f->SignUp("files-resume@example.ru");
  const std::string file = Bytes(3 * 1024 * 1024, 5);
  const std::string id = t.NewUpload(token, static_cast<int64_t>(file.size()));
  const size_t sent = 1536 * 1024;

  WriteThenClose(t.port(),
                 absl::StrCat("PATCH /v1/uploads/", id,
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ", token,
                              "\r\nTus-Resumable: 1.0.0\r\nContent-Type: "
                              "application/offset+octet-stream\r\nUpload-Offset: 0\r\n"
                              "Content-Length: ",
                              file.size(), "\r\n\r\n", file.substr(0, sent)));
  // The gateway writes what arrived once it sees the connection end.
  int64_t offset = 0;
  for (const absl::Time deadline = absl::Now() + absl::Seconds(10); absl::Now() < deadline;) {
    offset = Number(t.Head(token, id).header("upload-offset"));
    if (offset == static_cast<int64_t>(sent)) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  REQUIRE(offset == static_cast<int64_t>(sent));

  ClientResponse resumed = t.Patch(token, id, offset, file.substr(sent));
  INFO(resumed.body);
  REQUIRE(resumed.status == 204);
  const std::string version_id = resumed.header("parta-version-id");
  REQUIRE_FALSE(version_id.empty());
  CHECK(t.Download(token, "/v1/files/" + version_id).body == file);
}

TEST_CASE("creation with upload, Expect 100-continue and keep-alive after a streamed PATCH",
          "[e2e][files]") {
  ContentDouble content;
  PARTA_TRANSFERS(t, content);
  const std::string token = t.f->SignUp("files-stream@example.ru");

  ClientResponse created =
      HttpRequest(t.port(), "POST", "/v1/uploads", "hello",
                  Tus(token, {{"upload-length", "11"},
                              {"upload-metadata", "filename " + absl::Base64Escape("greeting.txt")},
                              {"content-type", "application/offset+octet-stream"}}));
  INFO(created.body);
  REQUIRE(created.status == 201);
  CHECK(created.header("upload-offset") == "5");
  const std::string id = After(created.header("location"), "/v1/uploads/");
  REQUIRE_FALSE(id.empty());

  const std::string headers = absl::StrCat(
      "PATCH /v1/uploads/", id, " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ", token,
      "\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
      "Upload-Offset: 5\r\nContent-Length: 6\r\nExpect: 100-continue\r\n\r\n");
  const std::string next = absl::StrCat(
      "HEAD /v1/uploads/", id, " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ", token,
      "\r\nTus-Resumable: 1.0.0\r\nConnection: close\r\n\r\n");
  RawResult raw =
      RawExchange(t.port(), {headers, " world" + next}, absl::Milliseconds(300), absl::Seconds(10));
  INFO(raw.received);
  CHECK(absl::StartsWith(raw.received, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204"));
  const size_t second = raw.received.find("HTTP/1.1 200");
  REQUIRE(second != std::string::npos);  // the same connection answered the next request
  CHECK(absl::StrContains(raw.received.substr(second), "Upload-Offset: 11"));
  CHECK(raw.closed);
  CHECK(content.UploadedBytes(id) == "hello world");
}

TEST_CASE("downloads honour ranges, conditionals, HEAD and signed links", "[e2e][files]") {
  ContentDouble content;
  PARTA_TRANSFERS(t, content);
  const std::string token = t.f->SignUp("files-reader@example.ru");
  const std::string file = Bytes(10'000, 9);
  const std::string version = content.AddVersion("photo.png", "image/png", file, true);
  const std::string target = "/v1/files/" + version;

  ClientResponse whole = t.Download(token, target);
  REQUIRE(whole.status == 200);
  CHECK(whole.body == file);
  CHECK(whole.header("content-type") == "image/png");
  CHECK(absl::StartsWith(whole.header("content-disposition"), "inline; filename=\"photo.png\""));
  const std::string etag = whole.header("etag");

  ClientResponse single = t.Download(token, target, {{"range", "bytes=100-199"}});
  CHECK(single.status == 206);
  CHECK(single.header("content-range") == "bytes 100-199/10000");
  CHECK(single.body == file.substr(100, 100));

  ClientResponse suffix = t.Download(token, target, {{"range", "bytes=-10"}});
  CHECK(suffix.status == 206);
  CHECK(suffix.body == file.substr(9990));

  ClientResponse multi = t.Download(token, target, {{"range", "bytes=0-9, 5000-5009"}});
  REQUIRE(multi.status == 206);
  const std::string boundary =
      After(multi.header("content-type"), "multipart/byteranges; boundary=");
  REQUIRE_FALSE(boundary.empty());
  const std::string expected = absl::StrCat(
      "--", boundary, "\r\nContent-Type: image/png\r\nContent-Range: bytes 0-9/10000\r\n\r\n",
      file.substr(0, 10), "\r\n--", boundary,
      "\r\nContent-Type: image/png\r\nContent-Range: bytes 5000-5009/10000\r\n\r\n",
      file.substr(5000, 10), "\r\n--", boundary, "--\r\n");
  CHECK(multi.body == expected);
  CHECK(multi.header("content-length") == std::to_string(expected.size()));

  ClientResponse unsatisfiable = t.Download(token, target, {{"range", "bytes=20000-"}});
  CHECK(unsatisfiable.status == 416);
  CHECK(unsatisfiable.header("content-range") == "bytes */10000");

  ClientResponse garbage = t.Download(token, target, {{"range", "bytes=oops"}});
  CHECK(garbage.status == 200);
  CHECK(garbage.body == file);

  ClientResponse current = t.Download(token, target, {{"if-none-match", etag}});
  CHECK(current.status == 304);
  CHECK(current.body.empty());
  CHECK(current.header("etag") == etag);

  ClientResponse stale_range =
      t.Download(token, target, {{"range", "bytes=0-9"}, {"if-range", "\"stale\""}});
  CHECK(stale_range.status == 200);
  CHECK(stale_range.body == file);
  ClientResponse fresh_range =
      t.Download(token, target, {{"range", "bytes=0-9"}, {"if-range", etag}});
  CHECK(fresh_range.status == 206);

  ClientResponse head = t.Download(token, target, {}, "HEAD");
  CHECK(head.status == 200);
  CHECK(head.header("content-length") == "10000");
  CHECK(head.body.empty());

  ClientResponse linked = t.Download("", target + "?link=" + ContentDouble::LinkFor(version));
  CHECK(linked.status == 200);
  CHECK(linked.body == file);
  CHECK(content.seen().last_link == ContentDouble::LinkFor(version));
  CHECK_FALSE(content.seen().last_open_authorized);

  ClientResponse bad_link = t.Download("", target + "?link=forged");
  CHECK(bad_link.status == 403);
  CHECK(bad_link.reason() == "INVALID_LINK");

  ClientResponse anonymous = t.Download("", target);
  CHECK(anonymous.status == 401);
  CHECK(anonymous.reason() == "TOKEN_REQUIRED");

  ClientResponse missing = t.Download(token, "/v1/files/00000000-0000-7000-8000-999999999999");
  CHECK(missing.status == 404);
  CHECK(missing.reason() == "VERSION_NOT_FOUND");

  // A type that is not a plain type/subtype, and not safe inline, is an attachment of bytes.
  const std::string page = content.AddVersion("page.html", "text/html; charset=utf-8", "<p>");
  ClientResponse html = t.Download(token, "/v1/files/" + page);
  CHECK(html.header("content-type") == "application/octet-stream");
  CHECK(absl::StartsWith(html.header("content-disposition"), "attachment;"));
}

TEST_CASE("a rendition is served by ?rendition= with its own hash, type and name", "[e2e][files]") {
  ContentDouble content;
  PARTA_TRANSFERS(t, content);
  const std::string token = t.f->SignUp("files-renditions@example.ru");
  const std::string file = Bytes(5'000, 3);
  const std::string version = content.AddVersion("отчёт.pdf", "application/pdf", file, true);
  const std::string thumbnail = Bytes(700, 5);
  content.AddRendition(version, content::v1::RENDITION_KIND_THUMBNAIL, thumbnail);
  const std::string target = "/v1/files/" + version;

  ClientResponse small = t.Download(token, target + "?rendition=thumbnail");
  REQUIRE(small.status == 200);
  CHECK(small.body == thumbnail);
  CHECK(content.seen().last_rendition == content::v1::RENDITION_KIND_THUMBNAIL);
  CHECK(small.header("content-type") == "image/jpeg");
  CHECK(small.header("etag") == absl::StrCat("\"", HexSha256(thumbnail), "\""));
  CHECK(absl::StartsWith(small.header("content-disposition"), "inline;"));
  CHECK(absl::StrContains(small.header("content-disposition"), "thumbnail.jpg"));
  ClientResponse current =
      t.Download(token, target + "?rendition=thumbnail", {{"if-none-match", small.header("etag")}});
  CHECK(current.status == 304);
  ClientResponse part =
      t.Download(token, target + "?rendition=thumbnail", {{"range", "bytes=0-99"}});
  CHECK(part.status == 206);
  CHECK(part.body == thumbnail.substr(0, 100));
  ClientResponse head = t.Download(token, target + "?rendition=thumbnail", {}, "HEAD");
  CHECK(head.header("content-length") == "700");

  // With a signed link too; the file itself is unchanged.
  ClientResponse linked =
      t.Download("", target + "?link=" + ContentDouble::LinkFor(version) + "&rendition=thumbnail");
  CHECK(linked.status == 200);
  CHECK(linked.body == thumbnail);
  ClientResponse original = t.Download(token, target + "?rendition=original");
  CHECK(original.body == file);
  CHECK(content.seen().last_rendition == content::v1::RENDITION_KIND_UNSPECIFIED);

  ClientResponse not_ready = t.Download(token, target + "?rendition=preview");
  CHECK(not_ready.status == 404);
  CHECK(not_ready.reason() == "RENDITION_NOT_READY");
  const int opens = content.seen().opens;
  ClientResponse unknown = t.Download(token, target + "?rendition=huge");
  CHECK(unknown.status == 400);
  CHECK(unknown.reason() == "INVALID_RENDITION");
  CHECK(content.seen().opens == opens);  // refused before the service is asked
}

TEST_CASE("each transfer request counts once against the user's write or read budget",
          "[e2e][files][limits]") {
  ContentDouble content;
  PARTA_GATEWAY_FIXTURE(limited, [&](GatewayConfig& config) {
    config.backends["content"] = content.address();
    config.rate_limits_enabled = true;
    config.rate_limits.writes = {.per_second = 0.001, .burst = 2};
    config.rate_limits.reads = {.per_second = 0.001, .burst = 2};
  });
  Transfers t(std::move(limited));
  const std::string token = t.f->SignUp("files-limits@example.ru");
  CHECK(t.Create(token, 10).status == 201);
  CHECK(t.Create(token, 10).status == 201);
  ClientResponse refused = t.Create(token, 10);
  CHECK(refused.status == 429);
  CHECK(refused.reason() == "RATE_LIMITED");
  CHECK_FALSE(refused.header("retry-after").empty());
  CHECK(refused.header("tus-resumable") == "1.0.0");

  const std::string version = content.AddVersion("a.txt", "text/plain", "abc");
  CHECK(t.Download(token, "/v1/files/" + version).status == 200);
  CHECK(t.Download(token, "/v1/files/" + version, {}, "HEAD").status == 200);
  CHECK(t.Download(token, "/v1/files/" + version).status == 429);
}

TEST_CASE("a 20 MiB file goes up and comes down in pieces of at most 1 MiB", "[e2e][files]") {
  ContentDouble content;
  PARTA_TRANSFERS(t, content);
  const std::string token = t.f->SignUp("files-large@example.ru");
  const std::string file = Bytes(20 * 1024 * 1024, 11);
  const std::string id = t.NewUpload(token, static_cast<int64_t>(file.size()));

  ClientResponse patched = t.Patch(token, id, 0, file);
  INFO(patched.body);
  REQUIRE(patched.status == 204);
  const std::string version_id = patched.header("parta-version-id");
  REQUIRE_FALSE(version_id.empty());
  CHECK(content.seen().appends >= 20);
  CHECK(content.seen().largest_append <= 1024 * 1024);

  ClientResponse download = t.Download(token, "/v1/files/" + version_id);
  REQUIRE(download.status == 200);
  CHECK(download.body.size() == file.size());
  CHECK(download.body == file);
  CHECK(content.seen().reads >= 20);
  CHECK(content.seen().largest_read <= 1024 * 1024);
  CHECK_FALSE(content.seen().read_authorized);  // the read token is the credential
}

TEST_CASE("a download whose read token expires midway is opened again and completes",
          "[e2e][files]") {
  ContentDouble content;
  PARTA_TRANSFERS(t, content);
  const std::string token = t.f->SignUp("files-long-download@example.ru");
  const std::string file = Bytes(5 * 1024 * 1024 + 17, 13);
  const std::string version = content.AddVersion("lecture.mp4", "video/mp4", file, true);
  content.ExpireReadTokensAfter(2);

  ClientResponse download = t.Download(token, "/v1/files/" + version);
  REQUIRE(download.status == 200);
  CHECK(download.body == file);
  CHECK(content.seen().opens >= 3);
}

}  // namespace
}  // namespace parta::gateway::testing
