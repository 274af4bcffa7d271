#include "services/content/previews/preview_maker.h"

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "libs/core/random.h"
#include "libs/core/status.h"

namespace parta::content {
namespace {

// The staging file a rendition's bytes are hashed in before they become a blob: a name of its
// own for each attempt, so that no other attempt (of this instance or another sharing the
// folder, perhaps rendering the same version after a lease ended) writes to or removes it, and
// nothing writes to it once Promote made it a blob's name.
std::string StagedName(const std::string& version_id, v1::RenditionKind kind) {
  return absl::StrCat("rendition-", version_id, "-", RenditionName(kind), "-",
                      absl::BytesToHexString(RandomBytes(8)));
}

}  // namespace

absl::StatusOr<PreviewMaker::Round> PreviewMaker::MakeWaiting() {
  Round round;
  // One claim at a time: a lease covers one rendering, whatever the batch.
  for (int done = 0; done < settings_.batch; ++done) {
    ASSIGN_OR_RETURN(const std::optional<RenditionStore::Job> job,
                     store_.Claim(clock_.Now(), settings_.lease));
    if (!job) return round;
    ASSIGN_OR_RETURN(const Outcome outcome, Make(*job));
    if (outcome == Outcome::kRendered) ++round.rendered;
    if (outcome == Outcome::kFailed) ++round.failed;
  }
  round.more = true;
  return round;
}

absl::StatusOr<PreviewMaker::Outcome> PreviewMaker::Make(const RenditionStore::Job& job) {
  ASSIGN_OR_RETURN(const RenditionStore::Start start,
                   store_.Begin(job.version_id, settings_.max_attempts));
  switch (start) {
    case RenditionStore::Start::kAdopted:
      return Outcome::kRendered;
    case RenditionStore::Start::kFailed:
      return Outcome::kFailed;
    case RenditionStore::Start::kGone:
      return Outcome::kLater;
    case RenditionStore::Start::kRender:
      break;
  }
  const bool pdf = job.media_type == "application/pdf";
  if (!pdf && !absl::StartsWith(job.media_type, "image/")) {
    RETURN_IF_ERROR(store_.Fail(job.version_id, "not a type that is rendered"));
    return Outcome::kFailed;
  }
  if (job.size > settings_.max_source_bytes) {
    RETURN_IF_ERROR(
        store_.Fail(job.version_id, absl::StrCat("larger than ", settings_.max_source_bytes,
                                                 " bytes, the most that is rendered")));
    return Outcome::kFailed;
  }
  absl::StatusOr<std::string> bytes = blobs_.Read(job.sha256, 0, job.size);
  if (absl::IsNotFound(bytes.status())) {
    return Outcome::kLater;  // deleted meanwhile; a blob truly missing is given up in time
  }
  if (!bytes.ok()) return bytes.status();

  absl::StatusOr<Pictures> pictures =
      pdf ? RenderPdfFirstPage(*bytes, settings_.limits) : RenderImage(*bytes, settings_.limits);
  bytes->clear();
  if (absl::IsInternal(pictures.status())) return pictures.status();  // libvips, not the file
  if (absl::IsDeadlineExceeded(pictures.status())) {
    return Outcome::kLater;  // perhaps a busy machine: tried again, up to max_attempts
  }
  if (!pictures.ok()) {
    RETURN_IF_ERROR(store_.Fail(job.version_id, std::string(pictures.status().message())));
    return Outcome::kFailed;
  }

  std::vector<RenditionStore::Made> made;
  // Each attempt's own staging names, written once here, then only promoted and removed.
  const std::map<v1::RenditionKind, std::string> staged_names = {
      {v1::RENDITION_KIND_THUMBNAIL, StagedName(job.version_id, v1::RENDITION_KIND_THUMBNAIL)},
      {v1::RENDITION_KIND_PREVIEW, StagedName(job.version_id, v1::RENDITION_KIND_PREVIEW)}};
  absl::Status stored;
  for (auto& [kind, picture] :
       {std::pair<v1::RenditionKind, Picture*>{v1::RENDITION_KIND_THUMBNAIL, &pictures->thumbnail},
        {v1::RENDITION_KIND_PREVIEW, &pictures->preview}}) {
    const std::string& staged = staged_names.at(kind);
    const int64_t size = static_cast<int64_t>(picture->bytes.size());
    stored = blobs_.WriteStaged(staged, 0, picture->bytes);
    // Flushed and hashed as the store sees them: the blob's name is the hash of what is on disk.
    absl::StatusOr<StagedSummary> summary =
        stored.ok() ? blobs_.SummarizeStaged(staged, size) : absl::StatusOr<StagedSummary>(stored);
    if (!summary.ok()) {
      stored = summary.status();
      break;
    }
    made.push_back({.kind = kind,
                    .sha256 = summary->sha256,
                    .media_type = std::string(kRenditionMediaType),
                    .width = picture->width,
                    .height = picture->height,
                    .size = size});
  }
  if (stored.ok()) {
    stored = store_.Save(job.version_id, made, clock_.Now(), [&](const RenditionStore::Made& m) {
      return blobs_.Promote(staged_names.at(m.kind), m.sha256);
    });
  }
  for (const auto& [kind, staged] : staged_names) {
    if (absl::Status removed = blobs_.RemoveStaged(staged); !removed.ok()) {
      log::Warning("staged rendition not removed").With("error", removed.ToString());
    }
  }
  if (absl::IsNotFound(stored)) return Outcome::kLater;  // the version went meanwhile
  if (!stored.ok()) return stored;
  return Outcome::kRendered;
}

}  // namespace parta::content
