// Renditions on the real service: thumbnails and previews appear after a file's clean verdict,
// reach whoever may read the file (and nobody else) without the original's metadata, are never
// made of pending or infected files, share blobs like versions, and go with their item.

#include <catch2/catch.hpp>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "absl/time/clock.h"
#include "libs/pg/pool.h"
#include "libs/testing/clamav_server.h"
#include "services/content/store/rendition_store.h"
#include "services/content/tests/content_fixture.h"
#include "services/content/tests/pdf_sample.h"
#include "services/content/tests/sample_images.h"

namespace parta::content {
namespace {

using directory::testing::ReasonOf;
using directory::testing::SchoolWorld;
using testing::ContentFixture;
using Stub = v1::ContentService::Stub;
namespace msg = messaging::v1;

v1::Item GetItem(ContentFixture& f, const std::string& owner, const std::string& item_id) {
  v1::GetItemRequest get;
  get.set_item_id(item_id);
  v1::GetItemResponse got;
  REQUIRE_RPC_OK(f.Call(&Stub::GetItem, owner, get, &got));
  return got.item();
}

// The item once its newest version has both renditions; fails the test after 30 s.
v1::Item WaitForRenditions(ContentFixture& f, const std::string& owner,
                           const std::string& item_id) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (true) {
    v1::Item item = GetItem(f, owner, item_id);
    if (item.current_version().renditions_size() == 2) return item;
    INFO("the renditions of " << item.title() << " did not appear");
    REQUIRE(absl::Now() < deadline);
    absl::SleepFor(absl::Milliseconds(20));  // a poll's pace, not a wait for anything
  }
}

::grpc::Status OpenRendition(ContentFixture& f, const std::string& user,
                             const std::string& version_id, v1::RenditionKind kind,
                             v1::OpenDownloadResponse* opened, const std::string& link = "") {
  v1::OpenDownloadRequest open;
  open.set_version_id(version_id);
  open.set_rendition(kind);
  open.set_link(link);
  return f.Call(&Stub::OpenDownload, user, open, opened);
}

// The bytes of a rendition as `user` reads them.
std::string DownloadRendition(ContentFixture& f, const std::string& user,
                              const std::string& version_id, v1::RenditionKind kind) {
  v1::OpenDownloadResponse opened;
  REQUIRE_RPC_OK(OpenRendition(f, user, version_id, kind, &opened));
  REQUIRE(opened.rendition().kind() == kind);
  std::string bytes;
  while (static_cast<int64_t>(bytes.size()) < opened.rendition().size()) {
    v1::ReadContentRequest read;
    read.set_read_token(opened.read_token());
    read.set_offset(static_cast<int64_t>(bytes.size()));
    read.set_length(1 << 20);
    v1::ReadContentResponse got;
    REQUIRE_RPC_OK(f.Call(&Stub::ReadContent, "", read, &got));
    REQUIRE_FALSE(got.data().empty());
    bytes += got.data();
  }
  return bytes;
}

const v1::Rendition& RenditionOf(const v1::Version& version, v1::RenditionKind kind) {
  for (const v1::Rendition& rendition : version.renditions()) {
    if (rendition.kind() == kind) return rendition;
  }
  FAIL("no such rendition");
  return version.renditions(0);
}

// Sends a message carrying `version_id` in the class's pupils' chat.
void AttachInClass(ContentFixture& f, const SchoolWorld& world, const std::string& version_id) {
  f.messaging().WaitForRoster(world.school_id);
  const msg::Chat chat =
      f.messaging().WaitForChat(world.teacher, msg::CHAT_KIND_CLASS_STUDENTS, world.class_id);
  msg::SendMessageRequest send;
  send.set_chat_id(chat.id());
  send.set_request_id("photo-" + version_id);
  send.mutable_text()->set_body("Фото с экскурсии");
  send.add_attachment_ids(version_id);
  msg::Message sent;
  REQUIRE_RPC_OK(
      f.messaging().Call(&msg::MessagingService::Stub::SendMessage, world.teacher, send, &sent));
}

TEST_CASE("A photo's thumbnail reaches the chat after its clean verdict without its GPS position",
          "[content][api][previews]") {
  parta::testing::PrivateClamd clamd;
  PARTA_CONTENT_FIXTURE(f, [&](ContentConfig& config) {
    config.content.scanning = true;
    config.clamd_address = clamd.address();
  });
  SchoolWorld world = f.directory().BuildSchool();
  SchoolWorld elsewhere = f.directory().BuildSchool("Школа № 12");
  // While clamd is down the photo waits: no renditions are made of unscanned bytes.
  clamd.Kill();
  const std::string photo = testing::PhonePhoto(2400, 1200, 6);
  const v1::Item item = f.Upload(world.teacher, "Экскурсия.jpg", photo);
  const std::string version = item.current_version().id();
  REQUIRE(item.current_version().scan_state() == v1::SCAN_STATE_PENDING);
  AttachInClass(f, world, version);
  v1::OpenDownloadResponse opened;
  CHECK_RPC_ERROR(OpenRendition(f, world.teacher, version, v1::RENDITION_KIND_THUMBNAIL, &opened),
                  NOT_FOUND, "RENDITION_NOT_READY");
  CHECK_RPC_ERROR(OpenRendition(f, world.student, version, v1::RENDITION_KIND_THUMBNAIL, &opened),
                  FAILED_PRECONDITION, "VERSION_NOT_SCANNED");
  CHECK(GetItem(f, world.teacher, item.id()).current_version().renditions_size() == 0);

  clamd.Start();
  const v1::Version scanned = WaitForRenditions(f, world.teacher, item.id()).current_version();
  CHECK(scanned.scan_state() == v1::SCAN_STATE_CLEAN);
  const v1::Rendition& thumbnail = RenditionOf(scanned, v1::RENDITION_KIND_THUMBNAIL);
  const v1::Rendition& preview = RenditionOf(scanned, v1::RENDITION_KIND_PREVIEW);
  // Upright: the camera was turned, the picture is tall.
  CHECK(thumbnail.width() == 160);
  CHECK(thumbnail.height() == 320);
  CHECK(preview.width() == 640);
  CHECK(preview.height() == 1280);
  CHECK(thumbnail.media_type() == "image/jpeg");
  CHECK(thumbnail.file_name() == "Экскурсия.thumbnail.jpg");
  CHECK(preview.file_name() == "Экскурсия.preview.jpg");

  // A pupil of the chat reads the thumbnail: re-encoded pixels, no EXIF, no position.
  REQUIRE_RPC_OK(OpenRendition(f, world.student, version, v1::RENDITION_KIND_THUMBNAIL, &opened));
  CHECK(opened.inline_safe());
  CHECK(opened.rendition().sha256() == thumbnail.sha256());
  CHECK(opened.rendition().size() == thumbnail.size());
  CHECK(opened.version().id() == version);
  const std::string bytes =
      DownloadRendition(f, world.student, version, v1::RENDITION_KIND_THUMBNAIL);
  CHECK(static_cast<int64_t>(bytes.size()) == thumbnail.size());
  CHECK(testing::MetadataFields(bytes).empty());
  CHECK(testing::MetadataFields(
            DownloadRendition(f, world.student, version, v1::RENDITION_KIND_PREVIEW))
            .empty());
  // The file itself is the uploader's, as uploaded.
  CHECK(f.Download(world.student, version) == photo);

  // Access is the version's: the parent is not in the chat, the other school in nothing.
  CHECK_RPC_ERROR(OpenRendition(f, world.parent, version, v1::RENDITION_KIND_THUMBNAIL, &opened),
                  NOT_FOUND, "VERSION_NOT_FOUND");
  CHECK_RPC_ERROR(OpenRendition(f, elsewhere.student, version, v1::RENDITION_KIND_PREVIEW, &opened),
                  NOT_FOUND, "VERSION_NOT_FOUND");
  CHECK_RPC_ERROR(
      OpenRendition(f, world.student, version, static_cast<v1::RenditionKind>(7), &opened),
      INVALID_ARGUMENT, "INVALID_RENDITION");

  // A signed link opens the renditions too, for <img src>.
  v1::CreateDownloadLinkRequest make;
  make.set_version_id(version);
  v1::CreateDownloadLinkResponse link;
  REQUIRE_RPC_OK(f.Call(&Stub::CreateDownloadLink, world.student, make, &link));
  REQUIRE_RPC_OK(OpenRendition(f, "", version, v1::RENDITION_KIND_PREVIEW, &opened, link.link()));
  CHECK(opened.rendition().sha256() == preview.sha256());
}

TEST_CASE("Infected and pending images get no renditions", "[content][api][previews]") {
  parta::testing::PrivateClamd clamd;
  PARTA_CONTENT_FIXTURE(f, [&](ContentConfig& config) {
    config.content.scanning = true;
    config.clamd_address = clamd.address();
  });
  const std::string owner = f.directory().BuildSchool().teacher;
  const std::string clean_photo = testing::PhonePhoto(400, 300, 1);
  const v1::Item clean = f.Upload(owner, "clean.jpg", clean_photo);
  // A JPEG carrying Parta's test signature after its end: still a JPEG, and infected.
  const v1::Item infected = f.Upload(
      owner, "infected.jpg", testing::PhonePhoto(400, 300, 1) + "PARTA-TEST-MALWARE-SIGNATURE");
  REQUIRE(infected.current_version().media_type() == "image/jpeg");
  WaitForRenditions(f, owner, clean.id());
  // The infected verdict before clamd goes: the scanner may judge it after the clean file's
  // renditions are made.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (GetItem(f, owner, infected.id()).current_version().scan_state() !=
         v1::SCAN_STATE_INFECTED) {
    INFO("the infected file was not judged");
    REQUIRE(absl::Now() < deadline);
    absl::SleepFor(absl::Milliseconds(20));  // a poll's pace, not a wait for anything
  }

