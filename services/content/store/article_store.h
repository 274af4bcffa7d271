#pragma once

// Content's Postgres for articles and links: items without versions. An article's sanitised
// HTML and its plain text live beside its item row (`articles`), a link's URL in the row
// (`items.link_url`); creates remember their request id (`item_requests`) so a retry answers
// the item the first call made. Items are read as every item is (ContentStore::GetItem, with an
// article's body).

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/core/retry_key.h"
#include "libs/pg/pool.h"
#include "parta/content/v1/content.pb.h"
#include "services/content/articles/html_sanitizer.h"

namespace parta::content {

// A new article or link.
struct NewContentItem {
  std::string id;
  std::string owner_user_id;
  v1::ItemKind kind = v1::ITEM_KIND_ARTICLE;  // ITEM_KIND_ARTICLE or ITEM_KIND_LINK
  // The title and catalogue fields (checked); an empty language is "ru".
  v1::Item fields;
  SanitizedArticle article;  // for an article
  std::string link_url;      // for a link (checked)
  absl::Time now;
};

// A new body or URL, as UpdateItem's mask asks.
struct ContentChange {
  std::optional<SanitizedArticle> article;
  std::optional<std::string> link_url;

  bool empty() const { return !article && !link_url; }
};

class ArticleStore {
 public:
  explicit ArticleStore(pg::Pool& pool) : pool_(pool) {}

  // Writes a new article or link with its catalogue fields and answers its id; or answers the
  // id of the item the same request id of the same owner made (ALREADY_EXISTS
  // `REQUEST_ID_REUSED` when that request asked for something else). Its stored bytes (an
  // article's HTML and plain text, a link's URL) count in the owner's space: RESOURCE_EXHAUSTED
  // `QUOTA_EXCEEDED` when they do not fit in what `user_quota` leaves free.
  absl::StatusOr<std::string> Create(const NewContentItem& item, const RetryKey& key,
                                     int64_t user_quota);

  // Writes `change` to item `item_id`, whose kind's column is `kind`, within the transaction
  // that changes the item (ContentStore::UpdateItem, which refreshes its search words after).
  // FAILED_PRECONDITION `WRONG_ITEM_KIND` for a body of an item that is no article or a URL of
  // one that is no link; RESOURCE_EXHAUSTED `QUOTA_EXCEEDED` when a body or URL that grows does
  // not fit in what `user_quota` leaves of its owner's space (one that shrinks always fits).
  static absl::Status WriteChange(pqxx::work& tx, const std::string& item_id,
                                  const std::string& kind, const ContentChange& change,
                                  int64_t user_quota);

 private:
  pg::Pool& pool_;
};

}  // namespace parta::content
