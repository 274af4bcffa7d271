#include "services/content/files/articles.h"

#include <vector>

#include "libs/core/status.h"
#include "libs/grpc/request_values.h"
#include "services/content/articles/html_sanitizer.h"
#include "services/content/articles/link_url.h"
#include "services/content/domain/catalogue.h"

namespace parta::content {
namespace {

// A create without a request id would leave a second item behind a lost answer.
absl::StatusOr<RetryKey> RequiredRetryKey(const RetryKey& key) {
  if (key.request_id.empty()) {
    return InvalidArgument("INVALID_REQUEST_ID", "creating an item needs a request id");
  }
  return key;
}

}  // namespace

absl::StatusOr<v1::Item> Articles::CreateArticle(const std::string& caller,
                                                 const v1::CreateArticleRequest& req) {
  ASSIGN_OR_RETURN(RetryKey key, grpc::RetryKeyOf(req));
  ASSIGN_OR_RETURN(key, RequiredRetryKey(key));
  // The kind is part of what was asked: an id that made a link cannot answer an article.
  key.fingerprint = "article:" + key.fingerprint;
  NewContentItem item{.kind = v1::ITEM_KIND_ARTICLE, .fields = req.item()};
  ASSIGN_OR_RETURN(item.article, SanitizeArticleHtml(req.item().article_html()));
  return Create(caller, std::move(item), std::move(key));
}

absl::StatusOr<v1::Item> Articles::CreateLink(const std::string& caller,
                                              const v1::CreateLinkRequest& req) {
  ASSIGN_OR_RETURN(RetryKey key, grpc::RetryKeyOf(req));
  ASSIGN_OR_RETURN(key, RequiredRetryKey(key));
  key.fingerprint = "link:" + key.fingerprint;
  RETURN_IF_ERROR(CheckLinkUrl(req.item().link_url()));
  NewContentItem item{
      .kind = v1::ITEM_KIND_LINK, .fields = req.item(), .link_url = req.item().link_url()};
  return Create(caller, std::move(item), std::move(key));
}

absl::StatusOr<v1::Item> Articles::Create(const std::string& caller, NewContentItem item,
                                          RetryKey key) {
  std::vector<std::string> paths = {"title",  "description", "subject",
                                    "grades", "age_label",   "licence"};
  if (!item.fields.language().empty()) paths.push_back("language");
  RETURN_IF_ERROR(CheckCatalogueFields(item.fields, paths));
  item.id = ids_.NewId();
  item.owner_user_id = caller;
  item.now = clock_.Now();
  ASSIGN_OR_RETURN(const std::string id, articles_.Create(item, key, user_quota_));
  return store_.GetItem(id, caller);
}

}  // namespace parta::content
