#pragma once

// Makes the renditions of clean images and PDFs in the background: a version is queued when it
// is (or becomes) clean (migrations/0003_previews.sql), and the maker renders its bytes once per
// blob, one file at a time, with bounded memory (files above a size are not read, images above
// a pixel count not decoded) and time, stores each rendition as a blob by its SHA-256 (identical
// renditions share it) and records it. A file that cannot be rendered is marked failed; one
// whose attempts end without an answer (a crash, a time limit) is given up after a few, so
// nothing is tried for ever. Pending and infected files are never queued, never read. Several
// instances may share the queue and the blob folder: each claims a file before rendering it (a
// lease, see RenditionStore::Claim) and stages each attempt under a name of its own.

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/core/clock.h"
#include "services/content/previews/renderers.h"
#include "services/content/storage/blob_store.h"
#include "services/content/store/rendition_store.h"

namespace parta::content {

struct PreviewSettings {
  // Files larger than this are not read into memory to be rendered (marked failed).
  int64_t max_source_bytes = int64_t{64} * 1024 * 1024;
  RenderLimits limits;
  // Attempts that end without an answer before a file is given up.
  int max_attempts = 3;
  // Files rendered by one MakeWaiting call: a shutdown waits for at most one batch.
  int batch = 8;
  // How long a file claimed by one instance is left to it by the others sharing the database:
  // longer than one rendering takes (limits.time_limit, reading and storing), so that two never
  // render it at once; an attempt that ends without an answer is tried again after it.
  absl::Duration lease = absl::Minutes(5);
};

class PreviewMaker {
 public:
  PreviewMaker(RenditionStore& store, BlobStore& blobs, const Clock& clock,
               PreviewSettings settings = {})
      : store_(store), blobs_(blobs), clock_(clock), settings_(settings) {}

  // What one call did.
  struct Round {
    int rendered = 0;   // versions that got renditions (made, or those of identical bytes)
    int failed = 0;     // versions marked failed
    bool more = false;  // a full batch: more may wait, call again
  };
  // Claims and works through up to one batch of waiting versions, one at a time. A database or blob
  // store that fails, or a libvips that cannot start, ends the round with its error: the versions
  // wait for the next.
  absl::StatusOr<Round> MakeWaiting();

 private:
  enum class Outcome { kRendered, kFailed, kLater };
  // Renders one version and stores its renditions.
  absl::StatusOr<Outcome> Make(const RenditionStore::Job& job);

  RenditionStore& store_;
  BlobStore& blobs_;
  const Clock& clock_;
  const PreviewSettings settings_;
};

}  // namespace parta::content
