#pragma once

// A real content service beside a real messaging and directory (their fixtures), each with its
// own schema in the test PostgreSQL, on the test Redis, served on 127.0.0.1:0, with a blob store
// in a fresh folder and tokens signed by the directory fixture's test key. Content starts first
// and messaging after it, each knowing the other's address.

#include <functional>
#include <memory>
#include <string>

#include "parta/content/v1/content.grpc.pb.h"
#include "services/content/content_app.h"
#include "services/messaging/tests/messaging_fixture.h"

namespace parta::content::testing {

class ContentFixture {
 public:
  // nullptr when there is no test server. `adjust` changes the config before the start.
  static std::unique_ptr<ContentFixture> Start(
      const std::function<void(ContentConfig&)>& adjust = nullptr);
  ~ContentFixture();

  // Stops the content service and starts a new one with the same config and folder, as a
  // restarted process (on another port; the stub follows).
  void RestartContent();

  messaging::testing::MessagingFixture& messaging() { return *messaging_; }
  directory::testing::DirectoryFixture& directory() { return messaging_->directory(); }
  v1::ContentService::Stub& stub() { return *stub_; }
  const ContentConfig& config() const { return config_; }
  FakeClock& clock() { return messaging_->clock(); }
  int port() const { return app_->grpc_port(); }
  std::string Token(const std::string& user_id) const { return messaging_->Token(user_id); }

  template <typename Request, typename Response>
  ::grpc::Status Call(::grpc::Status (v1::ContentService::Stub::*method)(::grpc::ClientContext*,
                                                                         const Request&, Response*),
                      const std::string& user_id, const Request& request, Response* response) {
    // An empty user calls without a token.
    auto context = directory::testing::DirectoryFixture::Context(user_id.empty() ? std::string()
                                                                                 : Token(user_id));
    return ((*stub_).*method)(context.get(), request, response);
  }

  // Uploads `bytes` as `file_name` into the user's files in pieces of `piece` bytes; fails the
  // test on an error. The item it made.
  v1::Item Upload(const std::string& user_id, const std::string& file_name,
                  const std::string& bytes, const std::string& declared_type = "",
                  size_t piece = 64 * 1024);
  // The whole content of a version as `user_id` reads it (OpenDownload, then ReadContent).
  std::string Download(const std::string& user_id, const std::string& version_id);
  // Whether the blob of `sha256` is in the store (the folder, or the object store's bucket).
  bool BlobStored(const std::string& sha256) const;
  // Whether the staging file of an upload is in the store's folder, and where it would be.
  bool Staged(const std::string& upload_id) const;
  std::string StagedPath(const std::string& upload_id) const;

 private:
  ContentFixture() = default;
  void StartApp();

  std::unique_ptr<messaging::testing::MessagingFixture> messaging_;  // outlives the app
  std::unique_ptr<parta::testing::TestSchema> schema_;
  ContentConfig config_;
  std::unique_ptr<ContentApp> app_;
  std::unique_ptr<v1::ContentService::Stub> stub_;
};

}  // namespace parta::content::testing

// `var` names the fixture (a reference); the test returns when there is no test server.
#define PARTA_CONTENT_FIXTURE(var, ...)                                             \
  auto var##_owned = ::parta::content::testing::ContentFixture::Start(__VA_ARGS__); \
  if (!var##_owned) return;                                                         \
  ::parta::content::testing::ContentFixture& var = *var##_owned