  clamd.Kill();
  const v1::Item pending = f.Upload(owner, "pending.jpg", testing::PhonePhoto(300, 300, 1));
  REQUIRE(pending.current_version().scan_state() == v1::SCAN_STATE_PENDING);
  // Known bytes are clean at once and get their renditions while the others wait: the maker has
  // run since the infected verdict and the pending upload.
  const v1::Item again = f.Upload(owner, "again.jpg", clean_photo);
  REQUIRE(again.current_version().scan_state() == v1::SCAN_STATE_CLEAN);
  const v1::Version copy = WaitForRenditions(f, owner, again.id()).current_version();
  CHECK(RenditionOf(copy, v1::RENDITION_KIND_THUMBNAIL).sha256() ==
        RenditionOf(GetItem(f, owner, clean.id()).current_version(), v1::RENDITION_KIND_THUMBNAIL)
            .sha256());

  const v1::Version quarantined = GetItem(f, owner, infected.id()).current_version();
  CHECK(quarantined.scan_state() == v1::SCAN_STATE_INFECTED);
  CHECK(quarantined.renditions_size() == 0);
  CHECK(GetItem(f, owner, pending.id()).current_version().renditions_size() == 0);
  v1::OpenDownloadResponse opened;
  CHECK_RPC_ERROR(OpenRendition(f, owner, quarantined.id(), v1::RENDITION_KIND_THUMBNAIL, &opened),
                  FAILED_PRECONDITION, "VERSION_QUARANTINED");
}

