// A school's library through the API: a teacher describes an item and publishes it; the school's
// members find it by Russian word forms of its title, description and text, filter it, page
// through it and read it; people of another school find and read nothing; only the school's
// teachers and admins publish; a withdrawn item is gone.

#include <catch2/catch.hpp>

#include "google/protobuf/field_mask.pb.h"
#include "services/content/tests/content_fixture.h"
#include "services/content/tests/pdf_sample.h"

namespace parta::content {
namespace {

using directory::testing::SchoolWorld;
using testing::ContentFixture;
using Stub = v1::ContentService::Stub;

v1::Item Describe(ContentFixture& f, const std::string& owner, const v1::Item& item,
                  const std::string& subject, std::vector<int> grades,
                  const std::string& description) {
  v1::UpdateItemRequest update;
  update.mutable_item()->set_id(item.id());
  update.mutable_item()->set_subject(subject);
  for (int grade : grades) update.mutable_item()->add_grades(grade);
  update.mutable_item()->set_description(description);
  update.mutable_item()->set_age_label(v1::AGE_LABEL_6);
  for (const char* path : {"subject", "grades", "description", "age_label"}) {
    update.mutable_update_mask()->add_paths(path);
  }
  v1::UpdateItemResponse updated;
  REQUIRE_RPC_OK(f.Call(&Stub::UpdateItem, owner, update, &updated));
  return updated.item();
}

::grpc::Status Publish(ContentFixture& f, const std::string& user, const std::string& item_id,
                       const std::string& school_id) {
  v1::PublishToSchoolRequest publish;
  publish.set_item_id(item_id);
  publish.set_school_id(school_id);
  v1::PublishToSchoolResponse published;
  return f.Call(&Stub::PublishToSchool, user, publish, &published);
}

std::vector<std::string> Titles(ContentFixture& f, const std::string& user,
                                const v1::SearchSchoolLibraryRequest& search) {
  v1::SearchSchoolLibraryResponse found;
  const ::grpc::Status status = f.Call(&Stub::SearchSchoolLibrary, user, search, &found);
  INFO(status.error_message());
  REQUIRE(status.ok());
  std::vector<std::string> titles;
  for (const v1::Item& item : found.items()) titles.push_back(item.title());
  return titles;
}

v1::SearchSchoolLibraryRequest Query(const std::string& school_id, const std::string& words) {
  v1::SearchSchoolLibraryRequest search;
  search.set_school_id(school_id);
  search.set_query(words);
  return search;
}

TEST_CASE("A school's library: published by its teachers, found by word forms by its members",
          "[content][api]") {
  PARTA_CONTENT_FIXTURE(f);
  SchoolWorld a = f.directory().BuildSchool();
  SchoolWorld b = f.directory().BuildSchool("Школа № 12");

  const v1::Item fractions = Describe(
      f, a.teacher,
      f.Upload(a.teacher, "Дроби.txt",
               "Сложение обыкновенных дробей с разными знаменателями.\nПримеры и задачи.\n"),
      "Математика", {5, 6}, "Рабочий лист к уроку");
  f.clock().Advance(absl::Seconds(1));
  const v1::Item physics = Describe(f, a.teacher, f.Upload(a.teacher, "Опыты.txt", "Маятник\n"),
                                    "Физика", {7}, "Лабораторные работы по механике");
  f.clock().Advance(absl::Seconds(1));
  const v1::Item geometry =
      Describe(f, a.teacher,
               f.Upload(a.teacher, "Геометрия.pdf", testing::SamplePdf("Pythagorean theorem")),
               "Математика", {8}, "");
  CHECK(fractions.subject() == "Математика");
  CHECK(fractions.grades_size() == 2);
  CHECK(fractions.age_label() == v1::AGE_LABEL_6);

  // Only the school's teachers and admins publish there.
  CHECK_RPC_ERROR(Publish(f, a.student, f.Upload(a.student, "мой.txt", "x").id(), a.school_id),
                  PERMISSION_DENIED, "LIBRARY_PUBLISH_DENIED");
  CHECK_RPC_ERROR(Publish(f, b.teacher, f.Upload(b.teacher, "чужой.txt", "y").id(), a.school_id),
                  PERMISSION_DENIED, "LIBRARY_PUBLISH_DENIED");
  CHECK_RPC_ERROR(Publish(f, b.teacher, fractions.id(), b.school_id), NOT_FOUND, "ITEM_NOT_FOUND");
  REQUIRE_RPC_OK(Publish(f, a.teacher, fractions.id(), a.school_id));
  REQUIRE_RPC_OK(Publish(f, a.teacher, physics.id(), a.school_id));
  REQUIRE_RPC_OK(Publish(f, a.teacher, physics.id(), a.school_id));  // again: nothing changes
  REQUIRE_RPC_OK(Publish(f, a.teacher, geometry.id(), a.school_id));
  // A PDF's text (English words stem too).
  CHECK(Titles(f, a.student, Query(a.school_id, "theorems")) ==
        std::vector<std::string>{"Геометрия.pdf"});

  // Word forms of the title, the description and the text.
  CHECK(Titles(f, a.student, Query(a.school_id, "дробь")) == std::vector<std::string>{"Дроби.txt"});
  CHECK(Titles(f, a.student, Query(a.school_id, "знаменатель")) ==
        std::vector<std::string>{"Дроби.txt"});
  CHECK(Titles(f, a.parent, Query(a.school_id, "лабораторная работа")) ==
        std::vector<std::string>{"Опыты.txt"});
  CHECK(Titles(f, a.student, Query(a.school_id, "химия")).empty());
  CHECK(Titles(f, a.student, Query(a.school_id, "")) ==
        (std::vector<std::string>{"Геометрия.pdf", "Опыты.txt", "Дроби.txt"}));
  v1::SearchSchoolLibraryRequest filtered = Query(a.school_id, "");
  filtered.set_grade(6);
  CHECK(Titles(f, a.student, filtered) == std::vector<std::string>{"Дроби.txt"});
  filtered.set_grade(0);
  filtered.set_subject("Физика");
  CHECK(Titles(f, a.student, filtered) == std::vector<std::string>{"Опыты.txt"});
  filtered.set_subject("");
  filtered.set_max_age_label(v1::AGE_LABEL_0);
  CHECK(Titles(f, a.student, filtered).empty());

  // Paging.
  v1::SearchSchoolLibraryRequest paged = Query(a.school_id, "");
  paged.set_page_size(2);
  v1::SearchSchoolLibraryResponse page;
  REQUIRE_RPC_OK(f.Call(&Stub::SearchSchoolLibrary, a.student, paged, &page));
  REQUIRE(page.items_size() == 2);
  CHECK(page.items(0).title() == "Геометрия.pdf");
  CHECK(page.items(1).title() == "Опыты.txt");
  paged.set_page_token(page.next_page_token());
  REQUIRE_RPC_OK(f.Call(&Stub::SearchSchoolLibrary, a.student, paged, &page));
  REQUIRE(page.items_size() == 1);
  CHECK(page.items(0).title() == "Дроби.txt");
  CHECK(page.next_page_token().empty());
  paged.set_query("другое");
  CHECK_RPC_ERROR(f.Call(&Stub::SearchSchoolLibrary, a.student, paged, &page), INVALID_ARGUMENT,
                  "INVALID_PAGE_TOKEN");

  // Members read what their library shows; another school's people neither find nor read it.
  const std::string version = fractions.current_version().id();
  CHECK(f.Download(a.student, version).find("знаменателями") != std::string::npos);
  CHECK_RPC_ERROR(f.Call(&Stub::SearchSchoolLibrary, b.student, Query(a.school_id, "дробь"), &page),
                  NOT_FOUND, "SCHOOL_NOT_FOUND");
  v1::OpenDownloadRequest open;
  open.set_version_id(version);
  v1::OpenDownloadResponse opened;
  CHECK_RPC_ERROR(f.Call(&Stub::OpenDownload, b.student, open, &opened), NOT_FOUND,
                  "VERSION_NOT_FOUND");
  CHECK(Titles(f, b.student, Query(b.school_id, "дробь")).empty());

  // Withdrawn: gone from the library and from its readers.
  v1::WithdrawFromSchoolRequest withdraw;
  withdraw.set_item_id(fractions.id());
  withdraw.set_school_id(a.school_id);
  v1::WithdrawFromSchoolResponse withdrawn;
  REQUIRE_RPC_OK(f.Call(&Stub::WithdrawFromSchool, a.teacher, withdraw, &withdrawn));
  CHECK(withdrawn.item().library_school_ids().empty());
  CHECK_RPC_ERROR(f.Call(&Stub::WithdrawFromSchool, a.teacher, withdraw, &withdrawn), NOT_FOUND,
                  "LIBRARY_ENTRY_NOT_FOUND");
  CHECK(Titles(f, a.student, Query(a.school_id, "дробь")).empty());
  CHECK_RPC_ERROR(f.Call(&Stub::OpenDownload, a.student, open, &opened), NOT_FOUND,
                  "VERSION_NOT_FOUND");
}

TEST_CASE("An item's catalogue fields are checked", "[content][api]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string user = directory::testing::DirectoryFixture::NewUser();
  const v1::Item item = f.Upload(user, "a.txt", "a");
  auto update = [&](const std::function<void(v1::Item&)>& set, const std::string& path) {
    v1::UpdateItemRequest request;
    request.mutable_item()->set_id(item.id());
    set(*request.mutable_item());
    request.mutable_update_mask()->add_paths(path);
    v1::UpdateItemResponse response;
    return f.Call(&Stub::UpdateItem, user, request, &response);
  };
  CHECK_RPC_ERROR(update([](v1::Item& i) { i.add_grades(12); }, "grades"), INVALID_ARGUMENT,
                  "INVALID_GRADES");
  CHECK_RPC_ERROR(update(
                      [](v1::Item& i) {
                        i.add_grades(5);
                        i.add_grades(5);
                      },
                      "grades"),
                  INVALID_ARGUMENT, "INVALID_GRADES");
  CHECK_RPC_ERROR(update([](v1::Item& i) { i.set_title(""); }, "title"), INVALID_ARGUMENT,
                  "INVALID_TITLE");
  CHECK_RPC_ERROR(update([](v1::Item& i) { i.set_language("rus"); }, "language"), INVALID_ARGUMENT,
                  "INVALID_LANGUAGE");
  CHECK_RPC_ERROR(update([](v1::Item& i) { i.set_owner_user_id("x"); }, "owner_user_id"),
                  INVALID_ARGUMENT, "INVALID_UPDATE_MASK");
  REQUIRE_RPC_OK(update([](v1::Item& i) { i.set_title("Контурная карта «Россия»"); }, "title"));
  CHECK(f.Upload(user, "b.txt", "b").title() == "b.txt");
  const std::string stranger = directory::testing::DirectoryFixture::NewUser();
  v1::UpdateItemRequest foreign;
  foreign.mutable_item()->set_id(item.id());
  foreign.mutable_item()->set_title("чужое");
  foreign.mutable_update_mask()->add_paths("title");
  v1::UpdateItemResponse ignored;
  CHECK_RPC_ERROR(f.Call(&Stub::UpdateItem, stranger, foreign, &ignored), NOT_FOUND,
                  "ITEM_NOT_FOUND");
}

}  // namespace
}  // namespace parta::content
