// Virus scanning with a real clamd (libs/testing/clamav_server.h, deploy/clamav's signatures):
// nothing reaches anyone but its uploader before its scan, infected files reach nobody, the
// uploader is told, and a scanner that is down makes files wait, never pass.

#include <catch2/catch.hpp>

#include "absl/synchronization/mutex.h"
#include "libs/realtime/channels.h"
#include "libs/redis/subscriber.h"
#include "libs/testing/clamav_server.h"
#include "services/content/tests/content_fixture.h"

namespace parta::content {
namespace {

using directory::testing::ReasonOf;
using directory::testing::SchoolWorld;
using testing::ContentFixture;
using Stub = v1::ContentService::Stub;
namespace msg = messaging::v1;

// The FileScanned events published on one person's channel.
class ScanNotices {
 public:
  ScanNotices(const std::string& redis_uri, const std::string& user_id) {
    absl::StatusOr<redis::Endpoint> endpoint = redis::Endpoint::Parse(redis_uri);
    REQUIRE(endpoint.ok());
    subscriber_ = std::make_unique<redis::Subscriber>(
        *endpoint, std::vector<std::string>{realtime::UserChannel(user_id)},
        redis::Subscriber::Callbacks{.on_message =
                                         [this](const std::string&, const std::string& message) {
                                           events::v1::Envelope envelope;
                                           if (!envelope.ParseFromString(message) ||
                                               !envelope.event().has_file_scanned()) {
                                             return;
                                           }
                                           absl::MutexLock lock(&mu_);
                                           notices_.push_back(envelope.event().file_scanned());
                                         },
                                     .on_subscribed =
                                         [this](bool) {
                                           absl::MutexLock lock(&mu_);
                                           subscribed_ = true;
                                         }});
    absl::MutexLock lock(&mu_);
    REQUIRE(mu_.AwaitWithTimeout(absl::Condition(&subscribed_), absl::Seconds(10)));
  }
  ~ScanNotices() { subscriber_->Stop(); }

  // The notice about `version_id`; fails the test after 20 s.
  events::v1::FileScanned Take(const std::string& version_id) {
    absl::MutexLock lock(&mu_);
    auto arrived = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      for (const auto& notice : notices_) {
        if (notice.version_id() == version_id) return true;
      }
      return false;
    };
    REQUIRE(mu_.AwaitWithTimeout(absl::Condition(&arrived), absl::Seconds(20)));
    for (const auto& notice : notices_) {
      if (notice.version_id() == version_id) return notice;
    }
    return {};
  }

