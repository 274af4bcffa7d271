// UploadFile, the client-streaming upload for integrators, against the real service: files in
// many messages, streams cut short or cancelled and continued by their request id, and every
// refusal with its reason.

#include <openssl/sha.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "services/content/tests/content_fixture.h"

namespace parta::content {
namespace {

using directory::testing::DirectoryFixture;
using messaging::testing::MessagingFixture;
using testing::ContentFixture;
using Stub = v1::ContentService::Stub;

constexpr int64_t kMiB = 1024 * 1024;

// Distinct, recognisable bytes of a given size.
std::string Bytes(size_t size, char seed = 'a') {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(seed + (i * 7 + i / 251) % 23);
  return bytes;
}

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

v1::CreateUploadRequest Describe(const std::string& name, int64_t size,
                                 const std::string& request_id) {
  v1::CreateUploadRequest upload;
  upload.set_request_id(request_id);
  upload.set_file_name(name);
  upload.set_size(size);
  return upload;
}

struct Streamed {
  ::grpc::Status status;
  v1::Upload upload;  // when the status is OK
};

// One UploadFile stream as `user` ("" without a token): the first message carries `upload`,
// `offset` and the first piece of `bytes`, each further message the next `piece` bytes.
Streamed Stream(ContentFixture& f, const std::string& user, const v1::CreateUploadRequest& upload,
                int64_t offset, const std::string& bytes, size_t piece = 64 * 1024) {
  auto context = DirectoryFixture::Context(user.empty() ? std::string() : f.Token(user));
  v1::UploadFileResponse response;
  std::unique_ptr<::grpc::ClientWriter<v1::UploadFileRequest>> writer =
      f.stub().UploadFile(context.get(), &response);
  v1::UploadFileRequest message;
  *message.mutable_upload() = upload;
  message.set_offset(offset);
  size_t at = 0;
  do {
    message.set_data(bytes.substr(at, piece));
    at += message.data().size();
    // A refused stream ends before it is all sent: the status says why.
    if (!writer->Write(message)) break;
    message.Clear();
  } while (at < bytes.size());
  writer->WritesDone();
  Streamed streamed{.status = writer->Finish()};
  if (streamed.status.ok()) streamed.upload = response.upload();
  return streamed;
}

// Where the upload of `request_id` stands: CreateUpload with the same description answers it.
int64_t OffsetOf(ContentFixture& f, const std::string& user,
                 const v1::CreateUploadRequest& upload) {
  v1::CreateUploadResponse created;
  const ::grpc::Status status = f.Call(&Stub::CreateUpload, user, upload, &created);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return created.upload().offset();
}

std::vector<std::string> MyItemIds(ContentFixture& f, const std::string& user) {
  v1::ListMyFilesResponse files;
  REQUIRE_RPC_OK(f.Call(&Stub::ListMyFiles, user, v1::ListMyFilesRequest(), &files));
  std::vector<std::string> ids;
  for (const v1::Item& item : files.items()) ids.push_back(item.id());
  return ids;
}

TEST_CASE("A file streamed in many messages becomes an item with its SHA-256",
          "[content][api][streaming]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string user = DirectoryFixture::NewUser();
  const std::string bytes = Bytes(5 * kMiB + 123);
  const v1::CreateUploadRequest upload = Describe("Журнал 5А.bin", bytes.size(), "stream-1");

  // 81 messages of 64 KiB and a short last one.
  const Streamed streamed = Stream(f, user, upload, 0, bytes);
  INFO(streamed.status.error_message());
  REQUIRE(streamed.status.ok());
  REQUIRE(streamed.upload.has_item());
  CHECK(streamed.upload.offset() == static_cast<int64_t>(bytes.size()));
  CHECK(streamed.upload.item().title() == "Журнал 5А.bin");
  CHECK(streamed.upload.item().owner_user_id() == user);
  CHECK(streamed.upload.version().size() == static_cast<int64_t>(bytes.size()));
  CHECK(streamed.upload.version().sha256() == Sha256Hex(bytes));
  CHECK(f.Download(user, streamed.upload.version().id()) == bytes);
  const std::vector<std::string> mine = MyItemIds(f, user);
  CHECK(mine == std::vector<std::string>{streamed.upload.item().id()});

  // A retry after a lost answer: the upload stands at its end, and a stream from there without
  // bytes answers the same item.
  const Streamed again = Stream(f, user, upload, static_cast<int64_t>(bytes.size()), "");
  REQUIRE(again.status.ok());
  CHECK(again.upload.version().id() == streamed.upload.version().id());
  CHECK(MyItemIds(f, user).size() == 1);
}

TEST_CASE("A stream that ends early keeps its bytes and the same request id continues it",
          "[content][api][streaming]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string user = DirectoryFixture::NewUser();
  const std::string bytes = Bytes(5 * kMiB, 'k');
  const v1::CreateUploadRequest upload = Describe("видео.bin", bytes.size(), "cut-1");

  // 3 MiB arrive in messages of 2 MiB and 1 MiB, then the client stops.
  const Streamed cut = Stream(f, user, upload, 0, bytes.substr(0, 3 * kMiB), 2 * kMiB);
  CHECK_RPC_ERROR(cut.status, FAILED_PRECONDITION, "UPLOAD_INCOMPLETE");
  CHECK_THAT(cut.status.error_message(), Catch::Contains("offset 3145728"));
  CHECK(OffsetOf(f, user, upload) == 3 * kMiB);

  // Starting over from 0 is refused with where the upload stands.
  const Streamed restarted = Stream(f, user, upload, 0, bytes);
  CHECK_RPC_ERROR(restarted.status, FAILED_PRECONDITION, "OFFSET_MISMATCH");
  CHECK_THAT(restarted.status.error_message(), Catch::Contains("offset 3145728"));

  const Streamed resumed = Stream(f, user, upload, 3 * kMiB, bytes.substr(3 * kMiB), 2 * kMiB);
  INFO(resumed.status.error_message());
  REQUIRE(resumed.status.ok());
  CHECK(resumed.upload.version().sha256() == Sha256Hex(bytes));
  CHECK(f.Download(user, resumed.upload.version().id()) == bytes);
}

TEST_CASE("A stream cancelled midway keeps what arrived for the retry",
          "[content][api][streaming]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string user = DirectoryFixture::NewUser();
  const std::string bytes = Bytes(6 * kMiB, 'c');
  const v1::CreateUploadRequest upload = Describe("cancelled.bin", bytes.size(), "cancel-1");
  // The service writes in pieces of 2 MiB; the 17th message of 256 KiB makes it write the
  // second piece, so once the upload stands at 4 MiB the service has read all 17.
  const int64_t sent = 4 * kMiB + 256 * 1024;
  {
    auto context = DirectoryFixture::Context(f.Token(user));
    v1::UploadFileResponse response;
    auto writer = f.stub().UploadFile(context.get(), &response);
    for (int64_t at = 0; at < sent; at += 256 * 1024) {
      v1::UploadFileRequest message;
      if (at == 0) *message.mutable_upload() = upload;
      message.set_data(bytes.substr(at, 256 * 1024));
      REQUIRE(writer->Write(message));
    }
    REQUIRE(MessagingFixture::Eventually([&] { return OffsetOf(f, user, upload) == 4 * kMiB; }));
    context->TryCancel();
    CHECK(writer->Finish().error_code() == ::grpc::StatusCode::CANCELLED);
  }
  // What the service had read counts, the last 256 KiB included.
  REQUIRE(MessagingFixture::Eventually([&] { return OffsetOf(f, user, upload) == sent; }));

  const Streamed resumed = Stream(f, user, upload, sent, bytes.substr(sent));
  INFO(resumed.status.error_message());
  REQUIRE(resumed.status.ok());
  CHECK(resumed.upload.version().sha256() == Sha256Hex(bytes));
}

TEST_CASE("UploadFile refuses what is wrong with its reason", "[content][api][streaming]") {
  PARTA_CONTENT_FIXTURE(f, [](ContentConfig& config) { config.content.user_quota = 3 * kMiB; });
  const std::string user = DirectoryFixture::NewUser();

  CHECK_RPC_ERROR(Stream(f, "", Describe("a.bin", 10, "r-1"), 0, Bytes(10)).status, UNAUTHENTICATED,
                  "TOKEN_REQUIRED");

  // A first message without a request id, or no message at all.
  CHECK_RPC_ERROR(Stream(f, user, Describe("a.bin", 10, ""), 0, Bytes(10)).status, INVALID_ARGUMENT,
                  "INVALID_REQUEST_ID");
  {
    auto context = DirectoryFixture::Context(f.Token(user));
    v1::UploadFileResponse response;
    auto writer = f.stub().UploadFile(context.get(), &response);
    writer->WritesDone();
    CHECK_RPC_ERROR(writer->Finish(), INVALID_ARGUMENT, "INVALID_REQUEST_ID");
  }

  // CreateUpload's own refusals.
  CHECK_RPC_ERROR(Stream(f, user, Describe("a/b.bin", 10, "r-2"), 0, Bytes(10)).status,
                  INVALID_ARGUMENT, "INVALID_FILE_NAME");

  // A first offset that is not where the upload stands.
  const Streamed ahead = Stream(f, user, Describe("a.bin", 1000, "r-3"), 100, Bytes(10));
  CHECK_RPC_ERROR(ahead.status, FAILED_PRECONDITION, "OFFSET_MISMATCH");
  CHECK_THAT(ahead.status.error_message(), Catch::Contains("offset 0"));

  // More bytes than declared: nothing of the refused stream counts.
  const v1::CreateUploadRequest small = Describe("a.bin", 1000, "r-4");
  CHECK_RPC_ERROR(Stream(f, user, small, 0, Bytes(1200), 600).status, INVALID_ARGUMENT,
                  "BEYOND_UPLOAD_SIZE");
  CHECK(OffsetOf(f, user, small) == 0);

  // A message above 2 MiB.
  CHECK_RPC_ERROR(
      Stream(f, user, Describe("a.bin", 2 * kMiB + 100, "r-5"), 0, Bytes(2 * kMiB + 1), 3 * kMiB)
          .status,
      INVALID_ARGUMENT, "CHUNK_TOO_LARGE");
  CHECK(MyItemIds(f, user).empty());

  // The quota counts open uploads at their declared size: r-3, r-4 and r-5 hold over 2 MiB.
  CHECK_RPC_ERROR(Stream(f, user, Describe("b.bin", kMiB, "r-6"), 0, Bytes(kMiB)).status,
                  RESOURCE_EXHAUSTED, "QUOTA_EXCEEDED");
}

TEST_CASE("Request ids are each person's own: another's id starts his own upload",
          "[content][api][streaming]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string alice = DirectoryFixture::NewUser();
  const std::string bob = DirectoryFixture::NewUser();
  const std::string hers = Bytes(3 * kMiB, 'a');
  const std::string his = Bytes(3 * kMiB, 'b');
  const v1::CreateUploadRequest upload = Describe("отчёт.bin", 3 * kMiB, "shared-id");

  CHECK_RPC_ERROR(Stream(f, alice, upload, 0, hers.substr(0, 2 * kMiB)).status, FAILED_PRECONDITION,
                  "UPLOAD_INCOMPLETE");
  // Bob cannot continue Alice's upload: with her id and offset he is told his own stands at 0.
  const Streamed intruder = Stream(f, bob, upload, 2 * kMiB, his.substr(2 * kMiB));
  CHECK_RPC_ERROR(intruder.status, FAILED_PRECONDITION, "OFFSET_MISMATCH");
  CHECK_THAT(intruder.status.error_message(), Catch::Contains("offset 0"));

  const Streamed bobs = Stream(f, bob, upload, 0, his);
  REQUIRE(bobs.status.ok());
  CHECK(bobs.upload.item().owner_user_id() == bob);
  CHECK(bobs.upload.version().sha256() == Sha256Hex(his));

  const Streamed alices = Stream(f, alice, upload, 2 * kMiB, hers.substr(2 * kMiB));
  REQUIRE(alices.status.ok());
  CHECK(alices.upload.item().owner_user_id() == alice);
  CHECK(alices.upload.version().sha256() == Sha256Hex(hers));
  CHECK(alices.upload.id() != bobs.upload.id());
  CHECK(MyItemIds(f, alice) == std::vector<std::string>{alices.upload.item().id()});
  CHECK(MyItemIds(f, bob) == std::vector<std::string>{bobs.upload.item().id()});
}

}  // namespace
}  // namespace parta::content
