// The content service on an S3-compatible object store (s3rver): versions' and renditions'
// bytes live in the bucket, shared by identical uploads and removed with their last version;
// only uploads in progress touch the local folder.
#include <catch2/catch.hpp>
#include <filesystem>

#include "absl/time/clock.h"
#include "libs/testing/s3_server.h"
#include "services/content/tests/content_fixture.h"
#include "services/content/tests/sample_images.h"

namespace parta::content {
namespace {

using parta::testing::PrivateS3;
using testing::ContentFixture;
using Stub = v1::ContentService::Stub;

void UseObjectStore(ContentConfig& config, const PrivateS3& s3) {
  config.s3 = S3Settings{.endpoint = s3.endpoint(),
                         .bucket = s3.bucket(),
                         .prefix = "content/",
                         .credentials = {.access_key_id = PrivateS3::kAccessKeyId,
                                         .secret_access_key = PrivateS3::kSecretAccessKey}};
}

// How many blobs the local folder holds (none, with an object store).
int LocalBlobs(const ContentFixture& f) {
  const std::filesystem::path blobs = std::filesystem::path(f.config().store_root) / "blobs";
  if (!std::filesystem::exists(blobs)) return 0;
  int count = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(blobs)) {
    if (entry.is_regular_file()) ++count;
  }
  return count;
}

void Delete(ContentFixture& f, const std::string& owner, const std::string& item_id) {
  v1::DeleteItemRequest remove;
  remove.set_item_id(item_id);
  v1::DeleteItemResponse removed;
  REQUIRE_RPC_OK(f.Call(&Stub::DeleteItem, owner, remove, &removed));
}

TEST_CASE(
    "With an object store, identical uploads share one object that goes with the last "
    "version",
    "[content][api][s3]") {
  PrivateS3 s3;
  PARTA_CONTENT_FIXTURE(f, [&](ContentConfig& config) { UseObjectStore(config, s3); });
  const std::string alice = directory::testing::DirectoryFixture::NewUser();
  const std::string bob = directory::testing::DirectoryFixture::NewUser();
  std::string bytes;
  for (int i = 0; i < 40000; ++i) bytes += "Задача " + std::to_string(i) + "; ";
  const v1::Item first = f.Upload(alice, "задачник.txt", bytes);
  const v1::Item second = f.Upload(bob, "копия задачника.txt", bytes, "", 100 * 1024);
  const std::string sha = first.current_version().sha256();
  REQUIRE(second.current_version().sha256() == sha);
  CHECK(f.BlobStored(sha));
  CHECK(LocalBlobs(f) == 0);
  CHECK(f.Download(bob, second.current_version().id()) == bytes);

  Delete(f, alice, first.id());
  CHECK(f.BlobStored(sha));  // Bob's version still refers to it
  Delete(f, bob, second.id());
  CHECK_FALSE(f.BlobStored(sha));

  // A restarted service finds what the bucket holds.
  const v1::Item third = f.Upload(alice, "снова.txt", bytes);
  f.RestartContent();
  CHECK(f.Download(alice, third.current_version().id()) == bytes);
}

TEST_CASE("With an object store, a photo's renditions are made from and kept in the bucket",
          "[content][api][s3][previews]") {
  PrivateS3 s3;
  PARTA_CONTENT_FIXTURE(f, [&](ContentConfig& config) {
    UseObjectStore(config, s3);
    config.previews = true;
  });
  const std::string teacher = directory::testing::DirectoryFixture::NewUser();
  const v1::Item item = f.Upload(teacher, "доска.jpg", testing::PhonePhoto(800, 600, 1));
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  v1::Version version;
  while (true) {
    v1::GetItemRequest get;
    get.set_item_id(item.id());
    v1::GetItemResponse got;
    REQUIRE_RPC_OK(f.Call(&Stub::GetItem, teacher, get, &got));
    version = got.item().current_version();
    if (version.renditions_size() == 2) break;
    INFO("the renditions did not appear");
    REQUIRE(absl::Now() < deadline);
    absl::SleepFor(absl::Milliseconds(20));  // a poll's pace, not a wait for anything
  }
  for (const v1::Rendition& rendition : version.renditions())
    CHECK(f.BlobStored(rendition.sha256()));
  CHECK(LocalBlobs(f) == 0);

  v1::OpenDownloadRequest open;
  open.set_version_id(version.id());
  open.set_rendition(v1::RENDITION_KIND_THUMBNAIL);
  v1::OpenDownloadResponse opened;
  REQUIRE_RPC_OK(f.Call(&Stub::OpenDownload, teacher, open, &opened));
  v1::ReadContentRequest read;
  read.set_read_token(opened.read_token());
  read.set_length(1 << 20);
  v1::ReadContentResponse thumbnail;
  REQUIRE_RPC_OK(f.Call(&Stub::ReadContent, "", read, &thumbnail));
  CHECK(static_cast<int64_t>(thumbnail.data().size()) == opened.rendition().size());
  CHECK(thumbnail.data().substr(0, 2) == "\xFF\xD8");  // a JPEG

  Delete(f, teacher, item.id());
  for (const v1::Rendition& rendition : version.renditions()) {
    CHECK_FALSE(f.BlobStored(rendition.sha256()));
  }
}

}  // namespace
}  // namespace parta::content
