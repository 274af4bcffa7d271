#include "services/content/files/uploads.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "libs/grpc/request_values.h"
#include "services/content/domain/media_types.h"
#include "services/content/domain/validation.h"
#include "services/content/storage/document_text.h"

namespace parta::content {
namespace {

Quotas QuotasOf(const ContentSettings& settings) {
  return {.user = settings.user_quota, .school = settings.school_quota};
}

using google::protobuf::util::TimeUtil;

v1::Upload UploadOf(const UploadRow& row) {
  v1::Upload upload;
  upload.set_id(row.id);
  upload.set_file_name(row.file_name);
  upload.set_size(row.size);
  upload.set_offset(row.committed);
  *upload.mutable_expire_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(row.expire_time));
  return upload;
}

absl::Status OffsetMismatch(const UploadRow& upload) {
  return FailedPrecondition("OFFSET_MISMATCH",
                            absl::StrCat("the upload stands at offset ", upload.committed));
}

}  // namespace

Uploads::Uploads(ContentStore& store, BlobStore& blobs, const MediaSniffer& sniffer,
                 const Clock& clock, IdGenerator& ids, ContentSettings settings,
                 std::function<void()> completed)
    : store_(store),
      blobs_(blobs),
      sniffer_(sniffer),
      clock_(clock),
      ids_(ids),
      settings_(settings),
      completed_(std::move(completed)) {}

absl::StatusOr<v1::Upload> Uploads::Create(const std::string& caller,
                                           const v1::CreateUploadRequest& req) {
  ASSIGN_OR_RETURN(RetryKey key, grpc::RetryKeyOf(req));
  // One upload per request id: without one, a lost answer would leave an orphan upload.
  if (key.request_id.empty()) {
    return InvalidArgument("INVALID_REQUEST_ID", "an upload needs a request id");
  }
  RETURN_IF_ERROR(CheckFileName(req.file_name()));
  RETURN_IF_ERROR(CheckDeclaredMediaType(req.declared_media_type()));
  if (!req.item_id().empty()) RETURN_IF_ERROR(CheckId(req.item_id(), "INVALID_ITEM_ID"));
  if (req.size() <= 0) return InvalidArgument("EMPTY_FILE", "a file has at least one byte");
  if (req.size() > settings_.max_file_bytes) {
    return FailedPrecondition(
        "FILE_TOO_LARGE", absl::StrCat("files are at most ", settings_.max_file_bytes, " bytes"));
  }
  const absl::Time now = clock_.Now();
  const UploadRow row{.id = ids_.NewId(),
                      .owner_user_id = caller,
                      .item_id = req.item_id(),
                      .file_name = req.file_name(),
                      .size = req.size(),
                      .declared_media_type = EssenceOf(req.declared_media_type()),
                      .create_time = now,
                      .expire_time = now + settings_.upload_lifetime};
  ASSIGN_OR_RETURN(UploadRow made, store_.CreateUpload(row, key, QuotasOf(settings_)));
  return Finish(made);
}

absl::StatusOr<v1::Upload> Uploads::Get(const std::string& caller, const std::string& upload_id) {
  RETURN_IF_ERROR(CheckId(upload_id, "INVALID_UPLOAD_ID"));
  ASSIGN_OR_RETURN(UploadRow upload, store_.GetUpload(upload_id, caller, clock_.Now()));
  return Finish(upload);
}

absl::StatusOr<v1::Upload> Uploads::Append(const std::string& caller,
                                           const v1::AppendUploadRequest& req) {
  RETURN_IF_ERROR(CheckId(req.upload_id(), "INVALID_UPLOAD_ID"));
  if (static_cast<int64_t>(req.data().size()) > kMaxChunkBytes) {
    return InvalidArgument("CHUNK_TOO_LARGE",
                           absl::StrCat("one call carries at most ", kMaxChunkBytes, " bytes"));
  }
  const auto length = static_cast<int64_t>(req.data().size());
  ASSIGN_OR_RETURN(
      UploadRow upload,
      store_.ChangeUpload(
          req.upload_id(), caller, clock_.Now(),
          [&](const UploadRow& current) -> absl::StatusOr<ContentStore::Offsets> {
            if (!current.version_id.empty() || current.committed == current.size) {
              return FailedPrecondition("UPLOAD_COMPLETE", "the upload is complete");
            }
            // Writing from the committed offset starts over: held bytes whose checksum never
            // came are dropped. A held run goes on from where it stands.
            const bool continues_held_run = req.hold() && req.offset() == current.held_end;
            if (req.offset() != current.committed && !continues_held_run) {
              return OffsetMismatch(current);
            }
            if (req.offset() + length > current.size) {
              return InvalidArgument("BEYOND_UPLOAD_SIZE",
                                     absl::StrCat("the upload is ", current.size,
                                                  " bytes; these end at ", req.offset() + length));
            }
            // Never leave a hole: a staging file shorter than what counted (a power cut) is
            // rewound by GetUpload, which the client asks after this refusal.
            ASSIGN_OR_RETURN(const int64_t on_disk, blobs_.StagedSize(current.id));
            if (on_disk < req.offset()) return OffsetMismatch(current);
            RETURN_IF_ERROR(blobs_.WriteStaged(current.id, req.offset(), req.data()));
            const int64_t end = req.offset() + length;
            if (req.hold()) return ContentStore::Offsets{current.committed, end};
            return ContentStore::Offsets{end, end};
          }));
  return Finish(upload);
}

