// Content through its API on a real Postgres, blob folder and messaging: uploads in pieces and
// their refusals, held pieces and checksums, completion into versions, sharing of identical
// bytes and their removal, downloads by owners, chat members, links and strangers.

#include <openssl/sha.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "absl/strings/escaping.h"
#include "libs/core/random.h"
#include "services/content/store/content_store.h"
#include "services/content/tests/content_fixture.h"

namespace parta::content {
namespace {

using directory::testing::ReasonOf;
using directory::testing::SchoolWorld;
using testing::ContentFixture;
using Stub = v1::ContentService::Stub;
namespace msg = messaging::v1;

constexpr const char* kPdf = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";

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

std::string Sha256Raw(const std::string& bytes) { return absl::HexStringToBytes(Sha256Hex(bytes)); }

v1::CreateUploadRequest NewUpload(const std::string& name, int64_t size,
                                  const std::string& request_id = "up-1") {
  v1::CreateUploadRequest create;
  create.set_request_id(request_id);
  create.set_file_name(name);
  create.set_size(size);
  return create;
}

v1::Upload Create(ContentFixture& f, const std::string& user, const v1::CreateUploadRequest& req) {
  v1::CreateUploadResponse created;
  ::grpc::Status status = f.Call(&Stub::CreateUpload, user, req, &created);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return created.upload();
}

::grpc::Status Append(ContentFixture& f, const std::string& user, const std::string& upload_id,
                      int64_t offset, const std::string& data, v1::Upload* out = nullptr,
                      bool hold = false) {
  v1::AppendUploadRequest append;
  append.set_upload_id(upload_id);
  append.set_offset(offset);
  append.set_data(data);
  append.set_hold(hold);
  v1::AppendUploadResponse appended;
  ::grpc::Status status = f.Call(&Stub::AppendUpload, user, append, &appended);
  if (out != nullptr && status.ok()) *out = appended.upload();
  return status;
}

::grpc::Status Open(ContentFixture& f, const std::string& user, const std::string& version_id,
                    v1::OpenDownloadResponse* out = nullptr, const std::string& link = "") {
  v1::OpenDownloadRequest open;
  open.set_version_id(version_id);
  open.set_link(link);
  v1::OpenDownloadResponse opened;
  ::grpc::Status status = f.Call(&Stub::OpenDownload, user, open, &opened);
  if (out != nullptr && status.ok()) *out = opened;
  return status;
}

TEST_CASE("An upload arrives in pieces and becomes a version typed from its bytes",
          "[content][api]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string teacher = directory::testing::DirectoryFixture::NewUser();
  const std::string bytes = std::string(kPdf) + Bytes(300 * 1024);

  const v1::Upload upload = Create(f, teacher, [&] {
    auto req = NewUpload("Контрольная работа 5А.pdf", static_cast<int64_t>(bytes.size()));
    req.set_declared_media_type("application/pdf");
    return req;
  }());
  CHECK(upload.offset() == 0);
  CHECK(upload.size() == static_cast<int64_t>(bytes.size()));
  CHECK_FALSE(upload.has_item());
  CHECK(f.Staged(upload.id()) == false);  // made on the first write

  v1::Upload after;
  REQUIRE_RPC_OK(Append(f, teacher, upload.id(), 0, bytes.substr(0, 100000), &after));
  CHECK(after.offset() == 100000);
  CHECK_FALSE(after.has_item());
  // A retried creation answers the same upload, where it stands.
  CHECK(Create(f, teacher,
               [&] {
                 auto req =
                     NewUpload("Контрольная работа 5А.pdf", static_cast<int64_t>(bytes.size()));
                 req.set_declared_media_type("application/pdf");
                 return req;
               }())
            .offset() == 100000);

  REQUIRE_RPC_OK(Append(f, teacher, upload.id(), 100000, bytes.substr(100000), &after));
  REQUIRE(after.has_item());
  const v1::Item& item = after.item();
  CHECK(item.title() == "Контрольная работа 5А.pdf");
  CHECK(item.kind() == v1::ITEM_KIND_DOCUMENT);
  CHECK(item.owner_user_id() == teacher);
  CHECK(item.current_version().number() == 1);
  CHECK(item.current_version().file_name() == "Контрольная работа 5А.pdf");
  CHECK(item.current_version().media_type() == "application/pdf");
  CHECK(item.current_version().sha256() == Sha256Hex(bytes));
  CHECK(item.current_version().scan_state() == v1::SCAN_STATE_CLEAN);
  CHECK(f.BlobStored(Sha256Hex(bytes)));
  CHECK_FALSE(f.Staged(upload.id()));
  CHECK(f.Download(teacher, item.current_version().id()) == bytes);

  // The upload answers its item afterwards, and takes no more bytes.
  v1::GetUploadRequest get;
  get.set_upload_id(upload.id());
  v1::GetUploadResponse got;
  REQUIRE_RPC_OK(f.Call(&Stub::GetUpload, teacher, get, &got));
  CHECK(got.upload().item().id() == item.id());
  CHECK_RPC_ERROR(Append(f, teacher, upload.id(), static_cast<int64_t>(bytes.size()), "x"),
                  FAILED_PRECONDITION, "UPLOAD_COMPLETE");
  v1::GetItemRequest get_item;
  get_item.set_item_id(item.id());
  v1::GetItemResponse item_read;
  REQUIRE_RPC_OK(f.Call(&Stub::GetItem, teacher, get_item, &item_read));
  CHECK(item_read.item().current_version().id() == item.current_version().id());
}

TEST_CASE("Uploads refuse what is wrong before anything is stored", "[content][api]") {
  PARTA_CONTENT_FIXTURE(f, [](ContentConfig& config) {
    config.content.max_file_bytes = 1 << 20;
    config.content.user_quota = 1536 * 1024;
  });
  const std::string user = directory::testing::DirectoryFixture::NewUser();
  const std::string stranger = directory::testing::DirectoryFixture::NewUser();
  v1::CreateUploadResponse ignored;

  CHECK_RPC_ERROR(f.Call(&Stub::CreateUpload, user, NewUpload("a/b.txt", 10), &ignored),
                  INVALID_ARGUMENT, "INVALID_FILE_NAME");
  CHECK_RPC_ERROR(f.Call(&Stub::CreateUpload, user, NewUpload("a\tb.txt", 10), &ignored),
                  INVALID_ARGUMENT, "INVALID_FILE_NAME");
  CHECK_RPC_ERROR(f.Call(&Stub::CreateUpload, user, NewUpload("пусто.txt", 0), &ignored),
                  INVALID_ARGUMENT, "EMPTY_FILE");
  CHECK_RPC_ERROR(f.Call(&Stub::CreateUpload, user, NewUpload("big.bin", (1 << 20) + 1), &ignored),
                  FAILED_PRECONDITION, "FILE_TOO_LARGE");
  CHECK_RPC_ERROR(f.Call(&Stub::CreateUpload, user, NewUpload("x.txt", 10, ""), &ignored),
                  INVALID_ARGUMENT, "INVALID_REQUEST_ID");
  CHECK_RPC_ERROR(f.Call(&Stub::CreateUpload, "", NewUpload("x.txt", 10), &ignored),
                  UNAUTHENTICATED, "TOKEN_REQUIRED");

  // The quota counts open uploads by their declared size.
  const v1::Upload first = Create(f, user, NewUpload("one.bin", 1 << 20, "q-1"));
  CHECK_RPC_ERROR(
      f.Call(&Stub::CreateUpload, user, NewUpload("two.bin", 600 * 1024, "q-2"), &ignored),
      RESOURCE_EXHAUSTED, "QUOTA_EXCEEDED");
  // The same request id for another file.
  CHECK_RPC_ERROR(f.Call(&Stub::CreateUpload, user, NewUpload("other.bin", 5, "q-1"), &ignored),
                  ALREADY_EXISTS, "REQUEST_ID_REUSED");

  // Pieces: at the wrong offset, past the size, of someone else's upload.
  REQUIRE_RPC_OK(Append(f, user, first.id(), 0, Bytes(1000)));
  CHECK_RPC_ERROR(Append(f, user, first.id(), 0, Bytes(10)), FAILED_PRECONDITION,
                  "OFFSET_MISMATCH");
  CHECK_RPC_ERROR(Append(f, user, first.id(), 2000, Bytes(10)), FAILED_PRECONDITION,
                  "OFFSET_MISMATCH");
  CHECK_RPC_ERROR(Append(f, user, first.id(), 1000, Bytes((1 << 20) - 999)), INVALID_ARGUMENT,
                  "BEYOND_UPLOAD_SIZE");
  CHECK_RPC_ERROR(Append(f, stranger, first.id(), 1000, Bytes(10)), NOT_FOUND, "UPLOAD_NOT_FOUND");
  CHECK_RPC_ERROR(Append(f, user, "not-an-id", 0, "x"), INVALID_ARGUMENT, "INVALID_UPLOAD_ID");
  CHECK_RPC_ERROR(Append(f, user, first.id(), 1000, std::string((2 << 20) + 1, 'x')),
                  INVALID_ARGUMENT, "CHUNK_TOO_LARGE");
  v1::GetUploadRequest get;
  get.set_upload_id(first.id());
  v1::GetUploadResponse got;
  REQUIRE_RPC_OK(f.Call(&Stub::GetUpload, user, get, &got));
  CHECK(got.upload().offset() == 1000);  // nothing refused was counted

  // Cancelling frees the space, and the bytes go.
  REQUIRE(f.Staged(first.id()));
  v1::CancelUploadRequest cancel;
  cancel.set_upload_id(first.id());
  v1::CancelUploadResponse cancelled;
  CHECK_RPC_ERROR(f.Call(&Stub::CancelUpload, stranger, cancel, &cancelled), NOT_FOUND,
                  "UPLOAD_NOT_FOUND");
  REQUIRE_RPC_OK(f.Call(&Stub::CancelUpload, user, cancel, &cancelled));
  CHECK_FALSE(f.Staged(first.id()));
  CHECK_RPC_ERROR(f.Call(&Stub::GetUpload, user, get, &got), NOT_FOUND, "UPLOAD_NOT_FOUND");
  Create(f, user, NewUpload("two.bin", 600 * 1024, "q-3"));
}

TEST_CASE("Bytes that contradict the declared type are refused and discarded", "[content][api]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string user = directory::testing::DirectoryFixture::NewUser();
  const std::string pdf = std::string(kPdf) + Bytes(1000);
  auto req = NewUpload("photo.png", static_cast<int64_t>(pdf.size()));
  req.set_declared_media_type("image/png");
  const v1::Upload upload = Create(f, user, req);
  CHECK_RPC_ERROR(Append(f, user, upload.id(), 0, pdf), FAILED_PRECONDITION, "TYPE_MISMATCH");
  CHECK_FALSE(f.Staged(upload.id()));
  CHECK_FALSE(f.BlobStored(Sha256Hex(pdf)));
  v1::GetUploadRequest get;
  get.set_upload_id(upload.id());
  v1::GetUploadResponse got;
  CHECK_RPC_ERROR(f.Call(&Stub::GetUpload, user, get, &got), NOT_FOUND, "UPLOAD_NOT_FOUND");
  v1::ListMyFilesResponse files;
  REQUIRE_RPC_OK(f.Call(&Stub::ListMyFiles, user, v1::ListMyFilesRequest(), &files));
  CHECK(files.items().empty());
}

TEST_CASE("Held pieces count only when their checksum holds", "[content][api]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string user = directory::testing::DirectoryFixture::NewUser();
  const std::string bytes = Bytes(50000);
  const v1::Upload upload = Create(f, user, NewUpload("notes.txt", 50000));

  // A held run in two pieces, confirmed.
  v1::Upload after;
  REQUIRE_RPC_OK(Append(f, user, upload.id(), 0, bytes.substr(0, 10000), &after, true));
  CHECK(after.offset() == 0);
  REQUIRE_RPC_OK(Append(f, user, upload.id(), 10000, bytes.substr(10000, 10000), &after, true));
  CHECK(after.offset() == 0);
  v1::ConfirmUploadRequest confirm;
  confirm.set_upload_id(upload.id());
  confirm.set_from_offset(0);
  confirm.set_sha256(Sha256Raw(bytes.substr(0, 20000)));
  v1::ConfirmUploadResponse confirmed;
  REQUIRE_RPC_OK(f.Call(&Stub::ConfirmUpload, user, confirm, &confirmed));
  CHECK(confirmed.upload().offset() == 20000);

  // A corrupted run: refused, and the upload stands where it stood.
  std::string corrupted = bytes.substr(20000, 10000);
  corrupted[5000] ^= 1;
  REQUIRE_RPC_OK(Append(f, user, upload.id(), 20000, corrupted, &after, true));
  confirm.set_from_offset(20000);
  confirm.set_sha256(Sha256Raw(bytes.substr(20000, 10000)));
  CHECK_RPC_ERROR(f.Call(&Stub::ConfirmUpload, user, confirm, &confirmed), FAILED_PRECONDITION,
                  "CHECKSUM_MISMATCH");
  CHECK_RPC_ERROR(f.Call(&Stub::ConfirmUpload, user, confirm, &confirmed), FAILED_PRECONDITION,
                  "NOTHING_HELD");
  confirm.set_sha256("short");
  CHECK_RPC_ERROR(f.Call(&Stub::ConfirmUpload, user, confirm, &confirmed), INVALID_ARGUMENT,
                  "INVALID_CHECKSUM");

  // Sent again from the committed offset, then the rest unheld: complete and whole.
  REQUIRE_RPC_OK(Append(f, user, upload.id(), 20000, bytes.substr(20000), &after));
  REQUIRE(after.has_item());
  CHECK(after.item().current_version().sha256() == Sha256Hex(bytes));
  CHECK(after.item().current_version().media_type() == "text/plain");
}

TEST_CASE("An upload survives a restart of the service and resumes", "[content][api]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string user = directory::testing::DirectoryFixture::NewUser();
  const std::string bytes = Bytes(200000, 'k');
  const v1::Upload upload = Create(f, user, NewUpload("lesson.bin", 200000));
  REQUIRE_RPC_OK(Append(f, user, upload.id(), 0, bytes.substr(0, 120000)));
  f.RestartContent();
  v1::GetUploadRequest get;
  get.set_upload_id(upload.id());
  v1::GetUploadResponse got;
  REQUIRE_RPC_OK(f.Call(&Stub::GetUpload, user, get, &got));
  CHECK(got.upload().offset() == 120000);
  v1::Upload after;
  REQUIRE_RPC_OK(Append(f, user, upload.id(), 120000, bytes.substr(120000), &after));
  REQUIRE(after.has_item());
  CHECK(f.Download(user, after.item().current_version().id()) == bytes);
}

TEST_CASE("Bytes lost from disk after a power cut are asked for again", "[content][api]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string user = directory::testing::DirectoryFixture::NewUser();
  const std::string bytes = Bytes(100000, 'p');
  const v1::Upload upload = Create(f, user, NewUpload("power.bin", 100000));
  REQUIRE_RPC_OK(Append(f, user, upload.id(), 0, bytes.substr(0, 80000)));
  // The last writes never reached the disk.
  std::filesystem::resize_file(f.StagedPath(upload.id()), 30000);
  CHECK_RPC_ERROR(Append(f, user, upload.id(), 80000, bytes.substr(80000)), FAILED_PRECONDITION,
                  "OFFSET_MISMATCH");
  v1::GetUploadRequest get;
  get.set_upload_id(upload.id());
  v1::GetUploadResponse got;
  REQUIRE_RPC_OK(f.Call(&Stub::GetUpload, user, get, &got));
  CHECK(got.upload().offset() == 30000);
  v1::Upload after;
  REQUIRE_RPC_OK(Append(f, user, upload.id(), 30000, bytes.substr(30000), &after));
  REQUIRE(after.has_item());
  CHECK(after.version().id() == after.item().current_version().id());
  CHECK(f.Download(user, after.version().id()) == bytes);
}

TEST_CASE("A person has at most 100 unfinished uploads", "[content][api]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string user = directory::testing::DirectoryFixture::NewUser();
  for (int i = 0; i < kMaxOpenUploads; ++i) {
    Create(f, user, NewUpload("part.bin", 10, "open-" + std::to_string(i)));
  }
  v1::CreateUploadResponse refused;
  CHECK_RPC_ERROR(
      f.Call(&Stub::CreateUpload, user, NewUpload("one-more.bin", 10, "open-x"), &refused),
      RESOURCE_EXHAUSTED, "TOO_MANY_UPLOADS");
  // A finished one leaves room.
  const v1::Upload first = Create(f, user, NewUpload("part.bin", 10, "open-0"));
  REQUIRE_RPC_OK(Append(f, user, first.id(), 0, Bytes(10)));
  Create(f, user, NewUpload("one-more.bin", 10, "open-x"));
}

TEST_CASE("Expired uploads are dropped with their bytes", "[content][api]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string user = directory::testing::DirectoryFixture::NewUser();
  const v1::Upload upload = Create(f, user, NewUpload("later.bin", 1000));
  REQUIRE_RPC_OK(Append(f, user, upload.id(), 0, Bytes(500)));
  REQUIRE(f.Staged(upload.id()));
  f.clock().Advance(f.config().content.upload_lifetime + absl::Seconds(1));
  CHECK(messaging::testing::MessagingFixture::Eventually([&] { return !f.Staged(upload.id()); }));
  CHECK_RPC_ERROR(Append(f, user, upload.id(), 500, Bytes(500)), NOT_FOUND, "UPLOAD_NOT_FOUND");
}

TEST_CASE("Identical bytes are stored once and removed with their last version", "[content][api]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string alice = directory::testing::DirectoryFixture::NewUser();
  const std::string bob = directory::testing::DirectoryFixture::NewUser();
  const std::string bytes = Bytes(70000, 'q');
  const v1::Item first = f.Upload(alice, "worksheet.txt", bytes);
  const v1::Item second = f.Upload(bob, "копия.txt", bytes);
  CHECK(first.current_version().sha256() == second.current_version().sha256());
  const std::string sha = first.current_version().sha256();
  REQUIRE(f.BlobStored(sha));

  v1::DeleteItemRequest remove;
  remove.set_item_id(first.id());
  v1::DeleteItemResponse removed;
  CHECK_RPC_ERROR(f.Call(&Stub::DeleteItem, bob, remove, &removed), NOT_FOUND, "ITEM_NOT_FOUND");
  REQUIRE_RPC_OK(f.Call(&Stub::DeleteItem, alice, remove, &removed));
  CHECK(f.BlobStored(sha));  // Bob's version still refers to it
  CHECK(f.Download(bob, second.current_version().id()) == bytes);
  CHECK_RPC_ERROR(Open(f, alice, first.current_version().id()), NOT_FOUND, "VERSION_NOT_FOUND");

  remove.set_item_id(second.id());
  REQUIRE_RPC_OK(f.Call(&Stub::DeleteItem, bob, remove, &removed));
  CHECK_FALSE(f.BlobStored(sha));
  // The same bytes uploaded again are stored again.
  const v1::Item third = f.Upload(alice, "again.txt", bytes);
  CHECK(f.BlobStored(sha));
  CHECK(f.Download(alice, third.current_version().id()) == bytes);
}

TEST_CASE("A new upload of an item is its next version", "[content][api]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string user = directory::testing::DirectoryFixture::NewUser();
  const std::string stranger = directory::testing::DirectoryFixture::NewUser();
  const v1::Item item = f.Upload(user, "plan.txt", "первый вариант\n");
  const std::string second = "второй вариант\n";
  auto req = NewUpload("plan-v2.txt", static_cast<int64_t>(second.size()), "v2");
  req.set_item_id(item.id());
  v1::CreateUploadResponse ignored;
  CHECK_RPC_ERROR(f.Call(&Stub::CreateUpload, stranger, req, &ignored), NOT_FOUND,
                  "ITEM_NOT_FOUND");
  const v1::Upload upload = Create(f, user, req);
  v1::Upload after;
  REQUIRE_RPC_OK(Append(f, user, upload.id(), 0, second, &after));
  REQUIRE(after.has_item());
  CHECK(after.item().id() == item.id());
  CHECK(after.item().current_version().number() == 2);
  CHECK(after.item().current_version().file_name() == "plan-v2.txt");
  // The earlier version is kept.
  CHECK(f.Download(user, item.current_version().id()) == "первый вариант\n");
  CHECK(f.Download(user, after.item().current_version().id()) == second);

  // «Мои файлы» lists the owner's items, newest first, page by page.
  f.clock().Advance(absl::Seconds(1));
  f.Upload(user, "b.txt", "b");
  f.clock().Advance(absl::Seconds(1));
  f.Upload(user, "c.txt", "c");
  v1::ListMyFilesRequest list;
  list.set_page_size(2);
  v1::ListMyFilesResponse page;
  REQUIRE_RPC_OK(f.Call(&Stub::ListMyFiles, user, list, &page));
  REQUIRE(page.items_size() == 2);
  CHECK(page.items(0).title() == "c.txt");
  CHECK(page.items(1).title() == "b.txt");
  REQUIRE_FALSE(page.next_page_token().empty());
  list.set_page_token(page.next_page_token());
  REQUIRE_RPC_OK(f.Call(&Stub::ListMyFiles, user, list, &page));
  REQUIRE(page.items_size() == 1);
  CHECK(page.items(0).id() == item.id());
  CHECK(page.next_page_token().empty());
  CHECK_RPC_ERROR(f.Call(&Stub::ListMyFiles, stranger, list, &page), INVALID_ARGUMENT,
                  "INVALID_PAGE_TOKEN");
  v1::GetItemRequest get;
  get.set_item_id(item.id());
  v1::GetItemResponse got;
  CHECK_RPC_ERROR(f.Call(&Stub::GetItem, stranger, get, &got), NOT_FOUND, "ITEM_NOT_FOUND");
}

TEST_CASE("Downloads: the owner, links bound to a person and a version, read tokens",
          "[content][api]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string owner = directory::testing::DirectoryFixture::NewUser();
  const std::string stranger = directory::testing::DirectoryFixture::NewUser();
  const std::string bytes = Bytes(3 << 20, 'z');
  const v1::Item item = f.Upload(owner, "видеоурок.bin", bytes, "", 1 << 20);
  const v1::Item other = f.Upload(owner, "other.txt", "other");
  const std::string version = item.current_version().id();

  CHECK_RPC_ERROR(Open(f, stranger, version), NOT_FOUND, "VERSION_NOT_FOUND");
  CHECK_RPC_ERROR(Open(f, stranger, "../etc/passwd"), INVALID_ARGUMENT, "INVALID_VERSION_ID");
  CHECK_RPC_ERROR(Open(f, "", version), UNAUTHENTICATED, "LINK_REQUIRED");

  v1::OpenDownloadResponse opened;
  REQUIRE_RPC_OK(Open(f, owner, version, &opened));
  CHECK(opened.version().size() == static_cast<int64_t>(bytes.size()));
  CHECK(opened.version().sha256() == Sha256Hex(bytes));
  CHECK(opened.version().media_type() == "text/plain");
  CHECK(opened.inline_safe());  // plain text may be shown (as text, under a sandbox)

  // Reads by range, with the token alone.
  v1::ReadContentRequest read;
  read.set_read_token(opened.read_token());
  read.set_offset(1000);
  read.set_length(5000);
  v1::ReadContentResponse got;
  REQUIRE_RPC_OK(f.Call(&Stub::ReadContent, "", read, &got));
  CHECK(got.data() == bytes.substr(1000, 5000));
  read.set_offset(static_cast<int64_t>(bytes.size()) - 10);
  REQUIRE_RPC_OK(f.Call(&Stub::ReadContent, "", read, &got));
  CHECK(got.data() == bytes.substr(bytes.size() - 10));
  read.set_offset(static_cast<int64_t>(bytes.size()) + 1);
  CHECK_RPC_ERROR(f.Call(&Stub::ReadContent, "", read, &got), OUT_OF_RANGE, "OFFSET_BEYOND_END");
  read.set_offset(0);
  read.set_length(0);
  CHECK_RPC_ERROR(f.Call(&Stub::ReadContent, "", read, &got), INVALID_ARGUMENT, "INVALID_LENGTH");
  read.set_length((2 << 20) + 1);
  CHECK_RPC_ERROR(f.Call(&Stub::ReadContent, "", read, &got), INVALID_ARGUMENT, "CHUNK_TOO_LARGE");
  read.set_length(10);
  read.set_read_token(opened.read_token() + "x");
  CHECK_RPC_ERROR(f.Call(&Stub::ReadContent, "", read, &got), PERMISSION_DENIED,
                  "INVALID_READ_TOKEN");

  // A link: anyone holding it opens that version, for minutes, in its maker's name.
  v1::CreateDownloadLinkRequest make;
  make.set_version_id(version);
  v1::CreateDownloadLinkResponse link;
  CHECK_RPC_ERROR(f.Call(&Stub::CreateDownloadLink, stranger, make, &link), NOT_FOUND,
                  "VERSION_NOT_FOUND");
  REQUIRE_RPC_OK(f.Call(&Stub::CreateDownloadLink, owner, make, &link));
  CHECK(link.url() == "/v1/files/" + version + "?link=" + link.link());
  REQUIRE_RPC_OK(Open(f, "", version, &opened, link.link()));
  CHECK(opened.version().id() == version);
  CHECK_RPC_ERROR(Open(f, "", other.current_version().id(), nullptr, link.link()),
                  PERMISSION_DENIED, "INVALID_LINK");
  CHECK_RPC_ERROR(Open(f, "", version, nullptr, link.link().substr(0, link.link().size() - 2)),
                  PERMISSION_DENIED, "INVALID_LINK");

  const std::string read_token = opened.read_token();
  f.clock().Advance(f.config().content.link_lifetime + absl::Seconds(1));
  CHECK_RPC_ERROR(Open(f, "", version, nullptr, link.link()), PERMISSION_DENIED, "LINK_EXPIRED");
  f.clock().Advance(f.config().content.read_token_lifetime);
  read.set_read_token(read_token);
  CHECK_RPC_ERROR(f.Call(&Stub::ReadContent, "", read, &got), PERMISSION_DENIED,
                  "READ_TOKEN_EXPIRED");
}

TEST_CASE("A file attached in a class chat is its members' to read while the message exists",
          "[content][api]") {
  PARTA_CONTENT_FIXTURE(f);
  SchoolWorld world = f.directory().BuildSchool();
  SchoolWorld elsewhere = f.directory().BuildSchool("Школа № 12");
  f.messaging().WaitForRoster(world.school_id);
  const msg::Chat chat =
      f.messaging().WaitForChat(world.student, msg::CHAT_KIND_CLASS_STUDENTS, world.class_id);
  f.messaging().WaitForChat(world.teacher, msg::CHAT_KIND_CLASS_STUDENTS, world.class_id);
  const std::string bytes = std::string(kPdf) + Bytes(20000);
  const v1::Item item = f.Upload(world.teacher, "Презентация.pdf", bytes, "application/pdf");
  const std::string version = item.current_version().id();

  // Before it is attached, only its owner reads it.
  CHECK_RPC_ERROR(Open(f, world.student, version), NOT_FOUND, "VERSION_NOT_FOUND");

  msg::SendMessageRequest send;
  send.set_chat_id(chat.id());
  send.set_request_id("with-file");
  send.mutable_text()->set_body("Презентация к уроку");
  send.add_attachment_ids(version);
  msg::Message sent;
  // Someone who may not read the file cannot attach it.
  CHECK_RPC_ERROR(
      f.messaging().Call(&msg::MessagingService::Stub::SendMessage, world.student, send, &sent),
      NOT_FOUND, "VERSION_NOT_FOUND");
  REQUIRE_RPC_OK(
      f.messaging().Call(&msg::MessagingService::Stub::SendMessage, world.teacher, send, &sent));
  CHECK(sent.attachment_ids_size() == 1);

  CHECK(f.Download(world.student, version) == bytes);
  // The parent is not in the pupils' chat; the other school's people are in none of it.
  CHECK_RPC_ERROR(Open(f, world.parent, version), NOT_FOUND, "VERSION_NOT_FOUND");
  CHECK_RPC_ERROR(Open(f, elsewhere.student, version), NOT_FOUND, "VERSION_NOT_FOUND");
  CHECK_RPC_ERROR(Open(f, elsewhere.teacher, version), NOT_FOUND, "VERSION_NOT_FOUND");

  // Deleting the message ends the chat's access; the owner keeps his file.
  msg::DeleteMessageRequest remove;
  remove.set_chat_id(chat.id());
  remove.set_message_id(sent.id());
  msg::DeleteMessageResponse removed;
  REQUIRE_RPC_OK(f.messaging().Call(&msg::MessagingService::Stub::DeleteMessage, world.teacher,
                                    remove, &removed));
  CHECK_RPC_ERROR(Open(f, world.student, version), NOT_FOUND, "VERSION_NOT_FOUND");
  CHECK(f.Download(world.teacher, version) == bytes);
}

}  // namespace
}  // namespace parta::content