TEST_CASE("Renditions share blobs like versions and are removed from disk with their last item",
          "[content][api][previews]") {
  PARTA_CONTENT_FIXTURE(f);
  SchoolWorld world = f.directory().BuildSchool();
  const std::string photo = testing::PhonePhoto(1600, 1200, 1);
  const v1::Item first = f.Upload(world.teacher, "first.jpg", photo);
  const v1::Item second = f.Upload(world.student, "second.jpg", photo);
  const v1::Version a = WaitForRenditions(f, world.teacher, first.id()).current_version();
  const v1::Version b = WaitForRenditions(f, world.student, second.id()).current_version();
  std::vector<std::string> blobs;
  for (v1::RenditionKind kind : {v1::RENDITION_KIND_THUMBNAIL, v1::RENDITION_KIND_PREVIEW}) {
    CHECK(RenditionOf(a, kind).sha256() == RenditionOf(b, kind).sha256());
    blobs.push_back(RenditionOf(a, kind).sha256());
    CHECK(f.BlobStored(blobs.back()));
  }

  v1::DeleteItemRequest remove;
  remove.set_item_id(first.id());
  v1::DeleteItemResponse removed;
  REQUIRE_RPC_OK(f.Call(&Stub::DeleteItem, world.teacher, remove, &removed));
  for (const std::string& sha : blobs) CHECK(f.BlobStored(sha));  // the second still shows them
  CHECK(DownloadRendition(f, world.student, b.id(), v1::RENDITION_KIND_THUMBNAIL).size() ==
        static_cast<size_t>(RenditionOf(b, v1::RENDITION_KIND_THUMBNAIL).size()));

  remove.set_item_id(second.id());
  REQUIRE_RPC_OK(f.Call(&Stub::DeleteItem, world.student, remove, &removed));
  for (const std::string& sha : blobs) CHECK_FALSE(f.BlobStored(sha));
  CHECK_FALSE(f.BlobStored(a.sha256()));
}