 private:
  absl::Mutex mu_;
  bool subscribed_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<events::v1::FileScanned> notices_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<redis::Subscriber> subscriber_;
};

::grpc::Status Open(ContentFixture& f, const std::string& user, const std::string& version_id) {
  v1::OpenDownloadRequest open;
  open.set_version_id(version_id);
  v1::OpenDownloadResponse opened;
  return f.Call(&Stub::OpenDownload, user, open, &opened);
}

v1::ScanState StateOf(ContentFixture& f, const std::string& owner, const std::string& item_id) {
  v1::GetItemRequest get;
  get.set_item_id(item_id);
  v1::GetItemResponse got;
  REQUIRE_RPC_OK(f.Call(&Stub::GetItem, owner, get, &got));
  return got.item().current_version().scan_state();
}

// A class with its pupils' chat, the teacher's file attached in it.
struct SharedFile {
  SchoolWorld world;
  v1::Item item;
};

SharedFile ShareInClass(ContentFixture& f, const std::string& name, const std::string& bytes) {
  SharedFile shared;
  shared.world = f.directory().BuildSchool();
  f.messaging().WaitForRoster(shared.world.school_id);
  const msg::Chat chat = f.messaging().WaitForChat(
      shared.world.teacher, msg::CHAT_KIND_CLASS_STUDENTS, shared.world.class_id);
  shared.item = f.Upload(shared.world.teacher, name, bytes);
  msg::SendMessageRequest send;
  send.set_chat_id(chat.id());
  send.set_request_id("share-1");
  send.mutable_text()->set_body("Файл к уроку");
  send.add_attachment_ids(shared.item.current_version().id());
  msg::Message sent;
  REQUIRE_RPC_OK(f.messaging().Call(&msg::MessagingService::Stub::SendMessage, shared.world.teacher,
                                    send, &sent));
  return shared;
}

TEST_CASE("The EICAR file is quarantined: served to nobody, and its uploader is told",
          "[content][api][scan]") {
  parta::testing::PrivateClamd clamd;
  PARTA_CONTENT_FIXTURE(f, [&](ContentConfig& config) {
    config.content.scanning = true;
    config.clamd_address = clamd.address();
  });
  SchoolWorld world = f.directory().BuildSchool();
  ScanNotices notices(f.config().redis_uri, world.teacher);
  const v1::Item item = f.Upload(world.teacher, "eicar.com.txt", parta::testing::EicarTestFile());
  const std::string version = item.current_version().id();

  const events::v1::FileScanned notice = notices.Take(version);
  CHECK(notice.infected());
  CHECK(notice.item_id() == item.id());
  CHECK(notice.file_name() == "eicar.com.txt");
  CHECK(notice.signature() == "Parta.Test.EICAR.UNOFFICIAL");
  CHECK(StateOf(f, world.teacher, item.id()) == v1::SCAN_STATE_INFECTED);
  CHECK_RPC_ERROR(Open(f, world.teacher, version), FAILED_PRECONDITION, "VERSION_QUARANTINED");

  // It cannot be attached, and the same bytes uploaded again are known at once.
  const msg::Chat chat =
      f.messaging().WaitForChat(world.teacher, msg::CHAT_KIND_CLASS_STUDENTS, world.class_id);
  msg::SendMessageRequest send;
  send.set_chat_id(chat.id());
  send.set_request_id("virus");
  send.mutable_text()->set_body("!");
  send.add_attachment_ids(version);
  msg::Message sent;
  CHECK_RPC_ERROR(
      f.messaging().Call(&msg::MessagingService::Stub::SendMessage, world.teacher, send, &sent),
      FAILED_PRECONDITION, "VERSION_QUARANTINED");
  const v1::Item again = f.Upload(world.teacher, "again.txt", parta::testing::EicarTestFile());
  CHECK(again.current_version().scan_state() == v1::SCAN_STATE_INFECTED);

  // Parta's own signature, inside other bytes.
  const v1::Item custom =
      f.Upload(world.teacher, "report.txt", "Отчёт\nPARTA-TEST-MALWARE-SIGNATURE\nконец\n");
  CHECK(notices.Take(custom.current_version().id()).signature() == "Parta.Test.Custom.UNOFFICIAL");
}

TEST_CASE("A file reaches a chat's members only after its scan", "[content][api][scan]") {
  parta::testing::PrivateClamd clamd;
  PARTA_CONTENT_FIXTURE(f, [&](ContentConfig& config) {
    config.content.scanning = true;
    config.clamd_address = clamd.address();
  });
  // While clamd is down, the file waits: its uploader has it, the pupils do not.
  clamd.Kill();
  const std::string bytes = "Домашнее задание: №1–5, стр. 42\n";
  SharedFile shared = ShareInClass(f, "задание.txt", bytes);
  const std::string version = shared.item.current_version().id();
  CHECK(shared.item.current_version().scan_state() == v1::SCAN_STATE_PENDING);
  CHECK(f.Download(shared.world.teacher, version) == bytes);
  CHECK_RPC_ERROR(Open(f, shared.world.student, version), FAILED_PRECONDITION,
                  "VERSION_NOT_SCANNED");
  // Not by a link either: links are for clean files.
  v1::CreateDownloadLinkRequest make;
  make.set_version_id(version);
  v1::CreateDownloadLinkResponse link;
  CHECK_RPC_ERROR(f.Call(&Stub::CreateDownloadLink, shared.world.teacher, make, &link),
                  FAILED_PRECONDITION, "VERSION_NOT_SCANNED");

  ScanNotices notices(f.config().redis_uri, shared.world.teacher);
  clamd.Start();
  CHECK_FALSE(notices.Take(version).infected());
  CHECK(f.Download(shared.world.student, version) == bytes);
  REQUIRE_RPC_OK(f.Call(&Stub::CreateDownloadLink, shared.world.teacher, make, &link));
}

}  // namespace
}  // namespace parta::content
