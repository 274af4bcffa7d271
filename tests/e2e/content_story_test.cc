// Files through the gateway, as the apps use them: a teacher uploads a presentation with the
// public tus client over a connection that drops halfway and resumes, attaches it in the class
// chat; once it is scanned the pupils download it (whole, by range, by a signed link), while
// pupils and teachers of another school cannot; the EICAR test file reaches nobody.

#include <openssl/sha.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/testing/clamav_server.h"
#include "tests/browser/node_runner.h"
#include "tests/e2e/system_fixture.h"

#ifndef PARTA_TUS_TESTS_DIR
#error "the build defines PARTA_TUS_TESTS_DIR"
#endif

namespace parta {
namespace {

using gateway::testing::ClientResponse;
using gateway::testing::GatewayFixture;
using gateway::testing::HttpRequest;
using nlohmann::json;
using testing::SystemFixture;

struct School {
  std::string id, class_id, admin, teacher, pupil;
};

School MakeSchool(SystemFixture& s, GatewayFixture& g, const std::string& op, int n) {
  const std::string inns[] = {"7707083893", "7736050003"};
  const std::string domain = "files" + std::to_string(n) + ".ru";
  School school;
  school.id = s.Ok("POST", "/v1/schools",
                   {{"name", "Лицей № " + std::to_string(n)},
                    {"shortName", "Лицей " + std::to_string(n)},
                    {"regionCode", "77"},
                    {"timeZone", "Europe/Moscow"},
                    {"inn", inns[n - 1]},
                    {"ogrn", "1027700132195"}},
                   op)["id"];
  school.admin = s.Join(school.id, "admin@" + domain, {{"role", "ROLE_ADMIN"}}, op);
  school.class_id =
      s.Ok("POST", "/v1/schools/" + school.id + "/classes",
           {{"grade", 5}, {"letter", "А"}, {"academicYear", 2026}}, school.admin)["id"];
  school.teacher = s.Join(school.id, "teacher@" + domain, {{"role", "ROLE_TEACHER"}}, school.admin);
  s.Ok("PATCH",
       "/v1/schools/" + school.id + "/classes/" + school.class_id + "?updateMask=classTeacherId",
       {{"classTeacherId", g.UserIdOf(school.teacher)}}, school.admin);
  school.pupil = s.Join(school.id, "pupil@" + domain,
                        {{"role", "ROLE_STUDENT"}, {"classId", school.class_id}}, school.admin);
  return school;
}

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

// A PDF-looking file of `size` bytes whose content varies everywhere.
std::string Presentation(size_t size) {
  std::string bytes = "%PDF-1.5\n%\xE2\xE3\xCF\xD3\n";
  bytes.reserve(size);
  uint64_t x = 88172645463325252ull;
  while (bytes.size() < size) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    bytes.push_back(static_cast<char>(x));
  }
  return bytes;
}

ClientResponse Fetch(GatewayFixture& g, const std::string& target, const std::string& token,
                     std::map<std::string, std::string> headers = {}) {
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  return HttpRequest(g.port(), "GET", target, "", headers, absl::Seconds(30));
}

// A whole small file in the tus creation request itself (creation-with-upload).
ClientResponse TusUploadAtOnce(GatewayFixture& g, const std::string& token, const std::string& name,
                               const std::string& bytes) {
  return HttpRequest(g.port(), "POST", "/v1/uploads", bytes,
                     {{"Authorization", "Bearer " + token},
                      {"Tus-Resumable", "1.0.0"},
                      {"Upload-Length", std::to_string(bytes.size())},
                      {"Upload-Metadata", "filename " + absl::Base64Escape(name)},
                      {"Content-Type", "application/offset+octet-stream"}});
}

TEST_CASE("A presentation uploaded over a dropped connection reaches the class and nobody else",
          "[e2e][content]") {
  auto system = SystemFixture::Start();
  if (!system) return;
  GatewayFixture& g = system->gateway();
  SystemFixture& s = *system;
  const std::string op = s.SignUpOperator("operator@parta.ru");
  School a = MakeSchool(s, g, op, 1);
  School b = MakeSchool(s, g, op, 2);

  // The teacher's app uploads 24 MiB with tus-js-client; the connection is cut at three
  // quarters and a new client resumes from what the server has.
  const std::string name = "Презентация к уроку 5А.pdf";
  const std::string bytes = Presentation(24 << 20);
  const auto folder =
      std::filesystem::temp_directory_path() / ("parta-tus-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  const std::string file = (folder / "presentation.pdf").string();
  const std::string result_file = (folder / "result.json").string();
  std::ofstream(file, std::ios::binary) << bytes;
  const int exit_code =
      parta::testing::RunNodeScript(std::string(PARTA_TUS_TESTS_DIR) + "/upload_resumed.mjs",
                                    {absl::StrCat("http://127.0.0.1:", g.port()), a.teacher, file,
                                     name, "application/pdf", result_file});
  REQUIRE(exit_code == 0);
  const json result = json::parse(parta::testing::ReadTextFile(result_file));
  std::filesystem::remove_all(folder);
  INFO(result.dump());
  CHECK(result["resumedFrom"].get<int64_t>() > 0);
  CHECK(result["resumedFrom"].get<int64_t>() < static_cast<int64_t>(bytes.size()));
  const std::string version = result["versionId"];
  const std::string upload_path = result["url"].get<std::string>().substr(
      result["url"].get<std::string>().find("/v1/uploads/"));

  const json upload = s.Ok("GET", upload_path, nullptr, a.teacher);
  CHECK(upload["offset"] == std::to_string(bytes.size()));
  CHECK(upload["item"]["title"] == name);
  CHECK(upload["item"]["currentVersion"]["sha256"] == Sha256Hex(bytes));
  CHECK(upload["item"]["currentVersion"]["mediaType"] == "application/pdf");
  CHECK(s.Call("GET", upload_path, nullptr, a.pupil).status == 404);

  // Attached in the class chat.
  const json chat = s.WaitForChat(a.teacher, "CHAT_KIND_CLASS_STUDENTS", a.class_id);
  const std::string chat_id = chat["id"];
  s.Ok("POST", "/v1/chats/" + chat_id + "/messages",
       {{"requestId", "slides-1"},
        {"text", {{"body", "Презентация к завтрашнему уроку"}}},
        {"attachmentIds", {version}}},
       a.teacher);
  s.WaitForChat(a.pupil, "CHAT_KIND_CLASS_STUDENTS", a.class_id);

  // Once scanned, a pupil downloads it, named as it was uploaded.
  const std::string path = "/v1/files/" + version;
  ClientResponse whole;
  REQUIRE(SystemFixture::Eventually(
      [&] {
        whole = Fetch(g, path, a.pupil);
        return whole.status != 400 || whole.reason() != "VERSION_NOT_SCANNED";
      },
      absl::Seconds(30)));
  REQUIRE(whole.status == 200);
  CHECK(whole.body == bytes);
  CHECK(whole.header("content-type") == "application/pdf");
  CHECK(whole.header("etag") == "\"" + Sha256Hex(bytes) + "\"");
  CHECK(whole.header("x-content-type-options") == "nosniff");
  CHECK(absl::StrContains(whole.header("content-disposition"),
                          "filename*=UTF-8''%D0%9F%D1%80%D0%B5%D0%B7%D0%B5%D0%BD%D1%82%D0%B0"));
  CHECK(absl::StrContains(whole.header("content-security-policy"), "sandbox"));

  // By range, byte for byte; unchanged since the pupil's copy.
  ClientResponse part = Fetch(g, path, a.pupil, {{"Range", "bytes=1000000-1999999"}});
  REQUIRE(part.status == 206);
  CHECK(part.body == bytes.substr(1000000, 1000000));
  CHECK(part.header("content-range") == absl::StrCat("bytes 1000000-1999999/", bytes.size()));
  ClientResponse tail = Fetch(g, path, a.pupil, {{"Range", "bytes=-100"}});
  REQUIRE(tail.status == 206);
  CHECK(tail.body == bytes.substr(bytes.size() - 100));
  CHECK(Fetch(g, path, a.pupil, {{"If-None-Match", whole.header("etag")}}).status == 304);
  // Two ranges in one answer: the parts' bytes come from the blob's file between the literals.
  ClientResponse parts = Fetch(g, path, a.pupil, {{"Range", "bytes=0-9,2000000-2000009"}});
  REQUIRE(parts.status == 206);
  CHECK(absl::StartsWith(parts.header("content-type"), "multipart/byteranges"));
  CHECK(absl::StrContains(parts.body, absl::StrCat("Content-Range: bytes 0-9/", bytes.size(),
                                                   "\r\n\r\n", bytes.substr(0, 10))));
  CHECK(absl::StrContains(parts.body,
                          absl::StrCat("Content-Range: bytes 2000000-2000009/", bytes.size(),
                                       "\r\n\r\n", bytes.substr(2000000, 10))));

  // A signed link opens it without an Authorization header (an <img src>, a player).
  const json link = s.Ok("POST", path + "/links", json::object(), a.pupil);
  ClientResponse linked = Fetch(g, link["url"], "", {{"Range", "bytes=0-99"}});
  REQUIRE(linked.status == 206);
  CHECK(linked.body == bytes.substr(0, 100));

  // Outsiders: another school's pupil and teacher, and nobody at all.
  for (const std::string& outsider : {b.pupil, b.teacher}) {
    ClientResponse refused = Fetch(g, path, outsider);
    CHECK(refused.status == 404);
    CHECK(refused.reason() == "VERSION_NOT_FOUND");
    CHECK(s.Call("POST", path + "/links", json::object(), outsider).status == 404);
  }
  CHECK(Fetch(g, path, "").status == 401);
}

TEST_CASE("The EICAR file is quarantined and reaches nobody", "[e2e][content]") {
  auto system = SystemFixture::Start();
  if (!system) return;
  GatewayFixture& g = system->gateway();
  SystemFixture& s = *system;
  const std::string op = s.SignUpOperator("operator@parta.ru");
  School a = MakeSchool(s, g, op, 1);

  ClientResponse created =
      TusUploadAtOnce(g, a.teacher, "eicar.com.txt", parta::testing::EicarTestFile());
  REQUIRE(created.status == 201);
  const std::string version = created.header("parta-version-id");
  const std::string item = created.header("parta-item-id");
  REQUIRE_FALSE(version.empty());
  REQUIRE(SystemFixture::Eventually(
      [&] {
        return s.Ok("GET", "/v1/items/" + item, nullptr,
                    a.teacher)["currentVersion"]["scanState"] == "SCAN_STATE_INFECTED";
      },
      absl::Seconds(30)));

  ClientResponse own = Fetch(g, "/v1/files/" + version, a.teacher);
  CHECK(own.status == 400);
  CHECK(own.reason() == "VERSION_QUARANTINED");
  const json chat = s.WaitForChat(a.teacher, "CHAT_KIND_CLASS_STUDENTS", a.class_id);
  ClientResponse attached =
      s.Call("POST", "/v1/chats/" + chat["id"].get<std::string>() + "/messages",
             {{"requestId", "virus-1"}, {"text", {{"body", "!"}}}, {"attachmentIds", {version}}},
             a.teacher);
  CHECK(attached.status == 400);
  CHECK(attached.reason() == "VERSION_QUARANTINED");
  CHECK(Fetch(g, "/v1/files/" + version, a.pupil).status == 404);
}

}  // namespace
}  // namespace parta