absl::StatusOr<v1::Upload> Uploads::Confirm(const std::string& caller,
                                            const v1::ConfirmUploadRequest& req) {
  RETURN_IF_ERROR(CheckId(req.upload_id(), "INVALID_UPLOAD_ID"));
  if (req.sha256().size() != 32) {
    return InvalidArgument("INVALID_CHECKSUM", "a SHA-256 checksum is 32 bytes");
  }
  bool mismatch = false;
  absl::StatusOr<UploadRow> upload = store_.ChangeUpload(
      req.upload_id(), caller, clock_.Now(),
      [&](const UploadRow& current) -> absl::StatusOr<ContentStore::Offsets> {
        if (req.from_offset() != current.committed || current.held_end <= current.committed) {
          return FailedPrecondition(
              "NOTHING_HELD", absl::StrCat("no held bytes start at offset ", req.from_offset()));
        }
        ASSIGN_OR_RETURN(std::string digest,
                         blobs_.HashStaged(current.id, current.committed, current.held_end));
        if (digest != req.sha256()) {
          mismatch = true;
          return ContentStore::Offsets{current.committed, current.committed};
        }
        return ContentStore::Offsets{current.held_end, current.held_end};
      });
  if (!upload.ok()) return upload.status();
  if (mismatch) {
    return FailedPrecondition(
        "CHECKSUM_MISMATCH",
        absl::StrCat("the bytes do not have the checksum sent; the upload stands at offset ",
                     upload->committed));
  }
  return Finish(*upload);
}

absl::Status Uploads::Cancel(const std::string& caller, const std::string& upload_id) {
  RETURN_IF_ERROR(CheckId(upload_id, "INVALID_UPLOAD_ID"));
  return store_.CancelUpload(upload_id, caller, clock_.Now(),
                             [&] { return blobs_.RemoveStaged(upload_id); });
}

absl::StatusOr<v1::Upload> Uploads::Finish(const UploadRow& row) {
  if (row.version_id.empty() && row.committed > 0) {
    // Bytes counted may be missing from disk after a power cut: the upload goes on from what
    // is really there (a tus client asks HEAD before it resumes).
    ASSIGN_OR_RETURN(const int64_t on_disk, blobs_.StagedSize(row.id));
    if (on_disk < row.committed) {
      ASSIGN_OR_RETURN(const UploadRow rewound, store_.RewindUpload(row.id, on_disk));
      return UploadOf(rewound);
    }
  }
  v1::Upload upload = UploadOf(row);
  if (row.committed < row.size) return upload;
  if (!row.version_id.empty()) {
    // Complete already: its version and item, unless deleted since.
    absl::StatusOr<VersionRow> version = store_.GetVersion(row.version_id);
    if (version.ok()) {
      ASSIGN_OR_RETURN(*upload.mutable_item(),
                       store_.GetItem(version->version.item_id(), row.owner_user_id));
      *upload.mutable_version() = std::move(version->version);
    }
    return upload;
  }
  ASSIGN_OR_RETURN(*upload.mutable_item(), Complete(row));
  *upload.mutable_version() = upload.item().current_version();
  return upload;
}

absl::StatusOr<v1::Item> Uploads::Complete(const UploadRow& upload) {
  ASSIGN_OR_RETURN(StagedSummary summary, blobs_.SummarizeStaged(upload.id, upload.size));
  const std::string media_type = sniffer_.TypeOf(summary.head);
  if (!DeclaredTypeFits(upload.declared_media_type, media_type)) {
    Discard(upload);
    return FailedPrecondition(
        "TYPE_MISMATCH",
        absl::StrCat("the file was declared ", upload.declared_media_type, " but its bytes are ",
                     media_type, "; the upload is discarded"));
  }
  CompletedBytes bytes{
      .sha256 = summary.sha256,
      .media_type = media_type,
      .scan_state = settings_.scanning ? v1::SCAN_STATE_PENDING : v1::SCAN_STATE_CLEAN,
      .text = ExtractText(media_type, summary.head)};
  if (NeedsWholeFile(media_type, upload.size)) {
    absl::StatusOr<std::string> whole = blobs_.ReadStaged(upload.id, 0, upload.size);
    if (whole.ok()) bytes.text = ExtractText(media_type, *whole);
  }
  absl::StatusOr<v1::Item> item = store_.CompleteUpload(
      upload, bytes, QuotasOf(settings_), ids_.NewId(), ids_.NewId(), clock_.Now(),
      [&] { return blobs_.Promote(upload.id, summary.sha256); });
  if (!item.ok()) {
    if (absl::IsResourceExhausted(item.status()) || absl::IsNotFound(item.status())) {
      Discard(upload);
    }
    return item.status();
  }
  if (completed_) completed_();
  if (absl::Status removed = blobs_.RemoveStaged(upload.id); !removed.ok()) {
    log::Warning("staging file not removed")
        .With("upload", upload.id)
        .With("error", removed.ToString());
  }
  return item;
}

void Uploads::Discard(const UploadRow& upload) {
  const absl::Status dropped =
      store_.DropUpload(upload.id, [&] { return blobs_.RemoveStaged(upload.id); });
  if (!dropped.ok()) {
    log::Warning("refused upload not discarded")
        .With("upload", upload.id)
        .With("error", dropped.ToString());
  }
}

absl::StatusOr<int> Uploads::DropExpired() {
  ASSIGN_OR_RETURN(std::vector<UploadRow> expired, store_.ExpiredUploads(clock_.Now(), 500));
  int dropped = 0;
  for (const UploadRow& upload : expired) {
    RETURN_IF_ERROR(store_.DeleteExpiredUpload(upload.id, clock_.Now(),
                                               [&] { return blobs_.RemoveStaged(upload.id); }));
    ++dropped;
  }
  return dropped;
}

}  // namespace parta::content
