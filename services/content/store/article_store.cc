#include "services/content/store/article_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "libs/pg/time.h"
#include "services/content/store/content_store.h"
#include "services/content/store/item_rows.h"

namespace parta::content {
namespace {

// "{5,6}": grades as a Postgres int[] literal.
std::string GradesArray(const v1::Item& item) {
  std::string grades = "{";
  for (int i = 0; i < item.grades_size(); ++i) {
    absl::StrAppend(&grades, i > 0 ? "," : "", item.grades(i));
  }
  return grades + "}";
}

absl::Status WrongKind(absl::string_view what) {
  return FailedPrecondition("WRONG_ITEM_KIND", absl::StrCat("only ", what));
}

// The bytes an article or a link uses of its owner's space (as SpaceUsed counts them).
int64_t StoredBytes(const SanitizedArticle& article) {
  return static_cast<int64_t>(article.html.size() + article.text.size());
}

// Whether `owner`'s space has room for `growth` more bytes; RESOURCE_EXHAUSTED
// `QUOTA_EXCEEDED` otherwise. Takes his quota lock until the transaction ends, as uploads do.
absl::Status CheckRoom(pqxx::work& tx, const std::string& owner, int64_t growth, int64_t quota) {
  LockQuota(tx, owner);
  const int64_t used = SpaceUsed(tx, owner);
  if (used + growth <= quota) return absl::OkStatus();
  return ResourceExhausted(
      "QUOTA_EXCEEDED",
      absl::StrCat("the text needs ", growth, " more bytes; ", std::max<int64_t>(0, quota - used),
                   " of the quota of ", quota, " bytes are free"));
}

}  // namespace

absl::StatusOr<std::string> ArticleStore::Create(const NewContentItem& item, const RetryKey& key,
                                                 int64_t user_quota) {
  return pool_.TransactFor<std::string>([&](pqxx::work& tx) -> absl::StatusOr<std::string> {
    // Two calls with one request id wait for each other here, so the second sees the first's
    // item instead of making another.
    tx.exec_params(
        "SELECT pg_advisory_xact_lock(hashtextextended('content-item-request:' || $1 || ':' || "
        "$2, 0))",
        item.owner_user_id, key.request_id);
    const pqxx::result earlier = tx.exec_params(
        "SELECT item_id::text, request_fingerprint FROM item_requests "
        "WHERE owner_user_id = $1 AND request_id = $2",
        item.owner_user_id, key.request_id);
    if (!earlier.empty()) {
      if (pqxx::binarystring(earlier[0][1]).str() != key.fingerprint) {
        return AlreadyExists("REQUEST_ID_REUSED", "this request id made another item");
      }
      return earlier[0][0].as<std::string>();
    }
    const v1::Item& fields = item.fields;
    const bool link = item.kind == v1::ITEM_KIND_LINK;
    RETURN_IF_ERROR(CheckRoom(
        tx, item.owner_user_id,
        link ? static_cast<int64_t>(item.link_url.size()) : StoredBytes(item.article), user_quota));
    tx.exec_params(
        "INSERT INTO items (id, owner_user_id, kind, title, created_at, updated_at, description, "
        "subject, grades, age_label, licence, language, link_url) "
        "VALUES ($1, $2, $3, $4, " PARTA_PG_TS("$5") ", " PARTA_PG_TS(
            "$5") ", $6, $7, $8::int[], $9, $10, $11, nullif($12, ''))",
        item.id, item.owner_user_id, KindName(item.kind), fields.title(), pg::ToMicros(item.now),
        fields.description(), fields.subject(), GradesArray(fields),
        static_cast<int>(fields.age_label()), fields.licence(),
        fields.language().empty() ? "ru" : fields.language(), link ? item.link_url : "");
    if (!link) {
      tx.exec_params("INSERT INTO articles (item_id, body_html, body_text) VALUES ($1, $2, $3)",
                     item.id, item.article.html, item.article.text);
    }
    tx.exec_params(
        "INSERT INTO item_requests (owner_user_id, request_id, request_fingerprint, item_id) "
        "VALUES ($1, $2, $3, $4)",
        item.owner_user_id, key.request_id, pqxx::binarystring(key.fingerprint), item.id);
    return item.id;
  });
}

absl::Status ArticleStore::WriteChange(pqxx::work& tx, const std::string& item_id,
                                       const std::string& kind, const ContentChange& change,
                                       int64_t user_quota) {
  if (change.article) {
    if (kind != KindName(v1::ITEM_KIND_ARTICLE)) {
      return WrongKind("an article has a body (article_html)");
    }
    const pqxx::row before = tx.exec_params1(
        "SELECT i.owner_user_id::text, octet_length(a.body_html) + octet_length(a.body_text) "
        "FROM articles a JOIN items i ON i.id = a.item_id WHERE a.item_id = $1",
        item_id);
    if (const int64_t growth = StoredBytes(*change.article) - before[1].as<int64_t>(); growth > 0) {
      RETURN_IF_ERROR(CheckRoom(tx, before[0].as<std::string>(), growth, user_quota));
    }
    tx.exec_params("UPDATE articles SET body_html = $2, body_text = $3 WHERE item_id = $1", item_id,
                   change.article->html, change.article->text);
  }
  if (change.link_url) {
    if (kind != KindName(v1::ITEM_KIND_LINK)) return WrongKind("a link has a URL (link_url)");
    const pqxx::row before = tx.exec_params1(
        "SELECT owner_user_id::text, octet_length(link_url) FROM items WHERE id = $1", item_id);
    if (const int64_t growth =
            static_cast<int64_t>(change.link_url->size()) - before[1].as<int64_t>();
        growth > 0) {
      RETURN_IF_ERROR(CheckRoom(tx, before[0].as<std::string>(), growth, user_quota));
    }
    tx.exec_params("UPDATE items SET link_url = $2 WHERE id = $1", item_id, *change.link_url);
  }
  return absl::OkStatus();
}

}  // namespace parta::content
