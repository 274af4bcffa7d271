#include "services/content/content_app.h"

#include <atomic>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "libs/identity_client/account_feed.h"
#include "libs/identity_client/service_token.h"
#include "libs/pg/event_cursor.h"
#include "libs/pg/migrations.h"
#include "libs/service_host/service_host.h"
#include "services/content/access/chat_access.h"
#include "services/content/access/read_access.h"
#include "services/content/access/school_access.h"
#include "services/content/api/content_grpc.h"
#include "services/content/exports/person_data_sources.h"
#include "services/content/domain/grants.h"
#include "services/content/files/articles.h"
#include "services/content/files/downloads.h"
#include "services/content/files/items.h"
#include "services/content/files/library.h"
#include "services/content/files/platform_library.h"
#include "services/content/files/school_spaces.h"
#include "services/content/files/uploads.h"
#include "services/content/previews/preview_maker.h"
#include "services/content/scanning/clamav_client.h"
#include "services/content/scanning/scanner.h"
#include "services/content/storage/file_blob_store.h"
#include "services/content/storage/media_sniffer.h"
#include "services/content/store/content_store.h"
#include "services/content/store/export_store.h"
#include "services/content/store/folder_store.h"
#include "services/content/store/platform_store.h"
#include "services/content/store/rendition_store.h"
#include "services/content/store/school_space_store.h"
#include "services/content/store/sharing_store.h"

#ifndef PARTA_CONTENT_MIGRATIONS_DIR
#error "the build defines PARTA_CONTENT_MIGRATIONS_DIR"
#endif

