#pragma once

// Articles (rich text written in Parta, sanitised on the way in) and links to web pages: items
// of a person's files that have no versions. Reading, listing, changing, publishing and
// deleting them go through Items and Library like every item.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "parta/content/v1/content.pb.h"
#include "services/content/store/article_store.h"
#include "services/content/store/content_store.h"

namespace parta::content {

class Articles {
 public:
  // An article's or a link's stored bytes count in its owner's space, within `user_quota`.
  Articles(ContentStore& store, ArticleStore& articles, const Clock& clock, IdGenerator& ids,
           int64_t user_quota)
      : store_(store), articles_(articles), clock_(clock), ids_(ids), user_quota_(user_quota) {}

  absl::StatusOr<v1::Item> CreateArticle(const std::string& caller,
                                         const v1::CreateArticleRequest& req);
  absl::StatusOr<v1::Item> CreateLink(const std::string& caller, const v1::CreateLinkRequest& req);

 private:
  // Checks the catalogue fields of `fields`, writes the item (or finds the one of the same
  // request) and answers it as its owner reads it.
  absl::StatusOr<v1::Item> Create(const std::string& caller, NewContentItem item, RetryKey key);

  ContentStore& store_;
  ArticleStore& articles_;
  const Clock& clock_;
  IdGenerator& ids_;
  const int64_t user_quota_;
};

}  // namespace parta::content
