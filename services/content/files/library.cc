#include "services/content/files/library.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/core/page_token.h"
#include "libs/core/status.h"
#include "services/content/domain/catalogue.h"
#include "services/content/domain/validation.h"

namespace parta::content {
namespace {

constexpr absl::string_view kLibraryList = "content.school-library";

}  // namespace

absl::StatusOr<v1::Item> Library::Update(const std::string& caller,
                                         const v1::UpdateItemRequest& req) {
  RETURN_IF_ERROR(CheckId(req.item().id(), "INVALID_ITEM_ID"));
  const std::vector<std::string> paths(req.update_mask().paths().begin(),
                                       req.update_mask().paths().end());
  RETURN_IF_ERROR(CheckCatalogueFields(req.item(), paths));
  return store_.UpdateItem(req.item(), paths, caller, clock_.Now());
}

absl::StatusOr<v1::Item> Library::Publish(const std::string& caller, const std::string& token,
                                          const v1::PublishToSchoolRequest& req) {
  RETURN_IF_ERROR(CheckId(req.item_id(), "INVALID_ITEM_ID"));
  RETURN_IF_ERROR(CheckId(req.school_id(), "INVALID_SCHOOL_ID"));
  ASSIGN_OR_RETURN(const v1::Item item, store_.GetItem(req.item_id(), caller));
  ASSIGN_OR_RETURN(const bool may,
                   schools_.Allowed(token, req.school_id(), "school.library.publish"));
  if (!may) {
    return PermissionDenied("LIBRARY_PUBLISH_DENIED",
                            "only the school's teachers and admins publish in its library");
  }
  // A library serves its members: what is not known to be clean is not offered to them.
  switch (item.current_version().scan_state()) {
    case v1::SCAN_STATE_CLEAN:
      break;
    case v1::SCAN_STATE_INFECTED:
      return FailedPrecondition("VERSION_QUARANTINED", "the file contains malware");
    default:
      return FailedPrecondition("VERSION_NOT_SCANNED",
                                "the file is being checked for malware: try again shortly");
  }
  return store_.Publish(req.item_id(), caller, req.school_id(), clock_.Now());
}

absl::StatusOr<v1::Item> Library::Withdraw(const std::string& caller,
                                           const v1::WithdrawFromSchoolRequest& req) {
  RETURN_IF_ERROR(CheckId(req.item_id(), "INVALID_ITEM_ID"));
  RETURN_IF_ERROR(CheckId(req.school_id(), "INVALID_SCHOOL_ID"));
  return store_.Withdraw(req.item_id(), caller, req.school_id());
}

absl::StatusOr<v1::SearchSchoolLibraryResponse> Library::Search(
    const std::string& token, const v1::SearchSchoolLibraryRequest& req) {
  RETURN_IF_ERROR(CheckId(req.school_id(), "INVALID_SCHOOL_ID"));
  RETURN_IF_ERROR(CheckQuery(req.query()));
  ASSIGN_OR_RETURN(const int page_size, PageSize(req.page_size(), 20, 100));
  // The page token is bound to the school and the whole query: another query starts over.
  const std::string scope = absl::StrCat(req.school_id(), "|", req.query(), "|", req.subject(), "|",
                                         req.grade(), "|", req.max_age_label(), "|", req.kind());
  ASSIGN_OR_RETURN(const std::vector<std::string> key,
                   DecodePageToken(req.page_token(), kLibraryList, scope, 1));
  int offset = 0;
  if (!key.empty() && (!absl::SimpleAtoi(key[0], &offset) || offset < 0)) {
    return InvalidPageToken();
  }
  ASSIGN_OR_RETURN(const bool member, schools_.Allowed(token, req.school_id(), "school.read"));
  if (!member) return NotFound("SCHOOL_NOT_FOUND", "no such school of yours");
  ContentStore::LibraryQuery query{
      .school_id = req.school_id(),
      .query = req.query(),
      .subject = req.subject(),
      .grade = req.grade(),
      .max_age_label = static_cast<int>(req.max_age_label()),
      .kind = req.kind() == v1::ITEM_KIND_UNSPECIFIED ? "" : KindName(req.kind()),
      .offset = offset,
      .limit = page_size + 1};
  ASSIGN_OR_RETURN(std::vector<v1::Item> items, store_.SearchLibrary(query));
  v1::SearchSchoolLibraryResponse response;
  const bool more = static_cast<int>(items.size()) > page_size;
  if (more) items.resize(static_cast<size_t>(page_size));
  for (v1::Item& item : items) *response.add_items() = std::move(item);
  if (more) {
    response.set_next_page_token(
        EncodePageToken(kLibraryList, scope, {absl::StrCat(offset + page_size)}));
  }
  return response;
}

}  // namespace parta::content
