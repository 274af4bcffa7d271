#include "services/content/scanning/scanner.h"

#include "google/protobuf/util/time_util.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "libs/realtime/channels.h"
#include "libs/realtime/publish.h"

namespace parta::content {

absl::StatusOr<int> Scanner::ScanPending() {
  ASSIGN_OR_RETURN(const std::vector<ContentStore::PendingBlob> pending, store_.PendingBlobs(20));
  int scanned = 0;
  for (const ContentStore::PendingBlob& blob : pending) {
    absl::StatusOr<ScanVerdict> verdict = clamav_.Scan(blobs_, blob.sha256, blob.size);
    if (absl::IsNotFound(verdict.status())) {
      continue;  // the blob went with its last version meanwhile
    }
    if (absl::IsFailedPrecondition(verdict.status())) {
      // These bytes cannot be judged: they stay unserved; the rest of the queue goes on.
      log::Warning("a file could not be scanned")
          .With("blob", blob.sha256)
          .With("error", verdict.status().ToString());
      continue;
    }
    if (!verdict.ok()) return verdict.status();
    ASSIGN_OR_RETURN(const std::vector<ContentStore::ScannedVersion> versions,
                     store_.RecordVerdict(blob.sha256, verdict->infected, verdict->signature));
    if (verdict->infected) {
      log::Warning("malware quarantined")
          .With("blob", blob.sha256)
          .With("signature", verdict->signature);
    }
    TellUploaders(versions, *verdict);
    ++scanned;
  }
  return scanned;
}

void Scanner::TellUploaders(const std::vector<ContentStore::ScannedVersion>& versions,
                            const ScanVerdict& verdict) {
  const google::protobuf::Timestamp now =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
  for (const ContentStore::ScannedVersion& version : versions) {
    events::v1::Envelope envelope;
    events::v1::Event& event = *envelope.mutable_event();
    event.set_id(ids_.NewId());
    *event.mutable_time() = now;
    events::v1::FileScanned& scanned = *event.mutable_file_scanned();
    scanned.set_item_id(version.item_id);
    scanned.set_version_id(version.version_id);
    scanned.set_file_name(version.file_name);
    scanned.set_infected(verdict.infected);
    scanned.set_signature(verdict.signature);
    // The verdict is in the database: a lost notice leaves the item's state to tell.
    if (absl::Status published =
            realtime::Publish(redis_, realtime::UserChannel(version.uploader_id), envelope);
        !published.ok()) {
      log::Warning("scan verdict not announced").With("error", published.ToString());
    }
  }
}

}  // namespace parta::content
