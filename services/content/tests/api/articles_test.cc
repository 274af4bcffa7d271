// Articles and links through the API: hostile HTML stored sanitised, retries by request id,
// every refusal with its reason, bodies and URLs changed through UpdateItem for their own kind
// only, an article published at once and found by a Russian word form of its text, a link by its
// title, other people kept out, and deletion.

#include <catch2/catch.hpp>

#include "google/protobuf/field_mask.pb.h"
#include "services/content/tests/content_fixture.h"

namespace parta::content {
namespace {

using directory::testing::DirectoryFixture;
using directory::testing::SchoolWorld;
using testing::ContentFixture;
using Stub = v1::ContentService::Stub;

constexpr const char* kLinkAttributes = " rel=\"noopener noreferrer nofollow\" target=\"_blank\"";

v1::CreateArticleRequest ArticleRequest(const std::string& request_id, const std::string& title,
                                        const std::string& html) {
  v1::CreateArticleRequest request;
  request.set_request_id(request_id);
  request.mutable_item()->set_title(title);
  request.mutable_item()->set_article_html(html);
  return request;
}

v1::CreateLinkRequest LinkRequest(const std::string& request_id, const std::string& title,
                                  const std::string& url) {
  v1::CreateLinkRequest request;
  request.set_request_id(request_id);
  request.mutable_item()->set_title(title);
  request.mutable_item()->set_link_url(url);
  return request;
}

v1::Item CreateArticle(ContentFixture& f, const std::string& user,
                       const v1::CreateArticleRequest& request) {
  v1::CreateArticleResponse response;
  REQUIRE_RPC_OK(f.Call(&Stub::CreateArticle, user, request, &response));
  return response.item();
}

v1::Item CreateLink(ContentFixture& f, const std::string& user,
                    const v1::CreateLinkRequest& request) {
  v1::CreateLinkResponse response;
  REQUIRE_RPC_OK(f.Call(&Stub::CreateLink, user, request, &response));
  return response.item();
}

// UpdateItem of `item`'s fields named by `paths`.
::grpc::Status Update(ContentFixture& f, const std::string& user, const v1::Item& item,
                      const std::vector<std::string>& paths, v1::Item* updated = nullptr) {
  v1::UpdateItemRequest request;
  *request.mutable_item() = item;
  for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
  v1::UpdateItemResponse response;
  const ::grpc::Status status = f.Call(&Stub::UpdateItem, user, request, &response);
  if (updated != nullptr) *updated = response.item();
  return status;
}

::grpc::Status Get(ContentFixture& f, const std::string& user, const std::string& item_id,
                   v1::Item* item = nullptr) {
  v1::GetItemRequest request;
  request.set_item_id(item_id);
  v1::GetItemResponse response;
  const ::grpc::Status status = f.Call(&Stub::GetItem, user, request, &response);
  if (item != nullptr) *item = response.item();
  return status;
}

std::vector<std::string> Found(ContentFixture& f, const std::string& user,
                               const std::string& school_id, const std::string& words,
                               v1::ItemKind kind = v1::ITEM_KIND_UNSPECIFIED) {
  v1::SearchSchoolLibraryRequest search;
  search.set_school_id(school_id);
  search.set_query(words);
  search.set_kind(kind);
  v1::SearchSchoolLibraryResponse found;
  REQUIRE_RPC_OK(f.Call(&Stub::SearchSchoolLibrary, user, search, &found));
  std::vector<std::string> titles;
  for (const v1::Item& item : found.items()) {
    CHECK(item.article_html().empty());  // search results stay small
    titles.push_back(item.title());
  }
  return titles;
}

TEST_CASE("CreateArticle stores hostile HTML sanitised and answers a retry with the same article",
          "[content][api]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string user = DirectoryFixture::NewUser();
  const v1::CreateArticleRequest request = ArticleRequest(
      "article-1", "Дроби",
      "<h1>Дроби</h1><p onclick=\"alert(1)\" style=\"color:red\">Сложение <b>дробей</b></p>"
      "<script>alert(1)</script><a href=\"javascript:alert(1)\">ссылка</a>"
      "<img src=x onerror=alert(1)><svg onload=alert(1)></svg>"
      "<a href=\"https://школа.рф/\" target=\"_self\">школа</a>");
  const std::string clean = std::string("<h2>Дроби</h2><p>Сложение <b>дробей</b></p>ссылка") +
                            "<a href=\"https://школа.рф/\"" + kLinkAttributes + ">школа</a>";
  const v1::Item article = CreateArticle(f, user, request);
  CHECK(article.kind() == v1::ITEM_KIND_ARTICLE);
  CHECK(article.title() == "Дроби");
  CHECK(article.owner_user_id() == user);
  CHECK(article.language() == "ru");
  CHECK_FALSE(article.has_current_version());
  CHECK(article.article_html() == clean);

  // A retry answers the first article; the same id asking something else is refused.
  const v1::Item again = CreateArticle(f, user, request);
  CHECK(again.id() == article.id());
  CHECK(again.article_html() == clean);
  v1::CreateArticleRequest other = request;
  other.mutable_item()->set_article_html("<p>другое</p>");
  v1::CreateArticleResponse ignored;
  CHECK_RPC_ERROR(f.Call(&Stub::CreateArticle, user, other, &ignored), ALREADY_EXISTS,
                  "REQUEST_ID_REUSED");
  v1::CreateLinkResponse ignored_link;
  CHECK_RPC_ERROR(f.Call(&Stub::CreateLink, user,
                         LinkRequest("article-1", "Дроби", "https://example.com/"), &ignored_link),
                  ALREADY_EXISTS, "REQUEST_ID_REUSED");
  // Request ids are each person's own.
  const std::string other_user = DirectoryFixture::NewUser();
  CHECK(CreateArticle(f, other_user, request).id() != article.id());

  v1::Item got;
  REQUIRE_RPC_OK(Get(f, user, article.id(), &got));
  CHECK(got.article_html() == clean);
  CHECK(got.kind() == v1::ITEM_KIND_ARTICLE);

  // «Мои файлы» lists it without its body.
  v1::ListMyFilesRequest list;
  v1::ListMyFilesResponse listed;
  REQUIRE_RPC_OK(f.Call(&Stub::ListMyFiles, user, list, &listed));
  REQUIRE(listed.items_size() == 1);
  CHECK(listed.items(0).id() == article.id());
  CHECK(listed.items(0).article_html().empty());
  CHECK_FALSE(listed.items(0).has_current_version());
}

TEST_CASE("CreateArticle and CreateLink refuse what is not valid with stable reasons",
          "[content][api]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string user = DirectoryFixture::NewUser();
  v1::CreateArticleResponse article;
  CHECK_RPC_ERROR(f.Call(&Stub::CreateArticle, user, ArticleRequest("", "Т", "<p>x</p>"), &article),
                  INVALID_ARGUMENT, "INVALID_REQUEST_ID");
  // A body that is not UTF-8 never arrives: protobuf refuses such a string field (the
  // sanitiser's own refusal is unit-tested). One that grows too long once cleaned is refused.
  CHECK_RPC_ERROR(f.Call(&Stub::CreateArticle, user,
                         ArticleRequest("a", "Т", std::string(100'000, '&')), &article),
                  INVALID_ARGUMENT, "INVALID_ARTICLE_BODY");
  CHECK_RPC_ERROR(f.Call(&Stub::CreateArticle, user,
                         ArticleRequest("b", "Т", std::string(200'001, 'x')), &article),
                  INVALID_ARGUMENT, "INVALID_ARTICLE_BODY");
  CHECK_RPC_ERROR(f.Call(&Stub::CreateArticle, user, ArticleRequest("c", "", "<p>x</p>"), &article),
                  INVALID_ARGUMENT, "INVALID_TITLE");
  v1::CreateArticleRequest graded = ArticleRequest("d", "Т", "<p>x</p>");
  graded.mutable_item()->add_grades(12);
  CHECK_RPC_ERROR(f.Call(&Stub::CreateArticle, user, graded, &article), INVALID_ARGUMENT,
                  "INVALID_GRADES");

  v1::CreateLinkResponse link;
  for (const char* url :
       {"", "javascript:alert(1)", "ftp://example.com/", "https://user@evil.example/",
        "https://school.ru@evil.example/", "https://example.com/a b", "//example.com/",
        "https://\xD0\xB0pple.com/", "https://exa_mple.com/"}) {
    INFO(url);
    CHECK_RPC_ERROR(f.Call(&Stub::CreateLink, user, LinkRequest("l", "Ссылка", url), &link),
                    INVALID_ARGUMENT, "INVALID_LINK_URL");
  }
  CHECK_RPC_ERROR(
      f.Call(&Stub::CreateLink, user,
             LinkRequest("l", "Ссылка", "https://example.com/" + std::string(2000, 'a')), &link),
      INVALID_ARGUMENT, "INVALID_LINK_URL");
  CHECK_RPC_ERROR(
      f.Call(&Stub::CreateLink, user, LinkRequest("", "Ссылка", "https://a.ru/"), &link),
      INVALID_ARGUMENT, "INVALID_REQUEST_ID");
  CHECK_RPC_ERROR(f.Call(&Stub::CreateLink, user, LinkRequest("l", "", "https://a.ru/"), &link),
                  INVALID_ARGUMENT, "INVALID_TITLE");

  // Nothing was made by any of them.
  v1::ListMyFilesResponse listed;
  REQUIRE_RPC_OK(f.Call(&Stub::ListMyFiles, user, v1::ListMyFilesRequest(), &listed));
  CHECK(listed.items().empty());
}

TEST_CASE("UpdateItem changes an article's body and a link's URL, each of its own kind only",
          "[content][api]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string user = DirectoryFixture::NewUser();
  const v1::Item link =
      CreateLink(f, user, LinkRequest("link", "Расписание", "https://школа.рф/расписание"));
  CHECK(link.kind() == v1::ITEM_KIND_LINK);
  CHECK(link.link_url() == "https://школа.рф/расписание");
  CHECK_FALSE(link.has_current_version());
  CHECK(CreateLink(f, user, LinkRequest("punycode", "Школа", "https://xn--80atdl2c.xn--p1ai/"))
            .link_url() == "https://xn--80atdl2c.xn--p1ai/");
  const v1::Item article = CreateArticle(f, user, ArticleRequest("article", "Т", "<p>старый</p>"));
  const v1::Item file = f.Upload(user, "a.txt", "a");

  v1::Item changed = article;
  changed.set_article_html("<p>новый <em>текст</em><iframe src=x></iframe></p>");
  changed.set_title("Новый заголовок");
  v1::Item updated;
  REQUIRE_RPC_OK(Update(f, user, changed, {"article_html", "title"}, &updated));
  CHECK(updated.article_html() == "<p>новый <em>текст</em></p>");
  CHECK(updated.title() == "Новый заголовок");
  v1::Item got;
  REQUIRE_RPC_OK(Get(f, user, article.id(), &got));
  CHECK(got.article_html() == "<p>новый <em>текст</em></p>");

  changed.set_article_html(std::string(200'001, 'x'));
  CHECK_RPC_ERROR(Update(f, user, changed, {"article_html"}), INVALID_ARGUMENT,
                  "INVALID_ARTICLE_BODY");
  changed.set_article_html("");
  changed.set_link_url("https://example.com/");
  CHECK_RPC_ERROR(Update(f, user, changed, {"link_url"}), FAILED_PRECONDITION, "WRONG_ITEM_KIND");

  v1::Item moved = link;
  moved.set_link_url("https://example.com/new?a=1&b=2");
  REQUIRE_RPC_OK(Update(f, user, moved, {"link_url"}, &updated));
  CHECK(updated.link_url() == "https://example.com/new?a=1&b=2");
  moved.set_link_url("javascript:alert(1)");
  CHECK_RPC_ERROR(Update(f, user, moved, {"link_url"}), INVALID_ARGUMENT, "INVALID_LINK_URL");
  moved.set_article_html("<p>x</p>");
  CHECK_RPC_ERROR(Update(f, user, moved, {"article_html"}), FAILED_PRECONDITION, "WRONG_ITEM_KIND");
  v1::Item file_change = file;
  file_change.set_article_html("<p>x</p>");
  CHECK_RPC_ERROR(Update(f, user, file_change, {"article_html"}), FAILED_PRECONDITION,
                  "WRONG_ITEM_KIND");
  REQUIRE_RPC_OK(Get(f, user, link.id(), &got));
  CHECK(got.link_url() == "https://example.com/new?a=1&b=2");

  // Articles and links take no versions.
  v1::CreateUploadRequest upload;
  upload.set_request_id("version-of-article");
  upload.set_file_name("b.txt");
  upload.set_size(1);
  upload.set_item_id(article.id());
  v1::CreateUploadResponse created;
  CHECK_RPC_ERROR(f.Call(&Stub::CreateUpload, user, upload, &created), FAILED_PRECONDITION,
                  "WRONG_ITEM_KIND");
}

TEST_CASE("An article is published at once and found by a Russian word form of its text",
          "[content][api]") {
  PARTA_CONTENT_FIXTURE(f);
  SchoolWorld a = f.directory().BuildSchool();
  v1::CreateArticleRequest request = ArticleRequest(
      "fractions", "Памятка",
      "<h2>Памятка</h2><p>Сложение обыкновенных дробей с разными знаменателями.</p>");
  request.mutable_item()->set_subject("Математика");
  request.mutable_item()->add_grades(5);
  const v1::Item article = CreateArticle(f, a.teacher, request);
  CHECK(article.subject() == "Математика");
  const v1::Item link = CreateLink(
      f, a.teacher, LinkRequest("timetable", "Расписание уроков", "https://школа.рф/расписание"));
  v1::PublishToSchoolRequest publish;
  publish.set_item_id(article.id());
  publish.set_school_id(a.school_id);
  v1::PublishToSchoolResponse published;
  REQUIRE_RPC_OK(f.Call(&Stub::PublishToSchool, a.teacher, publish, &published));
  CHECK(published.item().library_school_ids_size() == 1);
  publish.set_item_id(link.id());
  REQUIRE_RPC_OK(f.Call(&Stub::PublishToSchool, a.teacher, publish, &published));

  CHECK(Found(f, a.student, a.school_id, "знаменатель") == std::vector<std::string>{"Памятка"});
  CHECK(Found(f, a.student, a.school_id, "дробь") == std::vector<std::string>{"Памятка"});
  CHECK(Found(f, a.parent, a.school_id, "расписания") ==
        std::vector<std::string>{"Расписание уроков"});
  CHECK(Found(f, a.student, a.school_id, "", v1::ITEM_KIND_ARTICLE) ==
        std::vector<std::string>{"Памятка"});
  CHECK(Found(f, a.student, a.school_id, "", v1::ITEM_KIND_LINK) ==
        std::vector<std::string>{"Расписание уроков"});
  CHECK(Found(f, a.student, a.school_id, "", v1::ITEM_KIND_DOCUMENT).empty());

  // A new body is what search finds from then on.
  v1::Item changed = article;
  changed.set_article_html("<p>Умножение десятичных дробей.</p>");
  REQUIRE_RPC_OK(Update(f, a.teacher, changed, {"article_html"}));
  CHECK(Found(f, a.student, a.school_id, "знаменатель").empty());
  CHECK(Found(f, a.student, a.school_id, "умножения") == std::vector<std::string>{"Памятка"});
}

TEST_CASE("Someone else's article is not found, changed or deleted, and its owner deletes it",
          "[content][api]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string user = DirectoryFixture::NewUser();
  const std::string stranger = DirectoryFixture::NewUser();
  const v1::Item article = CreateArticle(f, user, ArticleRequest("mine", "Моё", "<p>текст</p>"));
  const v1::Item link = CreateLink(f, user, LinkRequest("link", "Ссылка", "https://a.example/"));

  for (const v1::Item& item : {article, link}) {
    CHECK_RPC_ERROR(Get(f, stranger, item.id()), NOT_FOUND, "ITEM_NOT_FOUND");
    v1::Item changed = item;
    changed.set_title("чужое");
    CHECK_RPC_ERROR(Update(f, stranger, changed, {"title"}), NOT_FOUND, "ITEM_NOT_FOUND");
    changed.set_article_html("<p>чужое</p>");
    changed.set_link_url("https://evil.example/");
    CHECK_RPC_ERROR(Update(f, stranger, changed,
                           {item.kind() == v1::ITEM_KIND_ARTICLE ? "article_html" : "link_url"}),
                    NOT_FOUND, "ITEM_NOT_FOUND");
    v1::DeleteItemRequest remove;
    remove.set_item_id(item.id());
    v1::DeleteItemResponse removed;
    CHECK_RPC_ERROR(f.Call(&Stub::DeleteItem, stranger, remove, &removed), NOT_FOUND,
                    "ITEM_NOT_FOUND");
  }
  v1::Item got;
  REQUIRE_RPC_OK(Get(f, user, article.id(), &got));
  CHECK(got.article_html() == "<p>текст</p>");
  CHECK(got.title() == "Моё");

  for (const v1::Item& item : {article, link}) {
    v1::DeleteItemRequest remove;
    remove.set_item_id(item.id());
    v1::DeleteItemResponse removed;
    REQUIRE_RPC_OK(f.Call(&Stub::DeleteItem, user, remove, &removed));
    CHECK_RPC_ERROR(Get(f, user, item.id()), NOT_FOUND, "ITEM_NOT_FOUND");
    CHECK_RPC_ERROR(f.Call(&Stub::DeleteItem, user, remove, &removed), NOT_FOUND, "ITEM_NOT_FOUND");
  }
  v1::ListMyFilesResponse listed;
  REQUIRE_RPC_OK(f.Call(&Stub::ListMyFiles, user, v1::ListMyFilesRequest(), &listed));
  CHECK(listed.items().empty());
}

TEST_CASE("Articles count in their owner's quota, are refused beyond it, and deleting frees it",
          "[content][api][articles]") {
  PARTA_CONTENT_FIXTURE(f, [](ContentConfig& config) { config.content.user_quota = 300'000; });
  const std::string owner = f.directory().BuildSchool().teacher;
  // About 180,000 bytes each as stored: the HTML and its plain text.
  const std::string long_a = "<p>" + std::string(90'000, 'a') + "</p>";
  const std::string long_b = "<p>" + std::string(90'000, 'b') + "</p>";
  const v1::Item first = CreateArticle(f, owner, ArticleRequest("quota-1", "Первая", long_a));
  v1::CreateArticleResponse created;
  CHECK_RPC_ERROR(
      f.Call(&Stub::CreateArticle, owner, ArticleRequest("quota-2", "Вторая", long_b), &created),
      RESOURCE_EXHAUSTED, "QUOTA_EXCEEDED");

  // A small one fits; its body may not grow beyond the quota, and stays as it was.
  v1::Item small = CreateArticle(f, owner, ArticleRequest("quota-3", "Третья", "<p>hi</p>"));
  small.set_article_html(long_b);
  CHECK_RPC_ERROR(Update(f, owner, small, {"article_html"}), RESOURCE_EXHAUSTED, "QUOTA_EXCEEDED");
  v1::Item stored;
  REQUIRE_RPC_OK(Get(f, owner, small.id(), &stored));
  CHECK(stored.article_html() == "<p>hi</p>");
  // A body that shrinks always fits.
  v1::Item shorter = first;
  shorter.set_article_html("<p>" + std::string(80'000, 'a') + "</p>");
  REQUIRE_RPC_OK(Update(f, owner, shorter, {"article_html"}));

  // Deleting the long article frees its space: the other fits now, and can grow.
  v1::DeleteItemRequest remove;
  remove.set_item_id(first.id());
  v1::DeleteItemResponse removed;
  REQUIRE_RPC_OK(f.Call(&Stub::DeleteItem, owner, remove, &removed));
  CreateArticle(f, owner, ArticleRequest("quota-4", "Вторая", long_b));
  small.set_article_html("<p>" + std::string(50'000, 'c') + "</p>");
  REQUIRE_RPC_OK(Update(f, owner, small, {"article_html"}));
}

}  // namespace
}  // namespace parta::content
