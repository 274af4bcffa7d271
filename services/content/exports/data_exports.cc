#include "services/content/exports/data_exports.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <system_error>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/util/time_util.h"
#include "libs/core/log.h"
#include "libs/core/page_token.h"
#include "libs/core/status.h"
#include "libs/grpc/export_file.h"
#include "libs/realtime/channels.h"
#include "libs/realtime/publish.h"
#include "parta/events/v1/events.pb.h"
#include "services/content/domain/validation.h"

namespace parta::content {
namespace {

using google::protobuf::util::TimeUtil;

constexpr absl::string_view kExportList = "data_exports";
// Bytes moved at a time: a blob into the work folder, the archive into an upload.
constexpr int64_t kChunk = int64_t{2} << 20;
// The most items of a person an export carries (a person holds far fewer).
constexpr int kMaxItems = 100000;
// How long an export whose sources did not answer waits before it is tried again.
constexpr absl::Duration kRetryDelay = absl::Seconds(30);

// What the archive holds, for the person who opens it.
constexpr absl::string_view kReadme =
    "Parta: ваши персональные данные / your personal data (152-FZ art. 14)\n"
    "\n"
    "identity/account.json        профиль, контакты, подтверждение личности / profile\n"
    "identity/sessions.json       открытые сеансы: устройства и адреса / open sessions\n"
    "identity/account_audit.json  действия операторов с учётной записью / operators' actions\n"
    "directory/memberships.json   школы, роли, классы / schools, roles, classes\n"
    "directory/parent_links.json  связи родителей и детей / parent links\n"
    "directory/consents.json      согласия на обработку данных / consents\n"
    "directory/join_requests.json заявки на вступление / join requests\n"
    "messaging/chats.json         чаты / chats\n"
    "messaging/messages.jsonl     написанные сообщения, по одному в строке / messages written\n"
    "messaging/reactions.json, votes.json, acknowledgements.json, reports.json\n"
    "content/files.json           файлы и материалы / files and articles\n"
    "content/files/<id>/<name>    содержимое файлов / the files' bytes\n"
    "\n"
    "Times are UTC (RFC 3339). The JSON follows Parta's public API (proto/parta/*).\n";

std::string FailureOf(const absl::Status& status) {
  const std::string reason = ReasonOf(status);
  return reason.empty() ? "EXPORT_FAILED" : reason;
}

// "parta-data-<first 8 of the id>-2026-12-08.zip".
std::string ArchiveName(const v1::DataExport& row, absl::Time now) {
  const absl::CivilDay day = absl::ToCivilDay(now, absl::UTCTimeZone());
  return absl::StrCat("parta-data-", row.person_id().substr(0, 8), "-",
                      absl::FormatCivilTime(day), ".zip");
}

// A name safe inside the archive: no folders, no control characters.
std::string EntryName(absl::string_view file_name) {
  std::string out;
  for (char c : file_name) {
    out += (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) ? '_' : c;
  }
  return out.empty() || out == "." || out == ".." ? "file" : out;
}

}  // namespace

absl::StatusOr<v1::DataExport> DataExports::Request(const Reader& caller,
                                                    const v1::RequestDataExportRequest& req) {
  std::string person = absl::AsciiStrToLower(req.person_id());
  if (person.empty()) person = caller.user_id;
  RETURN_IF_ERROR(CheckId(person, "INVALID_PERSON_ID"));
  if (person != caller.user_id) {
    if (req.school_id().empty()) {
      return InvalidArgument("SCHOOL_REQUIRED",
                             "another person's export names the school of the parent link");
    }
    RETURN_IF_ERROR(CheckId(req.school_id(), "INVALID_SCHOOL_ID"));
    ASSIGN_OR_RETURN(const bool parent,
                     schools_.AllowedOn(caller.token,
                                        absl::StrCat("schools/", req.school_id(), "/members/",
                                                     person),
                                        "member.data.export"));
    if (!parent) {
      return PermissionDenied("NOT_CHILDS_PARENT",
                              "only the person and his parents confirmed by the school may");
    }
  }
  ASSIGN_OR_RETURN(v1::DataExport row,
                   exports_.Ask(ids_.NewId(), person, caller.user_id, clock_.Now()));
  if (asked_) asked_();
  return row;
}

absl::StatusOr<v1::DataExport> DataExports::Get(const std::string& caller,
                                                const std::string& export_id) {
  RETURN_IF_ERROR(CheckId(export_id, "EXPORT_NOT_FOUND"));
  ASSIGN_OR_RETURN(std::optional<v1::DataExport> row,
                   exports_.Find(caller, absl::AsciiStrToLower(export_id)));
  if (!row) return NotFound("EXPORT_NOT_FOUND", "no such export of yours");
  return *std::move(row);
}

absl::StatusOr<v1::ListDataExportsResponse> DataExports::List(
    const std::string& caller, const v1::ListDataExportsRequest& req) {
  ASSIGN_OR_RETURN(const int limit, PageSize(req.page_size(), 20, 100));
  ASSIGN_OR_RETURN(const std::vector<std::string> key,
                   DecodePageToken(req.page_token(), kExportList, caller, 2));
  std::optional<int64_t> before_micros;
  if (!key.empty()) {
    int64_t micros = 0;
    if (!absl::SimpleAtoi(key[0], &micros) || !CheckId(key[1], "INVALID_PAGE_TOKEN").ok()) {
      return InvalidPageToken();
    }
    before_micros = micros;
  }
  ASSIGN_OR_RETURN(std::vector<v1::DataExport> rows,
                   exports_.ListOf(caller, before_micros, key.empty() ? "" : key[1], limit + 1));
  v1::ListDataExportsResponse out;
  if (static_cast<int>(rows.size()) > limit) {
    rows.resize(limit);
    const v1::DataExport& last = rows.back();
    out.set_next_page_token(EncodePageToken(
        kExportList, caller,
        {absl::StrCat(TimeUtil::TimestampToMicroseconds(last.create_time())), last.id()}));
  }
  for (v1::DataExport& row : rows) *out.add_exports() = std::move(row);
  return out;
}

absl::StatusOr<int> DataExports::BuildWaiting() {
  int finished = 0;
  while (true) {
    ASSIGN_OR_RETURN(std::optional<ClaimedExport> claimed,
                     exports_.Claim(clock_.Now(), settings_.lease));
    if (!claimed) return finished;
    const v1::DataExport& row = claimed->row;
    const absl::Status built = Build(row, claimed->attempts);
    if (built.ok()) {
      ++finished;
      continue;
    }
    // A source that did not answer is asked again later; anything else will not change.
    if (absl::IsUnavailable(built) && claimed->attempts < settings_.max_attempts) {
      log::Warning("data export waits for a service")
          .With("export_id", row.id())
          .With("error", built.ToString());
      RETURN_IF_ERROR(exports_.Release(row.id(), clock_.Now() + kRetryDelay));
      return finished;
    }
    log::Warning("data export failed").With("export_id", row.id()).With("error", built.ToString());
    RETURN_IF_ERROR(exports_.MarkFailed(row.id(), FailureOf(built)));
    Announce(row, /*ready=*/false, "", absl::InfinitePast());
    ++finished;
  }
}

absl::Status DataExports::Build(const v1::DataExport& row, int attempt) {
  const absl::Time now = clock_.Now();
  const std::filesystem::path dir = std::filesystem::path(settings_.work_dir) / row.id();
  std::error_code error;
  std::filesystem::remove_all(dir, error);
  if (!std::filesystem::create_directories(dir, error) && error) {
    return Internal("ARCHIVE_FAILED", "cannot make the work folder: " + error.message());
  }
  absl::Cleanup remove_work = [&dir] {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  };

  ASSIGN_OR_RETURN(std::vector<api::v1::ExportFile> parts, sources_.Gather(row.person_id()));
  // Pieces of one file come one after another: joined, in the order they came.
  std::vector<std::string> order;
  std::map<std::string, std::string> joined;
  for (api::v1::ExportFile& part : parts) {
    auto [at, inserted] = joined.try_emplace(part.path());
    if (inserted) order.push_back(part.path());
    at->second += part.content();
  }
  const std::string archive_path = (dir / "archive.zip").string();
  ASSIGN_OR_RETURN(std::unique_ptr<ZipArchive> zip, ZipArchive::Create(archive_path, now));
  RETURN_IF_ERROR(zip->AddBytes("README.txt", std::string(kReadme)));
  for (const std::string& path : order) {
    RETURN_IF_ERROR(zip->AddBytes(path, std::move(joined[path])));
  }
  RETURN_IF_ERROR(AddOwnFiles(row.person_id(), dir.string(), *zip));
  RETURN_IF_ERROR(zip->Close());

  const auto size = static_cast<int64_t>(std::filesystem::file_size(archive_path, error));
  if (error) return Internal("ARCHIVE_FAILED", "the archive was not written: " + error.message());
  if (size > settings_.max_bytes) {
    return FailedPrecondition("EXPORT_TOO_LARGE",
                              absl::StrCat("the archive has ", size, " bytes, more than a file "
                                           "may (", settings_.max_bytes, ")"));
  }
  ASSIGN_OR_RETURN(const v1::Item item, StoreArchive(row, attempt, archive_path, size));
  const absl::Time expires_at = clock_.Now() + settings_.lifetime;
  RETURN_IF_ERROR(exports_.MarkReady(row.id(), item.id(), item.current_version().id(), size,
                                     clock_.Now(), expires_at));
  log::Info("data export built")
      .With("export_id", row.id())
      .With("bytes", size)
      .With("pieces", static_cast<int64_t>(parts.size()));
  Announce(row, /*ready=*/true, item.current_version().id(), expires_at);
  return absl::OkStatus();
}

absl::Status DataExports::AddOwnFiles(const std::string& person_id, const std::string& dir,
                                      ZipArchive& zip) {
  ASSIGN_OR_RETURN(std::vector<std::string> item_ids, store_.ItemIdsOf(person_id, kMaxItems));
  ASSIGN_OR_RETURN(const std::vector<std::string> archives, exports_.ArchiveItems(item_ids));
  std::erase_if(item_ids, [&archives](const std::string& id) {
    return std::find(archives.begin(), archives.end(), id) != archives.end();
  });
  v1::ListMyFilesResponse listed;
  for (const std::string& item_id : item_ids) {
    absl::StatusOr<v1::Item> item = store_.GetItem(item_id, person_id);
    if (absl::IsNotFound(item.status())) continue;  // deleted meanwhile
    RETURN_IF_ERROR(item.status());
    *listed.add_items() = *item;
    const v1::Version& version = item->current_version();
    // Articles and links have no bytes; an infected file is never served, not even to him.
    if (version.id().empty() || version.scan_state() == v1::SCAN_STATE_INFECTED) continue;
    const std::string copy = (std::filesystem::path(dir) / version.id()).string();
    std::ofstream out(copy, std::ios::binary);
    for (int64_t offset = 0; offset < version.size(); offset += kChunk) {
      ASSIGN_OR_RETURN(const std::string bytes, blobs_.Read(version.sha256(), offset, kChunk));
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    out.close();
    if (!out) return Internal("ARCHIVE_FAILED", "cannot copy a file into the work folder");
    RETURN_IF_ERROR(zip.AddFile(
        absl::StrCat("content/files/", item->id(), "/", EntryName(version.file_name())), copy));
  }
  return zip.AddBytes("content/files.json", grpc::ExportJson("", listed).content());
}

absl::StatusOr<v1::Item> DataExports::StoreArchive(const v1::DataExport& row, int attempt,
                                                   const std::string& path, int64_t size) {
  v1::CreateUploadRequest create;
  // One upload per attempt: a retry after a crash starts a fresh one (the bytes may differ).
  create.set_request_id(absl::StrCat("data-export/", row.id(), "/", attempt));
  create.set_file_name(ArchiveName(row, clock_.Now()));
  create.set_size(size);
  create.set_declared_media_type("application/zip");
  ASSIGN_OR_RETURN(v1::Upload upload, uploads_.Create(row.requested_by(), create));
  std::ifstream in(path, std::ios::binary);
  std::string chunk(kChunk, '\0');
  for (int64_t offset = upload.offset(); offset < size;) {
    in.seekg(offset);
    in.read(chunk.data(), static_cast<std::streamsize>(std::min(kChunk, size - offset)));
    const std::streamsize got = in.gcount();
    if (got <= 0) return Internal("ARCHIVE_FAILED", "cannot read the archive back");
    v1::AppendUploadRequest append;
    append.set_upload_id(upload.id());
    append.set_offset(offset);
    append.set_data(chunk.data(), static_cast<size_t>(got));
    ASSIGN_OR_RETURN(upload, uploads_.Append(row.requested_by(), append));
    offset = upload.offset();
  }
  if (upload.item().id().empty()) {
    return Internal("ARCHIVE_FAILED", "the archive's upload did not complete");
  }
  return upload.item();
}

void DataExports::Announce(const v1::DataExport& row, bool ready, const std::string& version_id,
                           absl::Time expires_at) {
  events::v1::Envelope envelope;
  events::v1::Event& event = *envelope.mutable_event();
  event.set_id(ids_.NewId());
  *event.mutable_time() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
  events::v1::DataExportReady& done = *event.mutable_data_export_ready();
  done.set_export_id(row.id());
  done.set_person_id(row.person_id());
  done.set_ready(ready);
  done.set_version_id(version_id);
  if (ready) {
    *done.mutable_expire_time() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(expires_at));
  }
  if (absl::Status published =
          realtime::Publish(redis_, realtime::UserChannel(row.requested_by()), envelope);
      !published.ok()) {
    log::Warning("data export not announced").With("error", published.ToString());
  }
}

absl::Status DataExports::DeleteArchive(const v1::DataExport& row) {
  // Its holder may have deleted the file himself.
  absl::Status deleted = items_.Delete(row.requested_by(), row.item_id());
  return absl::IsNotFound(deleted) ? absl::OkStatus() : deleted;
}

absl::StatusOr<int> DataExports::ExpireDue() {
  ASSIGN_OR_RETURN(const std::vector<v1::DataExport> due, exports_.Expired(clock_.Now(), 100));
  for (const v1::DataExport& row : due) {
    RETURN_IF_ERROR(DeleteArchive(row));
    RETURN_IF_ERROR(exports_.MarkExpired(row.id()));
  }
  return static_cast<int>(due.size());
}

absl::Status DataExports::ForgetPerson(const std::string& person_id) {
  ASSIGN_OR_RETURN(const std::vector<v1::DataExport> built, exports_.BuiltAbout(person_id));
  for (const v1::DataExport& row : built) RETURN_IF_ERROR(DeleteArchive(row));
  return exports_.Forget(person_id);
}

}  // namespace parta::content
