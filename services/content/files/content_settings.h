#pragma once

// The content service's limits and lifetimes (PARTA_CONTENT_* settings, see the README).

#include <cstdint>

#include "absl/time/time.h"

namespace parta::content {

struct ContentSettings {
  // The largest file (PARTA_MAX_FILE_BYTES, the gateway's setting of the same name).
  int64_t max_file_bytes = int64_t{2} << 30;
  // Bytes one person may keep, his open uploads included.
  int64_t user_quota = int64_t{10} << 30;
  // The bytes a school's library may show (the newest versions of its items), checked when an
  // item is published there and when a new version of a shown item starts and completes.
  int64_t school_quota = int64_t{100} << 30;
  // How long an upload may take, and how long a finished one answers GetUpload.
  absl::Duration upload_lifetime = absl::Hours(24);
  // How long OpenDownload's read token works. The gateway opens a long download again when its
  // token runs out, so access is asked again at least this often: someone who left the chat
  // stops getting its file within this time.
  absl::Duration read_token_lifetime = absl::Minutes(15);
  // How long a signed download link works.
  absl::Duration link_lifetime = absl::Minutes(10);
  // Whether versions are scanned before anyone but their uploader may fetch them. Off: every
  // version is served as soon as it is complete.
  bool scanning = false;
};

}  // namespace parta::content
