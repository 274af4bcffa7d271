#pragma once

// What a virus scan's verdict allows: whether a version may go to others than its uploader.

#include "absl/status/status.h"
#include "parta/content/v1/content.pb.h"

namespace parta::content {

// OK for a clean version; FAILED_PRECONDITION `VERSION_QUARANTINED` for an infected one (never
// served) and `VERSION_NOT_SCANNED` for one the scanner has not judged yet (try again shortly).
absl::Status CheckServableToAll(v1::ScanState state);

}  // namespace parta::content
