#include "services/content/domain/scan_state.h"

#include "libs/core/status.h"

namespace parta::content {

absl::Status CheckServableToAll(v1::ScanState state) {
  switch (state) {
    case v1::SCAN_STATE_CLEAN:
      return absl::OkStatus();
    case v1::SCAN_STATE_INFECTED:
      return FailedPrecondition("VERSION_QUARANTINED",
                                "the file contains malware and is kept in quarantine");
    default:
      return FailedPrecondition("VERSION_NOT_SCANNED",
                                "the file is being checked for malware: try again shortly");
  }
}

}  // namespace parta::content
