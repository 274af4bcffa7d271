#include "services/content/files/downloads.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/core/status.h"
#include "services/content/domain/media_types.h"
#include "services/content/domain/validation.h"

namespace parta::content {
namespace {

using google::protobuf::util::TimeUtil;

// A message may carry at most this many attachments (messaging's own limit).
constexpr int kMaxAttachments = 10;

absl::Status VersionNotFound() {
  return NotFound("VERSION_NOT_FOUND", "no such version that you may read");
}

}  // namespace

Downloads::Downloads(ContentStore& store, BlobStore& blobs, ChatAccess& chats,
                     SchoolAccess& schools, const GrantSigner& signer, const Clock& clock,
                     ContentSettings settings)
    : store_(store),
      blobs_(blobs),
      chats_(chats),
      schools_(schools),
      signer_(signer),
      clock_(clock),
      settings_(settings) {}

absl::StatusOr<VersionRow> Downloads::Readable(const Reader& reader,
                                               const std::string& version_id) {
  RETURN_IF_ERROR(CheckId(version_id, "INVALID_VERSION_ID"));
  absl::StatusOr<VersionRow> version = store_.GetVersion(version_id);
  if (!version.ok()) return version.status();
  if (version->owner_user_id == reader.user_id) return version;
  // A school's library, then chats: a directory that does not answer still leaves the chats.
  ASSIGN_OR_RETURN(const std::vector<std::string> libraries, store_.LibrariesOf(version_id));
  absl::Status directory_failure;
  for (const std::string& school_id : libraries) {
    absl::StatusOr<bool> member = schools_.Allowed(reader.token, school_id, "school.read");
    if (member.ok() && *member) return version;
    if (!member.ok()) directory_failure = member.status();
  }
  ASSIGN_OR_RETURN(const bool in_chat, chats_.MayRead(reader.token, version_id));
  if (in_chat) return version;
  if (!directory_failure.ok()) return directory_failure;
  return VersionNotFound();
}

absl::Status Downloads::Servable(const VersionRow& version, const std::string& user_id) const {
  switch (version.version.scan_state()) {
    case v1::SCAN_STATE_CLEAN:
      return absl::OkStatus();
    case v1::SCAN_STATE_INFECTED:
      return FailedPrecondition("VERSION_QUARANTINED",
                                "the file contains malware and is kept in quarantine");
    default:
      if (version.owner_user_id == user_id) return absl::OkStatus();
      return FailedPrecondition("VERSION_NOT_SCANNED",
                                "the file is being checked for malware: try again shortly");
  }
}

absl::StatusOr<v1::OpenDownloadResponse> Downloads::Open(const Reader& reader,
                                                         const v1::OpenDownloadRequest& req) {
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
    return Unauthenticated("LINK_REQUIRED", "sign in or use a download link");
  }
  RETURN_IF_ERROR(Servable(version, reader.user_id));
  const absl::Time expire = clock_.Now() + settings_.read_token_lifetime;
  v1::OpenDownloadResponse response;
  response.set_read_token(signer_.SignRead({.version_id = version.version.id(),
                                            .sha256 = version.version.sha256(),
                                            .size = version.version.size(),
                                            .expire_time = expire}));
  *response.mutable_read_expire_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(expire));
  response.set_inline_safe(InlineSafe(version.version.media_type()));
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