TEST_CASE("A PDF gets a preview of its first page, and a damaged image is given up",
          "[content][api][previews]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string owner = f.directory().BuildSchool().teacher;
  const v1::Item pdf =
      f.Upload(owner, "Теорема Пифагора.pdf", testing::SamplePdf("Pythagorean theorem"));
  const v1::Version version = WaitForRenditions(f, owner, pdf.id()).current_version();
  const v1::Rendition& preview = RenditionOf(version, v1::RENDITION_KIND_PREVIEW);
  CHECK(preview.width() == 1280);
  CHECK(preview.file_name() == "Теорема Пифагора.preview.jpg");
  const std::string bytes = DownloadRendition(f, owner, version.id(), v1::RENDITION_KIND_PREVIEW);
  const vips::VImage page = vips::VImage::new_from_buffer(bytes, "");
  CHECK(page.width() == 1280);
  CHECK(page.min() < 100);  // the text is drawn

  // A PNG whose header claims 100,000 × 100,000 pixels: marked failed, never tried again.
  std::string png = testing::TranslucentPng(10, 10);
  for (size_t at : {16, 20}) png.replace(at, 4, std::string("\x00\x01\x86\xa0", 4));
  const v1::Item broken = f.Upload(owner, "broken.png", png);
  REQUIRE(broken.current_version().media_type() == "image/png");
  pqxx::connection db(f.config().pg_uri);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  std::string state;
  while (state != "failed") {
    pqxx::nontransaction tx(db);
    const pqxx::result rows =
        tx.exec_params("SELECT state, attempts FROM rendition_jobs WHERE version_id = $1",
                       broken.current_version().id());
    REQUIRE(rows.size() == 1);
    state = rows[0][0].as<std::string>();
    CHECK(rows[0][1].as<int>() <= 1);
    REQUIRE(absl::Now() < deadline);
    if (state != "failed") absl::SleepFor(absl::Milliseconds(20));
  }
  CHECK(GetItem(f, owner, broken.id()).current_version().renditions_size() == 0);
  v1::OpenDownloadResponse opened;
  CHECK_RPC_ERROR(
      OpenRendition(f, owner, broken.current_version().id(), v1::RENDITION_KIND_THUMBNAIL, &opened),
      NOT_FOUND, "RENDITION_NOT_READY");
}

TEST_CASE("A waiting file is claimed by one instance at a time until its lease ends",
          "[content][api][previews]") {
  // No maker of the service's own: the two stores below are two instances' makers.
  PARTA_CONTENT_FIXTURE(f, [](ContentConfig& config) { config.previews = false; });
  const std::string owner = f.directory().BuildSchool().teacher;
  std::set<std::string> waiting;
  for (int i = 0; i < 6; ++i) {
    const v1::Item item =
        f.Upload(owner, "photo" + std::to_string(i) + ".jpg", testing::PhonePhoto(40 + i, 30, 1));
    REQUIRE(item.current_version().scan_state() == v1::SCAN_STATE_CLEAN);
    waiting.insert(item.current_version().id());
  }
  pg::Pool pool_a({.uri = f.config().pg_uri, .size = 1});
  pg::Pool pool_b({.uri = f.config().pg_uri, .size = 1});
  RenditionStore first(pool_a);
  RenditionStore second(pool_b);
  const absl::Time now = absl::Now();
  const absl::Duration lease = absl::Minutes(5);

  // Both claim at once until nothing is left: each file goes to exactly one of them.
  auto claim_all = [&](RenditionStore& store, std::vector<std::string>& got) {
    while (true) {
      absl::StatusOr<std::optional<RenditionStore::Job>> job = store.Claim(now, lease);
      if (!job.ok() || !job->has_value()) return;
      got.push_back((*job)->version_id);
    }
  };
  std::vector<std::string> by_first;
  std::vector<std::string> by_second;
  std::thread other([&] { claim_all(second, by_second); });
  claim_all(first, by_first);
  other.join();
  std::set<std::string> claimed(by_first.begin(), by_first.end());
  for (const std::string& id : by_second) {
    CHECK(claimed.insert(id).second);  // never claimed by both
  }
  CHECK(by_first.size() + by_second.size() == waiting.size());
  CHECK(claimed == waiting);

  // While the leases last nobody else gets them; once one ends, its file is claimed again.
  absl::StatusOr<std::optional<RenditionStore::Job>> during =
      second.Claim(now + lease - absl::Seconds(1), lease);
  REQUIRE(during.ok());
  CHECK_FALSE(during->has_value());
  absl::StatusOr<std::optional<RenditionStore::Job>> after =
      second.Claim(now + lease + absl::Seconds(1), lease);
  REQUIRE(after.ok());
  REQUIRE(after->has_value());
  CHECK(waiting.contains((*after)->version_id));
  absl::StatusOr<std::optional<RenditionStore::Job>> again =
      first.Claim(now + lease + absl::Seconds(1), lease);
  REQUIRE(again.ok());
  REQUIRE(again->has_value());
  CHECK((*again)->version_id != (*after)->version_id);
}

}  // namespace
}  // namespace parta::content
