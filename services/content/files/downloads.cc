#include "services/content/files/downloads.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/core/status.h"
#include "services/content/domain/media_types.h"
#include "services/content/domain/scan_state.h"
#include "services/content/domain/validation.h"

namespace parta::content {
namespace {

using google::protobuf::util::TimeUtil;

// A message may carry at most this many attachments (messaging's own limit).
constexpr int kMaxAttachments = 10;

// The rendition `kind` of a version; nullopt for the file itself. NOT_FOUND
// `RENDITION_NOT_READY` while it is not made (or when it cannot be made of this file).
absl::StatusOr<std::optional<v1::Rendition>> RenditionOf(const v1::Version& version,
                                                         v1::RenditionKind kind) {
  if (kind == v1::RENDITION_KIND_UNSPECIFIED) return std::nullopt;
  for (const v1::Rendition& rendition : version.renditions()) {
    if (rendition.kind() == kind) return rendition;
  }
  return NotFound("RENDITION_NOT_READY",
                  "that picture of the file is not made yet, or cannot be made of it");
}

}  // namespace

Downloads::Downloads(ContentStore& store, BlobStore& blobs, ReadAccess& access,
                     const GrantSigner& signer, const Clock& clock, ContentSettings settings)
    : store_(store),
      blobs_(blobs),
      access_(access),
      signer_(signer),
      clock_(clock),
      settings_(settings) {}

absl::StatusOr<VersionRow> Downloads::Readable(const Reader& reader,
                                               const std::string& version_id) {
  RETURN_IF_ERROR(CheckId(version_id, "INVALID_VERSION_ID"));
  RETURN_IF_ERROR(access_.MayReadVersion(reader, version_id));
  return store_.GetVersion(version_id);
}

absl::Status Downloads::Servable(const VersionRow& version, const std::string& user_id) const {
  // Its uploader may fetch what waits for its scan; nobody gets what it found infected.
  if (version.version.scan_state() == v1::SCAN_STATE_PENDING && version.owner_user_id == user_id) {
    return absl::OkStatus();
  }
  return CheckServableToAll(version.version.scan_state());
}

absl::StatusOr<v1::OpenDownloadResponse> Downloads::Open(const Reader& reader,
                                                         const v1::OpenDownloadRequest& req) {
  if (!v1::RenditionKind_IsValid(req.rendition())) {
    return InvalidArgument("INVALID_RENDITION", "no such rendition");
  }
  VersionRow version;
  if (!req.link().empty()) {
    // A link was made by someone who could read the version then; it speaks for him until it
    // expires, minutes later. Links are made for clean versions only (CreateLink), and the scan
    // below judges whoever holds the link as himself: nothing unscanned goes out by a link.
    ASSIGN_OR_RETURN(const LinkGrant link, signer_.VerifyLink(req.link(), clock_.Now()));
    if (link.version_id != req.version_id()) {
      return PermissionDenied("INVALID_LINK", "the link is for another version");
    }
    ASSIGN_OR_RETURN(version, store_.GetVersion(link.version_id));
  } else if (!reader.user_id.empty()) {
    ASSIGN_OR_RETURN(version, Readable(reader, req.version_id()));
  } else {
    // Without a token or a link, only what a school shows to anyone: its logo and cover.
    // Anything else is answered alike, whether it exists or not.
    RETURN_IF_ERROR(CheckId(req.version_id(), "INVALID_VERSION_ID"));
    ASSIGN_OR_RETURN(const bool open_to_all, access_.Public(req.version_id()));
    if (!open_to_all) {
      return Unauthenticated("LINK_REQUIRED", "sign in or use a download link");
    }
    ASSIGN_OR_RETURN(version, store_.GetVersion(req.version_id()));
  }
  RETURN_IF_ERROR(Servable(version, reader.user_id));
  const absl::Time expire = clock_.Now() + settings_.read_token_lifetime;
  v1::OpenDownloadResponse response;
  // A rendition is read under the version's access, decided above; its token names its blob.
  ASSIGN_OR_RETURN(const std::optional<v1::Rendition> rendition,
                   RenditionOf(version.version, req.rendition()));
  response.set_read_token(
      signer_.SignRead({.version_id = version.version.id(),
                        .sha256 = rendition ? rendition->sha256() : version.version.sha256(),
                        .size = rendition ? rendition->size() : version.version.size(),
                        .expire_time = expire}));
  *response.mutable_read_expire_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(expire));
  response.set_inline_safe(rendition || InlineSafe(version.version.media_type()));
  if (rendition) *response.mutable_rendition() = *rendition;
  *response.mutable_version() = std::move(version.version);
  return response;
}

absl::StatusOr<std::string> Downloads::Read(const v1::ReadContentRequest& req) {
  ASSIGN_OR_RETURN(const ReadGrant grant, signer_.VerifyRead(req.read_token(), clock_.Now()));
  if (req.length() <= 0) return InvalidArgument("INVALID_LENGTH", "read at least one byte");
  if (req.length() > kMaxChunkBytes) {
    return InvalidArgument("CHUNK_TOO_LARGE",
                           absl::StrCat("read at most ", kMaxChunkBytes, " bytes at a time"));
  }
  if (req.offset() < 0 || req.offset() > grant.size) {
    return Error(absl::StatusCode::kOutOfRange, "OFFSET_BEYOND_END",
                 absl::StrCat("the file has ", grant.size, " bytes"));
  }
  const int64_t length = std::min(req.length(), grant.size - req.offset());
  if (length == 0) return std::string();
  absl::StatusOr<std::string> data = blobs_.Read(grant.sha256, req.offset(), length);
  if (absl::IsNotFound(data.status())) {
    return Unavailable("BLOB_UNAVAILABLE", "the file was deleted while it was read");
  }
  return data;
}

absl::StatusOr<v1::CreateDownloadLinkResponse> Downloads::CreateLink(
    const Reader& reader, const std::string& version_id) {
  ASSIGN_OR_RETURN(const VersionRow version, Readable(reader, version_id));
  // A link is for others to fetch with: only what is served to anyone.
  RETURN_IF_ERROR(Servable(version, /*user_id=*/""));
  const absl::Time expire = clock_.Now() + settings_.link_lifetime;
  v1::CreateDownloadLinkResponse response;
  response.set_link(signer_.SignLink(
      {.version_id = version_id, .user_id = reader.user_id, .expire_time = expire}));
  response.set_url(absl::StrCat("/v1/files/", version_id, "?link=", response.link()));
  *response.mutable_expire_time() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(expire));
  return response;
}

absl::StatusOr<v1::DescribeAttachmentsResponse> Downloads::DescribeAttachments(
    const Reader& reader, const v1::DescribeAttachmentsRequest& req) {
  if (req.version_ids_size() > kMaxAttachments) {
    return InvalidArgument("TOO_MANY_ATTACHMENTS",
                           absl::StrCat("a message carries at most ", kMaxAttachments, " files"));
  }
  v1::DescribeAttachmentsResponse response;
  for (const std::string& id : req.version_ids()) {
    absl::StatusOr<VersionRow> version = Readable(reader, id);
    if (absl::IsNotFound(version.status())) {
      return NotFound("VERSION_NOT_FOUND", absl::StrCat("no such version that you may read: ", id));
    }
    if (!version.ok()) return version.status();
    if (version->version.scan_state() == v1::SCAN_STATE_INFECTED) {
      return FailedPrecondition("VERSION_QUARANTINED",
                                absl::StrCat("the file ", id, " contains malware"));
    }
    *response.add_versions() = std::move(version->version);
  }
  return response;
}

}  // namespace parta::content
