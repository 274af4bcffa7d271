#include "services/content/files/library.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/core/page_token.h"
#include "libs/core/status.h"
#include "services/content/articles/html_sanitizer.h"
#include "services/content/articles/link_url.h"
#include "services/content/domain/catalogue.h"
#include "services/content/domain/scan_state.h"
#include "services/content/domain/validation.h"
#include "services/content/store/article_store.h"

namespace parta::content {
namespace {

constexpr absl::string_view kLibraryList = "content.school-library";

// The article body (sanitised) or link URL (checked) that `paths` asks to change.
absl::StatusOr<ContentChange> ContentChangeOf(const v1::Item& item,
                                              const std::vector<std::string>& paths) {
  ContentChange change;
  for (const std::string& path : paths) {
    if (path == "article_html") {
      ASSIGN_OR_RETURN(change.article, SanitizeArticleHtml(item.article_html()));
    } else if (path == "link_url") {
      RETURN_IF_ERROR(CheckLinkUrl(item.link_url()));
      change.link_url = item.link_url();
    }
  }
  return change;
}

}  // namespace

absl::StatusOr<v1::Item> Library::Update(const std::string& caller,
                                         const v1::UpdateItemRequest& req) {
  RETURN_IF_ERROR(CheckId(req.item().id(), "INVALID_ITEM_ID"));
  std::vector<std::string> paths(req.update_mask().paths().begin(),
                                 req.update_mask().paths().end());
  // An article's body and a link's URL change with the catalogue fields, in one transaction
  // that also checks the item is of their kind.
  ASSIGN_OR_RETURN(const ContentChange change, ContentChangeOf(req.item(), paths));
  std::erase(paths, "article_html");
  std::erase(paths, "link_url");
  // Moving between folders is the owner's filing, not a change of the item: it goes alone.
  const bool move = std::erase(paths, "folder_id") > 0;
  if (move && !req.item().folder_id().empty()) {
    RETURN_IF_ERROR(CheckId(req.item().folder_id(), "INVALID_FOLDER_ID"));
  }
  if ((!move && change.empty()) || !paths.empty()) {
    RETURN_IF_ERROR(CheckCatalogueFields(req.item(), paths));
  }
  if (move) {
    RETURN_IF_ERROR(folders_.MoveItem(caller, req.item().id(), req.item().folder_id()));
    if (paths.empty() && change.empty()) return store_.GetItem(req.item().id(), caller);
  }
  ASSIGN_OR_RETURN(const v1::Item item,
                   store_.UpdateItem(req.item(), paths, caller, clock_.Now(),
                                     [&](pqxx::work& tx, const std::string& kind) {
                                       return ArticleStore::WriteChange(tx, req.item().id(), kind,
                                                                        change, user_quota_);
                                     }));
  // An article is answered with its body, which only an item read alone carries.
  if (item.kind() == v1::ITEM_KIND_ARTICLE) return store_.GetItem(item.id(), caller);
  return item;
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
  // A library serves its members: what is not known to be clean is not offered to them. An
  // article (sanitised when written) or a link has no file to scan.
  if (item.has_current_version()) {
    RETURN_IF_ERROR(CheckServableToAll(item.current_version().scan_state()));
  }
  return store_.Publish(req.item_id(), caller, req.school_id(), school_quota_, clock_.Now());
}

absl::StatusOr<v1::Item> Library::Withdraw(const std::string& caller,
                                           const v1::WithdrawFromSchoolRequest& req) {
  RETURN_IF_ERROR(CheckId(req.item_id(), "INVALID_ITEM_ID"));
  RETURN_IF_ERROR(CheckId(req.school_id(), "INVALID_SCHOOL_ID"));
  return store_.Withdraw(req.item_id(), caller, req.school_id());
}

absl::StatusOr<v1::SearchSchoolLibraryResponse> Library::Search(
    const std::string& caller, const std::string& token,
    const v1::SearchSchoolLibraryRequest& req) {
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
  // A library its school opened is everyone's to search; otherwise its members' only.
  ASSIGN_OR_RETURN(const bool open, spaces_.LibraryPublic(req.school_id()));
  if (!open) {
    ASSIGN_OR_RETURN(const bool member, schools_.Allowed(token, req.school_id(), "school.read"));
    if (!member) return NotFound("SCHOOL_NOT_FOUND", "no such school of yours");
  }
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
  for (v1::Item& item : items) *response.add_items() = ForReader(std::move(item), caller);
  if (more) {
    response.set_next_page_token(
        EncodePageToken(kLibraryList, scope, {absl::StrCat(offset + page_size)}));
  }
  return response;
}

}  // namespace parta::content
