#pragma once

// People's data exports (152-FZ art. 14): asked for by the person or his confirmed parent,
// built in the background from every service's part and the person's own files into one ZIP,
// stored as a file of the one who asked (read like any of his files), announced on his channel,
// and deleted when their lifetime ends.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "libs/redis/client.h"
#include "parta/content/v1/content.pb.h"
#include "services/content/access/read_access.h"
#include "services/content/access/school_access.h"
#include "services/content/exports/person_data_sources.h"
#include "services/content/exports/zip_archive.h"
#include "services/content/files/items.h"
#include "services/content/files/uploads.h"
#include "services/content/storage/blob_store.h"
#include "services/content/store/content_store.h"
#include "services/content/store/export_store.h"

namespace parta::content {

struct ExportSettings {
  // How long a built archive is kept (PARTA_CONTENT_EXPORT_LIFETIME).
  absl::Duration lifetime = absl::Hours(24 * 7);
  // How long a builder holds an export before another may take it over.
  absl::Duration lease = absl::Minutes(10);
  // Tries before an export whose sources do not answer is given up as failed.
  int max_attempts = 5;
  // Where archives are put together (a folder of their own per export).
  std::string work_dir;
  // The largest archive: an upload's limit (PARTA_MAX_FILE_BYTES).
  int64_t max_bytes = int64_t{2} << 30;
};

class DataExports {
 public:
  DataExports(ExportStore& exports, ContentStore& store, BlobStore& blobs, Items& items,
              Uploads& uploads, SchoolAccess& schools, PersonDataSources& sources,
              redis::Pool& redis, const Clock& clock, IdGenerator& ids, ExportSettings settings,
              std::function<void()> asked)
      : exports_(exports),
        store_(store),
        blobs_(blobs),
        items_(items),
        uploads_(uploads),
        schools_(schools),
        sources_(sources),
        redis_(redis),
        clock_(clock),
        ids_(ids),
        settings_(std::move(settings)),
        asked_(std::move(asked)) {}

  // A new export (or the one in the making) of the caller's data, or of his child's when he is
  // the child's confirmed parent in `school_id`: INVALID_PERSON_ID, SCHOOL_REQUIRED,
  // INVALID_SCHOOL_ID, NOT_CHILDS_PARENT, DIRECTORY_UNAVAILABLE.
  absl::StatusOr<v1::DataExport> Request(const Reader& caller,
                                         const v1::RequestDataExportRequest& req);
  // EXPORT_NOT_FOUND unless the caller asked for it.
  absl::StatusOr<v1::DataExport> Get(const std::string& caller, const std::string& export_id);
  absl::StatusOr<v1::ListDataExportsResponse> List(const std::string& caller,
                                                   const v1::ListDataExportsRequest& req);

  // Builds the exports waiting, one after another; how many were finished (built or failed).
  absl::StatusOr<int> BuildWaiting();
  // Deletes the archives whose lifetime ended; how many.
  absl::StatusOr<int> ExpireDue();
  // A person's erasure: archives of his data go, whoever holds them (a parent's copy of his
  // child's data too), and every export of him or by him is forgotten. Idempotent.
  absl::Status ForgetPerson(const std::string& person_id);

 private:
  // Builds one export: the archive becomes a file of the one who asked.
  absl::Status Build(const v1::DataExport& row, int attempt);
  // The person's own items into `zip`: their list as JSON and each newest version's bytes
  // (copied into `dir` first), archives of earlier exports left out.
  absl::Status AddOwnFiles(const std::string& person_id, const std::string& dir,
                           ZipArchive& zip);
  // Uploads the archive at `path` as a new item of `row.requested_by`.
  absl::StatusOr<v1::Item> StoreArchive(const v1::DataExport& row, int attempt,
                                        const std::string& path, int64_t size);
  // Deletes an export's archive from its holder's files.
  absl::Status DeleteArchive(const v1::DataExport& row);
  // Tells the one who asked that the export is done (best effort: the row says it anyway).
  void Announce(const v1::DataExport& row, bool ready, const std::string& version_id,
                absl::Time expires_at);

  ExportStore& exports_;
  ContentStore& store_;
  BlobStore& blobs_;
  Items& items_;
  Uploads& uploads_;
  SchoolAccess& schools_;
  PersonDataSources& sources_;
  redis::Pool& redis_;
  const Clock& clock_;
  IdGenerator& ids_;
  const ExportSettings settings_;
  const std::function<void()> asked_;
};

}  // namespace parta::content
