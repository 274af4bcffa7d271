#include "services/content/tests/content_fixture.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "libs/core/random.h"
#include "libs/grpc/client.h"
#include "libs/testing/fixtures.h"

namespace parta::content::testing {

std::unique_ptr<ContentFixture> ContentFixture::Start(
    const std::function<void(ContentConfig&)>& adjust) {
  auto messaging = messaging::testing::MessagingFixture::Start(/*start_messaging=*/false);
  if (!messaging) return nullptr;
  auto schema = parta::testing::TestSchema::Create();
  if (!schema) return nullptr;
  std::unique_ptr<ContentFixture> fixture(new ContentFixture());
  ContentConfig& config = fixture->config_;
  config.pg_uri = schema->uri();
  config.pg_pool_size = 6;
  config.redis_uri = messaging->config().redis_uri;
  config.identity_address = "127.0.0.1:1";  // keys come from the fixture
  config.directory_address =
      "127.0.0.1:" + std::to_string(messaging->directory().app().grpc_port());
  config.grpc_listen = "127.0.0.1:0";
  config.metrics_listen.clear();
  config.migrations_dir = DefaultMigrationsDir();
  config.worker_threads = 4;
  config.revocation_cache_ttl = absl::ZeroDuration();
  config.sweep_interval = absl::Milliseconds(50);
  config.signing_key = std::string(32, 's') + schema->name();
  config.store_root =
      (std::filesystem::temp_directory_path() / ("parta-content-" + schema->name())).string();
  std::filesystem::remove_all(config.store_root);
  if (adjust) adjust(config);
  absl::Status migrated = MigrateContent(config.pg_uri, config.migrations_dir);
  INFO(migrated.ToString());
  REQUIRE(migrated.ok());
  fixture->schema_ = std::move(schema);
  fixture->messaging_ = std::move(messaging);
  fixture->StartApp();
  fixture->messaging_->SetContentAddress("127.0.0.1:" + std::to_string(fixture->port()));
  fixture->messaging_->StartMessaging();
  return fixture;
}

void ContentFixture::StartApp() {
  directory::testing::DirectoryFixture* directory = &messaging_->directory();
  messaging::testing::MessagingFixture* messaging = messaging_.get();
  absl::StatusOr<std::unique_ptr<ContentApp>> app =
      ContentApp::Start(config_, messaging_->clock(), directory->tokens().KeySource(),
                        [messaging] { return "127.0.0.1:" + std::to_string(messaging->port()); });
  INFO(app.status().ToString());
  REQUIRE(app.ok());
  app_ = *std::move(app);
  stub_ = v1::ContentService::NewStub(
      grpc::MakeChannel("127.0.0.1:" + std::to_string(app_->grpc_port())));
}

void ContentFixture::RestartContent() {
  app_->Shutdown(absl::ZeroDuration());
  app_.reset();
  StartApp();
}

ContentFixture::~ContentFixture() {
  if (app_) app_->Shutdown(absl::ZeroDuration());
  if (messaging_) messaging_->StopMessaging();
  std::error_code ignored;
  std::filesystem::remove_all(config_.store_root, ignored);
}

v1::Item ContentFixture::Upload(const std::string& user_id, const std::string& file_name,
                                const std::string& bytes, const std::string& declared_type,
                                size_t piece) {
  v1::CreateUploadRequest create;
  create.set_request_id("upload-" + NewRequestId(absl::Now()));
  create.set_file_name(file_name);
  create.set_size(static_cast<int64_t>(bytes.size()));
  create.set_declared_media_type(declared_type);
  v1::CreateUploadResponse created;
  ::grpc::Status status = Call(&v1::ContentService::Stub::CreateUpload, user_id, create, &created);
  INFO(status.error_message());
  REQUIRE(status.ok());
  v1::Upload upload = created.upload();
  for (size_t at = 0; at < bytes.size(); at += piece) {
    v1::AppendUploadRequest append;
    append.set_upload_id(upload.id());
    append.set_offset(static_cast<int64_t>(at));
    append.set_data(bytes.substr(at, piece));
    v1::AppendUploadResponse appended;
    status = Call(&v1::ContentService::Stub::AppendUpload, user_id, append, &appended);
    INFO(status.error_message());
    REQUIRE(status.ok());
    upload = appended.upload();
  }
  REQUIRE(upload.has_item());
  return upload.item();
}

std::string ContentFixture::Download(const std::string& user_id, const std::string& version_id) {
  v1::OpenDownloadRequest open;
  open.set_version_id(version_id);
  v1::OpenDownloadResponse opened;
  ::grpc::Status status = Call(&v1::ContentService::Stub::OpenDownload, user_id, open, &opened);
  INFO(status.error_message());
  REQUIRE(status.ok());
  std::string bytes;
  while (static_cast<int64_t>(bytes.size()) < opened.version().size()) {
    v1::ReadContentRequest read;
    read.set_read_token(opened.read_token());
    read.set_offset(static_cast<int64_t>(bytes.size()));
    read.set_length(1 << 20);
    v1::ReadContentResponse got;
    status = Call(&v1::ContentService::Stub::ReadContent, "", read, &got);
    INFO(status.error_message());
    REQUIRE(status.ok());
    REQUIRE_FALSE(got.data().empty());
    bytes += got.data();
  }
  return bytes;
}

bool ContentFixture::BlobStored(const std::string& sha256) const {
  if (config_.s3) {
    auto store = S3BlobStore::Open(*config_.s3, config_.store_root);
    REQUIRE(store.ok());
    absl::StatusOr<std::string> first = (*store)->Read(sha256, 0, 1);
    INFO(first.status().ToString());
    REQUIRE((first.ok() || absl::IsNotFound(first.status())));
    return first.ok();
  }
  return std::filesystem::exists(std::filesystem::path(config_.store_root) / "blobs" /
                                 sha256.substr(0, 2) / sha256.substr(2, 2) / sha256);
}

bool ContentFixture::Staged(const std::string& upload_id) const {
  return std::filesystem::exists(StagedPath(upload_id));
}

std::string ContentFixture::StagedPath(const std::string& upload_id) const {
  return (std::filesystem::path(config_.store_root) / "staging" / upload_id).string();
}

}  // namespace parta::content::testing
