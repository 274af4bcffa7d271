#pragma once

// Content's Postgres for renditions (migrations/0003_previews.sql): the queue of clean images and
// PDFs that want them, the renditions made, and what failed. A rendition's bytes are a blob
// like a version's: its row refers to the blob's row, so ContentStore::RemoveBlobIfUnused keeps
// a blob while a rendition refers to it.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/pg/pool.h"
#include "parta/content/v1/content.pb.h"
#include "services/content/store/rendition_rows.h"

namespace parta::content {

class RenditionStore {
 public:
  explicit RenditionStore(pg::Pool& pool) : pool_(pool) {}

  // A clean version waiting for its renditions.
  struct Job {
    std::string version_id;
    std::string sha256;
    std::string media_type;
    int64_t size = 0;
  };
  // Claims the oldest waiting clean version that no instance holds (none claimed it, or its
  // claim ended by `now`) until `now + lease`, or nullopt when there is none. Instances sharing
  // the database never hold one job at once: while a claim lasts, only its holder renders the
  // version. The lease must outlast a rendering (its time limit, reading and storing); a job
  // claimed and left waiting (a crash, a time limit, a failing store) is claimed again when it
  // ends.
  absl::StatusOr<std::optional<Job>> Claim(absl::Time now, absl::Duration lease);

  // What Begin found.
  enum class Start {
    kRender,   // render it now (an attempt is counted)
    kAdopted,  // a version of the same bytes had its renditions: they are the job's too, done
    kFailed,   // the same bytes failed before, or `max_attempts` attempts ended without an
               // answer: marked failed
    kGone,     // not waiting any more (deleted, or done by another instance)
  };
  // Starts the job of a version: identical bytes are rendered once, and an attempt is counted
  // before rendering, so a file that crashes or hangs the renderer is given up.
  absl::StatusOr<Start> Begin(const std::string& version_id, int max_attempts);

  // Marks a waiting job failed, with the reason (for the operator; never shown to users).
  absl::Status Fail(const std::string& version_id, const std::string& error);

  // A rendition made, its bytes staged in the blob store.
  struct Made {
    v1::RenditionKind kind = v1::RENDITION_KIND_UNSPECIFIED;
    std::string sha256;  // hex
    std::string media_type;
    int width = 0;
    int height = 0;
    int64_t size = 0;
  };
  // Stores the renditions of a waiting job and marks it done, in one transaction: the version's
  // item is share-locked (a deletion of the item waits, then sees the renditions' blobs, or
  // this waits for it and stores nothing), each blob row is made or locked and `promote` puts
  // its file in place under that lock. NOT_FOUND `VERSION_NOT_FOUND` when the version went,
  // nothing when the job is no longer waiting.
  absl::Status Save(const std::string& version_id, const std::vector<Made>& renditions,
                    absl::Time now, const std::function<absl::Status(const Made&)>& promote);

 private:
  pg::Pool& pool_;
};

}  // namespace parta::content
