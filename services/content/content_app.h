#pragma once

// The content service assembled from its parts, in dependency order. main.cc builds it from the
// environment; api and integration tests build it from a config of their own.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "libs/auth/token_verifier.h"
#include "libs/core/clock.h"
#include "libs/core/config.h"
#include "libs/grpc/service_settings.h"
#include "services/content/exports/data_exports.h"
#include "services/content/files/content_settings.h"
#include "services/content/storage/s3_blob_store.h"

namespace parta::content {

// The common settings (grpc::ServiceSettings) and content's own.
struct ContentConfig : grpc::ServiceSettings {
  ContentConfig() {
    grpc_listen = "127.0.0.1:7105";
    metrics_listen = "127.0.0.1:9105";
  }
  // Messaging: which chats' messages carry a version.
  std::string messaging_address;
  // The directory: who may read a school's library and publish in it.
  std::string directory_address;
  // The folder of the file-system blob store; with an object store, of uploads in progress only.
  std::string store_root;
  // The S3-compatible object store that keeps blobs, when set (PARTA_CONTENT_S3_*).
  std::optional<S3Settings> s3;
  // The key that signs read tokens and download links (at least 32 bytes; every instance of a
  // deployment shares it).
  std::string signing_key;
  ContentSettings content;
  // clamd ("unix:/path/clamd.sock" or "host:port"), required while `content.scanning` is on.
  std::string clamd_address;
  // How often versions waiting for a scan are looked for (besides at once after an upload).
  absl::Duration scan_interval = absl::Seconds(5);
  // Whether thumbnails and previews are made of clean images and PDFs, and how often versions
  // waiting for them are looked for (besides at once after an upload and a scan's verdict).
  bool previews = true;
  absl::Duration preview_interval = absl::Seconds(30);
  // How often expired uploads are dropped.
  absl::Duration sweep_interval = absl::Minutes(1);
  // Content's API client at identity (`create-service-client content`), which follows
  // identity's account events (`identity_events_key`) to erase people's files; empty: erasures
  // do not reach content (a warning at start).
  std::string identity_client_id;
  std::string identity_client_secret;
  std::string identity_events_key = "parta:events:identity";
  // People's data exports (built in `<store_root>/exports`, at most PARTA_MAX_FILE_BYTES), and
  // how often exports waiting to be built and archives past their lifetime are looked for
  // (besides at once when one is asked for).
  ExportSettings exports;
  absl::Duration export_interval = absl::Seconds(30);
};

// Reads PARTA_* variables (documented in the service's README).
absl::StatusOr<ContentConfig> ContentConfigFromEnvironment(Config& env);

class ContentApp {
 public:
  // Connects and serves. `keys` supplies the token signing keys (identity's JWKS when null).
  // `messaging_address`, when given, is asked for messaging's address on first use instead of
  // the config (tests start messaging after content). `clock` must outlive the app.
  static absl::StatusOr<std::unique_ptr<ContentApp>> Start(
      const ContentConfig& config, const Clock& clock,
      std::unique_ptr<auth::KeySource> keys = nullptr,
      std::function<std::string()> messaging_address = nullptr);
  ~ContentApp();

  int grpc_port() const;
  // Graceful drain: calls in flight finish within `grace`, background work stops.
  void Shutdown(absl::Duration grace);

 private:
  struct Parts;
  explicit ContentApp(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// Applies the service's migrations (the `migrate` command). Needs only the database.
absl::Status MigrateContent(const std::string& pg_uri, const std::string& migrations_dir);

// Where the migrations are when PARTA_MIGRATIONS_DIR is not set (the source tree's folder).
std::string DefaultMigrationsDir();

}  // namespace parta::content