namespace parta::content {
namespace {

// The smallest signing key: 256 bits.
constexpr size_t kMinKeyBytes = 32;

// The secret in a file, without surrounding white space; at least `min_bytes` of it.
absl::StatusOr<std::string> KeyFromFile(const std::string& path, size_t min_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError("cannot read the key file " + path);
  std::stringstream text;
  text << in.rdbuf();
  std::string key(absl::StripAsciiWhitespace(text.str()));
  if (key.size() < min_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the key file ", path, " holds fewer than ", min_bytes, " bytes"));
  }
  return key;
}

}  // namespace

absl::StatusOr<ContentConfig> ContentConfigFromEnvironment(Config& env) {
  ContentConfig config;
  // Three connections beyond the workers: the sweeps and the account feed.
  const absl::Status common = grpc::ReadServiceSettings(env, DefaultMigrationsDir(), 3, config);
  config.identity_client_id = env.String("PARTA_CONTENT_CLIENT_ID", "");
  config.identity_client_secret = env.String("PARTA_CONTENT_CLIENT_SECRET", "");
  config.identity_events_key = env.String("PARTA_IDENTITY_EVENTS_KEY", config.identity_events_key);
  config.messaging_address = env.RequiredString("PARTA_MESSAGING_ADDR");
  config.directory_address = env.RequiredString("PARTA_DIRECTORY_ADDR");
  config.store_root = env.RequiredString("PARTA_CONTENT_STORE_DIR");
  const std::string key_file = env.RequiredString("PARTA_CONTENT_SIGNING_KEY_FILE");
  ContentSettings& content = config.content;
  content.max_file_bytes =
      env.Int("PARTA_MAX_FILE_BYTES", content.max_file_bytes, 1, int64_t{1} << 40);
  content.user_quota =
      env.Int("PARTA_CONTENT_USER_QUOTA_BYTES", content.user_quota, 0, int64_t{1} << 50);
  content.school_quota =
      env.Int("PARTA_CONTENT_SCHOOL_QUOTA_BYTES", content.school_quota, 0, int64_t{1} << 50);
  content.upload_lifetime = env.Duration("PARTA_CONTENT_UPLOAD_LIFETIME", content.upload_lifetime);
  content.link_lifetime = env.Duration("PARTA_CONTENT_LINK_LIFETIME", content.link_lifetime);
  content.read_token_lifetime =
      env.Duration("PARTA_CONTENT_READ_TOKEN_LIFETIME", content.read_token_lifetime);
  content.scanning = env.Bool("PARTA_CONTENT_SCANNING", true);
  config.clamd_address = env.String("PARTA_CONTENT_CLAMD_ADDR", "");
  // The object store, when one is named; PARTA_CONTENT_STORE_DIR then holds only uploads in
  // progress.
  S3Settings s3;
  std::string s3_secret_file;
  s3.endpoint = env.String("PARTA_CONTENT_S3_ENDPOINT", "");
  if (!s3.endpoint.empty()) {
    s3.bucket = env.RequiredString("PARTA_CONTENT_S3_BUCKET");
    s3.prefix = env.String("PARTA_CONTENT_S3_PREFIX", "");
    s3.credentials.region = env.String("PARTA_CONTENT_S3_REGION", s3.credentials.region);
    s3.credentials.access_key_id = env.RequiredString("PARTA_CONTENT_S3_ACCESS_KEY_ID");
    s3_secret_file = env.RequiredString("PARTA_CONTENT_S3_SECRET_KEY_FILE");
  }
  config.scan_interval = env.Duration("PARTA_CONTENT_SCAN_INTERVAL", config.scan_interval);
  config.previews = env.Bool("PARTA_CONTENT_PREVIEWS", config.previews);
  config.preview_interval = env.Duration("PARTA_CONTENT_PREVIEW_INTERVAL", config.preview_interval);
  config.exports.lifetime = env.Duration("PARTA_CONTENT_EXPORT_LIFETIME", config.exports.lifetime);
  config.export_interval = env.Duration("PARTA_CONTENT_EXPORT_INTERVAL", config.export_interval);
  RETURN_IF_ERROR(env.Validate());
  RETURN_IF_ERROR(common);
  config.exports.work_dir = config.store_root + "/exports";
  config.exports.max_bytes = content.max_file_bytes;
  ASSIGN_OR_RETURN(config.signing_key, KeyFromFile(key_file, kMinKeyBytes));
  if (!s3.endpoint.empty()) {
    ASSIGN_OR_RETURN(s3.credentials.secret_access_key, KeyFromFile(s3_secret_file, 1));
    config.s3 = std::move(s3);
  }
  if (content.scanning && config.clamd_address.empty()) {
    return absl::InvalidArgumentError(
        "invalid configuration: PARTA_CONTENT_CLAMD_ADDR is required while scanning is on "
        "(PARTA_CONTENT_SCANNING=false serves files unscanned)");
  }
  return config;
}

struct ContentApp::Parts {
  std::unique_ptr<auth::KeySource> keys;  // given by tests; otherwise the host asks identity
  std::unique_ptr<ServiceHost> host;      // before the service's parts: destroyed after them
  std::unique_ptr<BlobStore> blobs;
  std::unique_ptr<MediaSniffer> sniffer;
  std::unique_ptr<GrantSigner> signer;
  std::unique_ptr<ContentStore> store;
  std::unique_ptr<FolderStore> folders;
  std::unique_ptr<PlatformStore> platform_store;
  std::unique_ptr<SchoolSpaceStore> space_store;
  std::unique_ptr<MessagingChatAccess> chats;
  std::unique_ptr<DirectorySchoolAccess> schools;
  std::unique_ptr<SharingStore> sharing;
  std::unique_ptr<ReadAccess> access;
  std::unique_ptr<Library> library;
  std::unique_ptr<PlatformLibrary> platform;
  std::unique_ptr<SchoolSpaces> spaces;
  std::unique_ptr<Uploads> uploads;
  std::unique_ptr<Items> items;
  std::unique_ptr<ArticleStore> article_store;
  std::unique_ptr<Articles> articles;
  std::unique_ptr<Downloads> downloads;
  std::unique_ptr<ExportStore> export_store;
  std::unique_ptr<PersonDataSources> person_data;
  std::unique_ptr<DataExports> exports;
  std::atomic<PeriodicTask*> export_task = nullptr;
  std::unique_ptr<ClamAvClient> clamav;
  std::unique_ptr<Scanner> scanner;
  std::unique_ptr<ContentGrpcService> service;
  PeriodicTask* scan_task = nullptr;
  std::unique_ptr<RenditionStore> renditions;
  std::unique_ptr<PreviewMaker> previews;
  // Set once the task exists; read by its own runs (a full batch wakes it again) and by others.
  std::atomic<PeriodicTask*> preview_task = nullptr;
  std::unique_ptr<identity_client::ServiceTokenSource> service_tokens;
  std::unique_ptr<identity_client::AccountFeed> account_feed;  // stopped before the rest goes
};

std::string DefaultMigrationsDir() { return PARTA_CONTENT_MIGRATIONS_DIR; }

absl::Status MigrateContent(const std::string& pg_uri, const std::string& migrations_dir) {
  return pg::MigrateDatabase(pg_uri, migrations_dir);
}

absl::StatusOr<std::unique_ptr<ContentApp>> ContentApp::Start(
    const ContentConfig& config, const Clock& clock, std::unique_ptr<auth::KeySource> keys,
    std::function<std::string()> messaging_address) {
  if (config.signing_key.size() < kMinKeyBytes) {
    return absl::InvalidArgumentError("the content signing key has fewer than 32 bytes");
  }
  auto parts = std::make_unique<Parts>();
  parts->keys = std::move(keys);
  if (config.s3) {
    ASSIGN_OR_RETURN(parts->blobs, S3BlobStore::Open(*config.s3, config.store_root));
  } else {
    ASSIGN_OR_RETURN(parts->blobs, FileBlobStore::Open(config.store_root));
  }
  ASSIGN_OR_RETURN(parts->sniffer, MediaSniffer::Open());
  ASSIGN_OR_RETURN(
      parts->host,
      ServiceHost::Start(config, clock,
                         {.name = "content", .services = {"parta.content.v1.ContentService"}}));
  ServiceHost& host = *parts->host;
  if (!messaging_address) {
    messaging_address = [address = config.messaging_address] { return address; };
  }
  parts->signer = std::make_unique<GrantSigner>(config.signing_key);
  parts->store = std::make_unique<ContentStore>(host.pool());
  parts->folders = std::make_unique<FolderStore>(host.pool());
  parts->platform_store = std::make_unique<PlatformStore>(host.pool());
  parts->space_store = std::make_unique<SchoolSpaceStore>(host.pool());
  parts->sharing = std::make_unique<SharingStore>(host.pool());
  parts->chats = std::make_unique<MessagingChatAccess>(messaging_address);
  Parts* p = parts.get();
  parts->uploads = std::make_unique<Uploads>(*parts->store, *parts->blobs, *parts->sniffer, clock,
                                             host.ids(), config.content, [p] {
                                               if (p->scan_task) p->scan_task->Wake();
                                               // Clean at once when scanning is off, or when
                                               // the bytes were judged before.
                                               if (PeriodicTask* t = p->preview_task) t->Wake();
                                             });
  parts->schools = std::make_unique<DirectorySchoolAccess>(config.directory_address);
  parts->access = std::make_unique<ReadAccess>(*parts->sharing, *parts->schools, *parts->chats);
  parts->items = std::make_unique<Items>(*parts->store, *parts->folders, *parts->blobs,
                                         *parts->access, clock, host.ids());
  parts->library = std::make_unique<Library>(
      *parts->store, *parts->folders, *parts->space_store, *parts->schools, clock,
      Quotas{.user = config.content.user_quota, .school = config.content.school_quota});
  parts->platform =
      std::make_unique<PlatformLibrary>(*parts->store, *parts->platform_store, clock, host.ids());
  parts->spaces = std::make_unique<SchoolSpaces>(*parts->space_store, *parts->schools, clock);
  parts->downloads = std::make_unique<Downloads>(*parts->store, *parts->blobs, *parts->access,
                                                 *parts->signer, clock, config.content);

  parts->export_store = std::make_unique<ExportStore>(host.pool());
  parts->person_data = std::make_unique<GrpcPersonDataSources>(
      host.identity_channel(), config.directory_address, messaging_address,
      [p]() -> absl::StatusOr<std::string> {
        if (!p->service_tokens) {
          return FailedPrecondition("IDENTITY_CLIENT_NOT_CONFIGURED",
                                    "PARTA_CONTENT_CLIENT_ID is not set: exports cannot be built");
        }
        return p->service_tokens->Token();
      });
  parts->exports = std::make_unique<DataExports>(
      *parts->export_store, *parts->store, *parts->blobs, *parts->items, *parts->uploads,
      *parts->schools, *parts->person_data, host.redis(), clock, host.ids(), config.exports,
      [p] {
        if (PeriodicTask* task = p->export_task) task->Wake();
      });

  host.CheckTokens(parts->keys.get(), nullptr, host.TokenOptions());
  parts->article_store = std::make_unique<ArticleStore>(host.pool());
  parts->articles = std::make_unique<Articles>(*parts->store, *parts->article_store, clock,
                                               host.ids(), config.content.user_quota);
  parts->service = std::make_unique<ContentGrpcService>(
      *parts->uploads, *parts->items, *parts->articles, *parts->library, *parts->platform,
      *parts->spaces, *parts->downloads, *parts->exports, host.runtime());
  Uploads* uploads = parts->uploads.get();
  host.Every("expired-uploads", config.sweep_interval, [uploads] {
    if (absl::StatusOr<int> dropped = uploads->DropExpired(); !dropped.ok()) {
      log::Warning("expired uploads not dropped").With("error", dropped.status().ToString());
    }
  });

  DataExports* exports = parts->exports.get();
  parts->export_task = &host.Every("data-exports", config.export_interval, [exports] {
    if (absl::StatusOr<int> built = exports->BuildWaiting(); !built.ok()) {
      log::Warning("data exports wait").With("error", built.status().ToString());
    }
    if (absl::StatusOr<int> expired = exports->ExpireDue(); !expired.ok()) {
      log::Warning("expired data exports not deleted")
          .With("error", expired.status().ToString());
    }
  });

  if (config.previews) {
    RETURN_IF_ERROR(StartVips());
    parts->renditions = std::make_unique<RenditionStore>(host.pool());
    parts->previews = std::make_unique<PreviewMaker>(*parts->renditions, *parts->blobs, clock);
    PreviewMaker* maker = parts->previews.get();
    parts->preview_task = &host.Every("previews", config.preview_interval, [p, maker] {
      absl::StatusOr<PreviewMaker::Round> round = maker->MakeWaiting();
      if (!round.ok()) {
        log::Warning("files wait for their previews").With("error", round.status().ToString());
        return;
      }
      if (round->failed > 0) {
        log::Info("files got no previews (see rendition_jobs)").With("files", round->failed);
      }
      if (PeriodicTask* self = p->preview_task; round->more && self != nullptr) self->Wake();
    });
  }

  if (config.content.scanning) {
    if (config.clamd_address.empty()) {
      return absl::InvalidArgumentError("scanning is on but no clamd address is set");
    }
    parts->clamav = std::make_unique<ClamAvClient>(config.clamd_address);
    parts->scanner = std::make_unique<Scanner>(*parts->store, *parts->blobs, *parts->clamav,
                                               host.redis(), clock, host.ids());
    Scanner* scanner = parts->scanner.get();
    parts->scan_task = &host.Every("virus-scan", config.scan_interval, [scanner, p] {
      if (absl::StatusOr<int> scanned = scanner->ScanPending(); !scanned.ok()) {
        log::Warning("versions wait for their scan").With("error", scanned.status().ToString());
      } else if (PeriodicTask* previews = p->preview_task; *scanned > 0 && previews != nullptr) {
        previews->Wake();  // clean files want their renditions
      }
    });
  }

  if (!config.identity_client_id.empty()) {
    parts->service_tokens = std::make_unique<identity_client::ServiceTokenSource>(
        host.identity_channel(), config.identity_client_id, config.identity_client_secret, clock);
    identity_client::ServiceTokenSource* tokens = parts->service_tokens.get();
    Items* items = parts->items.get();
    parts->account_feed = std::make_unique<identity_client::AccountFeed>(
        host.redis(), config.identity_events_key, host.identity_channel(),
        [tokens] { return tokens->Token(); },
        [items, exports](int64_t sequence, const identity::v1::AccountEvent& event)
            -> absl::Status {
          if (!event.has_erased()) return absl::OkStatus();
          RETURN_IF_ERROR(exports->ForgetPerson(event.account_id()));
          return items->EraseOwner(identity_client::kAccountsCursor, sequence,
                                   event.account_id());
        });
    ASSIGN_OR_RETURN(int64_t cursor,
                     pg::ReadCursor(host.pool(), identity_client::kAccountsCursor));
    parts->account_feed->Start(cursor);
    identity_client::AccountFeed* feed = parts->account_feed.get();
    host.OnShutdown([feed] { feed->Stop(); });
  } else {
    log::Warning("PARTA_CONTENT_CLIENT_ID is not set: people's erasures do not reach content");
  }

  if (absl::Status served = host.Serve({parts->service.get()}); !served.ok()) {
    host.Shutdown(absl::ZeroDuration());
    return served;
  }
  return std::unique_ptr<ContentApp>(new ContentApp(std::move(parts)));
}

ContentApp::ContentApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

ContentApp::~ContentApp() { Shutdown(absl::ZeroDuration()); }

int ContentApp::grpc_port() const { return parts_->host->grpc_port(); }

void ContentApp::Shutdown(absl::Duration grace) { parts_->host->Shutdown(grace); }

}  // namespace parta::content
