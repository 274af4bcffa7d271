#include "services/content/storage/s3_blob_store.h"

#include <netinet/in.h>
#include <openssl/sha.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/core/random.h"
#include "libs/testing/s3_server.h"
#include "libs/testing/status_matchers.h"

namespace parta::content {
namespace {

using testing::PrivateS3;

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

// A store on a private s3rver, staging in a fresh folder.
struct S3Fixture {
  PrivateS3 s3;
  std::string staging = (std::filesystem::temp_directory_path() /
                         absl::StrCat("parta-s3-staging-", absl::BytesToHexString(RandomBytes(6))))
                            .string();
  ~S3Fixture() { std::filesystem::remove_all(staging); }

  S3Settings Settings() const {
    return {.endpoint = s3.endpoint(),
            .bucket = s3.bucket(),
            .prefix = "parta/",
            .credentials = {.access_key_id = PrivateS3::kAccessKeyId,
                            .secret_access_key = PrivateS3::kSecretAccessKey}};
  }
  std::unique_ptr<S3BlobStore> Open() {
    auto store = S3BlobStore::Open(Settings(), staging);
    REQUIRE_OK(store);
    return std::move(*store);
  }
  // Stages `bytes` as upload `id` and makes them the blob of their hash.
  std::string Store(BlobStore& store, const std::string& id, const std::string& bytes) {
    REQUIRE_OK(store.WriteStaged(id, 0, bytes));
    auto summary = store.SummarizeStaged(id, static_cast<int64_t>(bytes.size()));
    REQUIRE_OK(summary);
    REQUIRE(summary->sha256 == Sha256Hex(bytes));
    REQUIRE_OK(store.Promote(id, summary->sha256));
    REQUIRE_OK(store.RemoveStaged(id));
    return summary->sha256;
  }
};

TEST_CASE("A promoted blob is kept in the bucket, read by ranges and removed",
          "[s3][integration]") {
  S3Fixture f;
  auto store = f.Open();
  const std::string bytes = "Контрольная работа по алгебре, 7Б: вариант 1";
  const std::string sha = f.Store(*store, "upload-1", bytes);

  auto whole = store->Read(sha, 0, static_cast<int64_t>(bytes.size()));
  REQUIRE_OK(whole);
  CHECK(*whole == bytes);
  auto middle = store->Read(sha, 5, 10);
  REQUIRE_OK(middle);
  CHECK(*middle == bytes.substr(5, 10));
  auto past_end = store->Read(sha, static_cast<int64_t>(bytes.size()) - 3, 100);
  REQUIRE_OK(past_end);
  CHECK(*past_end == bytes.substr(bytes.size() - 3));
  auto beyond = store->Read(sha, static_cast<int64_t>(bytes.size()) + 10, 10);
  REQUIRE_OK(beyond);
  CHECK(beyond->empty());
  // The staging file is gone; the blob is not.
  CHECK(!std::filesystem::exists(f.staging + "/staging/upload-1"));

  REQUIRE_OK(store->Remove(sha));
  CHECK_STATUS(store->Read(sha, 0, 10), kNotFound, "BLOB_MISSING");
  REQUIRE_OK(store->Remove(sha));  // removing what is gone is nothing
}

TEST_CASE("The same bytes promoted twice stay one blob, and a large file goes up from the disk",
          "[s3][integration]") {
  S3Fixture f;
  auto store = f.Open();
  std::string large = RandomBytes(24 << 20);  // beyond any single buffer of the client
  const std::string sha = f.Store(*store, "large-1", large);
  CHECK(f.Store(*store, "large-2", large) == sha);
  auto piece = store->Read(sha, (16 << 20) + 7, 1 << 20);
  REQUIRE_OK(piece);
  CHECK(*piece == large.substr((16 << 20) + 7, 1 << 20));
  auto tail = store->Read(sha, static_cast<int64_t>(large.size()) - 5, 1 << 20);
  REQUIRE_OK(tail);
  CHECK(*tail == large.substr(large.size() - 5));
}

TEST_CASE("A bucket that does not exist or keys the store does not know are refused at start",
          "[s3][integration]") {
  S3Fixture f;
  S3Settings no_bucket = f.Settings();
  no_bucket.bucket = "no-such-bucket";
  CHECK_STATUS(S3BlobStore::Open(no_bucket, f.staging), kUnavailable, "BLOB_STORE_FAILED");
  S3Settings stranger = f.Settings();
  stranger.credentials.access_key_id = "SOMEONE-ELSE";
  CHECK_STATUS(S3BlobStore::Open(stranger, f.staging), kUnavailable, "BLOB_STORE_FAILED");
  S3Settings not_http = f.Settings();
  not_http.endpoint = "ftp://127.0.0.1:1";
  CHECK_STATUS(S3BlobStore::Open(not_http, f.staging), kInvalidArgument, "BLOB_STORE_BAD_URL");
}

TEST_CASE(
    "An unreachable store fails promotions and reads as UNAVAILABLE, keeping the staged "
    "bytes for a retry",
    "[s3][integration]") {
  S3Fixture f;
  auto store = f.Open();
  const std::string bytes = "домашнее задание";
  const std::string sha = f.Store(*store, "kept", bytes);
  REQUIRE_OK(store->WriteStaged("later", 0, "ещё один файл"));
  f.s3.Kill();
  CHECK_STATUS(store->Read(sha, 0, 4), kUnavailable, "BLOB_STORE_UNAVAILABLE");
  CHECK_STATUS(store->Promote("later", Sha256Hex("ещё один файл")), kUnavailable,
               "BLOB_STORE_UNAVAILABLE");
  auto staged = store->ReadStaged("later", 0, 100);
  REQUIRE_OK(staged);
  CHECK(*staged == "ещё один файл");
}

TEST_CASE("Names that are not a blob's never reach the bucket as keys", "[s3][integration]") {
  S3Fixture f;
  auto store = f.Open();
  REQUIRE_OK(store->WriteStaged("x", 0, "bytes"));
  CHECK_STATUS(store->Promote("x", "../../etc/passwd"), kInvalidArgument, "BLOB_NAME");
  CHECK_STATUS(store->Read("../x", 0, 1), kNotFound, "BLOB_MISSING");
}

// A store that answers every request with the next of `answers` (after HEAD's 200), one
// connection per request: for answers a real store should never give.
class ScriptedStore {
 public:
  explicit ScriptedStore(std::vector<std::string> answers) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    answers.insert(answers.begin(), "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    thread_ = std::thread([this, answers] {
      for (const std::string& answer : answers) {
        const int client = ::accept(fd_, nullptr, nullptr);
        if (client < 0) return;
        std::string head;
        char c;
        while (head.find("\r\n\r\n") == std::string::npos && ::read(client, &c, 1) == 1) {
          head.push_back(c);
        }
        const std::string closing = answer.substr(0, answer.find("\r\n")) +
                                    "\r\nConnection: close" + answer.substr(answer.find("\r\n"));
        (void)!::write(client, closing.data(), closing.size());
        ::close(client);
      }
    });
  }
  ~ScriptedStore() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string endpoint() const { return absl::StrCat("http://127.0.0.1:", port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST_CASE(
    "A store that answers another range than asked, or ignores a range from an offset, is "
    "not believed",
    "[s3][integration]") {
  const std::string sha(64, 'a');
  ScriptedStore store({
      "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/100\r\nContent-Length: "
      "10\r\n\r\n0123456789",
      "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789",
      "HTTP/1.1 404 Not Found\r\nContent-Length: 46\r\n\r\n"
      "<Error><Code>NoSuchBucket</Code></Error>      ",
  });
  const std::string staging =
      (std::filesystem::temp_directory_path() /
       absl::StrCat("parta-s3-scripted-", absl::BytesToHexString(RandomBytes(6))))
          .string();
  auto opened = S3BlobStore::Open({.endpoint = store.endpoint(),
                                   .bucket = "b",
                                   .credentials = {.access_key_id = "k", .secret_access_key = "s"}},
                                  staging);
  REQUIRE_OK(opened);
  S3BlobStore& s3 = **opened;
  CHECK_STATUS(s3.Read(sha, 50, 10), kUnavailable, "BLOB_STORE_FAILED");  // bytes 0-9 for 50-59
  CHECK_STATUS(s3.Read(sha, 50, 10), kUnavailable, "BLOB_STORE_FAILED");  // the whole, at 50
  CHECK_STATUS(s3.Read(sha, 0, 10), kUnavailable, "BLOB_STORE_FAILED");   // no bucket, no blob
  std::filesystem::remove_all(staging);
}

}  // namespace
}  // namespace parta::content
