// Where items live beyond a flat list, through the API: folders of «Мои файлы»; the platform
// library («Библиотека ЦОК») with its editors, reviews and reports; and schools' spaces (a
// library open to everyone signed in, a logo anyone may fetch). Every foreign id is tried.

#include <catch2/catch.hpp>

#include "google/protobuf/field_mask.pb.h"
#include "services/content/store/folder_store.h"
#include "services/content/tests/content_fixture.h"

namespace parta::content {
namespace {

using directory::testing::DirectoryFixture;
using directory::testing::SchoolWorld;
using testing::ContentFixture;
using Stub = v1::ContentService::Stub;

// A 1×1 PNG: the smallest real picture.
const std::string kPng(
    "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\n"
    "IDAT\x78\x9c\x63\0\x01\0\0\x05\0\x01\x0d\x0a\x2d\xb4\0\0\0\0IEND\xae\x42\x60\x82",
    67);

::grpc::Status MakeFolder(ContentFixture& f, const std::string& user, const std::string& name,
                          const std::string& parent, v1::Folder* made,
                          const std::string& request_id = "") {
  v1::CreateFolderRequest create;
  create.set_request_id(request_id.empty() ? name + "|" + parent : request_id);
  create.set_name(name);
  create.set_parent_id(parent);
  v1::CreateFolderResponse created;
  const ::grpc::Status status = f.Call(&Stub::CreateFolder, user, create, &created);
  if (made) *made = created.folder();
  return status;
}

v1::Folder Folder(ContentFixture& f, const std::string& user, const std::string& name,
                  const std::string& parent = "") {
  v1::Folder folder;
  REQUIRE_RPC_OK(MakeFolder(f, user, name, parent, &folder));
  return folder;
}

::grpc::Status Move(ContentFixture& f, const std::string& user, const std::string& item_id,
                    const std::string& folder_id) {
  v1::UpdateItemRequest update;
  update.mutable_item()->set_id(item_id);
  update.mutable_item()->set_folder_id(folder_id);
  update.mutable_update_mask()->add_paths("folder_id");
  v1::UpdateItemResponse updated;
  return f.Call(&Stub::UpdateItem, user, update, &updated);
}

v1::ListMyFilesResponse List(ContentFixture& f, const std::string& user,
                             const std::string& folder_id) {
  v1::ListMyFilesRequest list;
  list.set_folder_id(folder_id);
  v1::ListMyFilesResponse listed;
  REQUIRE_RPC_OK(f.Call(&Stub::ListMyFiles, user, list, &listed));
  return listed;
}

std::vector<std::string> ItemTitles(const v1::ListMyFilesResponse& listed) {
  std::vector<std::string> titles;
  for (const v1::Item& item : listed.items()) titles.push_back(item.title());
  return titles;
}

std::vector<std::string> FolderNames(const v1::ListMyFilesResponse& listed) {
  std::vector<std::string> names;
  for (const v1::Folder& folder : listed.folders()) names.push_back(folder.name());
  return names;
}

::grpc::Status UpdateFolder(ContentFixture& f, const std::string& user, const v1::Folder& folder,
                            std::vector<std::string> paths) {
  v1::UpdateFolderRequest update;
  *update.mutable_folder() = folder;
  for (const std::string& path : paths) update.mutable_update_mask()->add_paths(path);
  v1::UpdateFolderResponse updated;
  return f.Call(&Stub::UpdateFolder, user, update, &updated);
}

::grpc::Status DeleteFolder(ContentFixture& f, const std::string& user, const std::string& id) {
  v1::DeleteFolderRequest remove;
  remove.set_folder_id(id);
  v1::DeleteFolderResponse removed;
  return f.Call(&Stub::DeleteFolder, user, remove, &removed);
}

TEST_CASE("Folders of «Мои файлы»: nested, moved into, renamed, kept apart, emptied and deleted",
          "[content][api][folders]") {
  PARTA_CONTENT_FIXTURE(f);
  SchoolWorld a = f.directory().BuildSchool();

  const v1::Folder lessons = Folder(f, a.teacher, "Уроки");
  const v1::Folder fifth = Folder(f, a.teacher, "5А", lessons.id());
  CHECK(fifth.parent_id() == lessons.id());
  const v1::Item sheet = f.Upload(a.teacher, "Лист.txt", "задание");
  f.clock().Advance(absl::Seconds(1));
  const v1::Item notes = f.Upload(a.teacher, "Заметки.txt", "заметки");

  // A retry answers the same folder; the same request id for another folder is refused.
  v1::Folder again;
  REQUIRE_RPC_OK(MakeFolder(f, a.teacher, "Уроки", "", &again));
  CHECK(again.id() == lessons.id());
  CHECK_RPC_ERROR(MakeFolder(f, a.teacher, "Другое", "", nullptr, "Уроки|"), ALREADY_EXISTS,
                  "REQUEST_ID_REUSED");
  // Sibling names are unique ignoring case, Cyrillic included; other parents may repeat them.
  CHECK_RPC_ERROR(MakeFolder(f, a.teacher, "уроки", "", nullptr), ALREADY_EXISTS, "FOLDER_EXISTS");
  Folder(f, a.teacher, "Уроки", fifth.id());
  // Bad names and ids.
  CHECK_RPC_ERROR(MakeFolder(f, a.teacher, "a/b", "", nullptr), INVALID_ARGUMENT,
                  "INVALID_FOLDER_NAME");
  CHECK_RPC_ERROR(MakeFolder(f, a.teacher, "  ", "", nullptr), INVALID_ARGUMENT,
                  "INVALID_FOLDER_NAME");
  CHECK_RPC_ERROR(MakeFolder(f, a.teacher, "x", "not-a-uuid", nullptr), INVALID_ARGUMENT,
                  "INVALID_FOLDER_ID");
  {
    v1::CreateFolderRequest create;
    create.set_name("Без запроса");
    v1::CreateFolderResponse created;
    CHECK_RPC_ERROR(f.Call(&Stub::CreateFolder, a.teacher, create, &created), INVALID_ARGUMENT,
                    "INVALID_REQUEST_ID");
  }

  // Moving an item into a folder files it there, without changing it.
  REQUIRE_RPC_OK(Move(f, a.teacher, sheet.id(), fifth.id()));
  CHECK(ItemTitles(List(f, a.teacher, "")) == std::vector<std::string>{"Заметки.txt"});
  CHECK(FolderNames(List(f, a.teacher, "")) == std::vector<std::string>{"Уроки"});
  const v1::ListMyFilesResponse in_fifth = List(f, a.teacher, fifth.id());
  CHECK(ItemTitles(in_fifth) == std::vector<std::string>{"Лист.txt"});
  CHECK(in_fifth.items(0).folder_id() == fifth.id());
  CHECK(in_fifth.items(0).update_time().seconds() == sheet.update_time().seconds());
  CHECK(in_fifth.items(0).update_time().nanos() == sheet.update_time().nanos());
  CHECK(FolderNames(in_fifth) == std::vector<std::string>{"Уроки"});

  // Renaming and moving folders: never into themselves.
  v1::Folder renamed = fifth;
  renamed.set_name("5Б");
  REQUIRE_RPC_OK(UpdateFolder(f, a.teacher, renamed, {"name"}));
  v1::Folder into_child = lessons;
  into_child.set_parent_id(fifth.id());
  CHECK_RPC_ERROR(UpdateFolder(f, a.teacher, into_child, {"parent_id"}), FAILED_PRECONDITION,
                  "FOLDER_CYCLE");
  v1::Folder into_itself = lessons;
  into_itself.set_parent_id(lessons.id());
  CHECK_RPC_ERROR(UpdateFolder(f, a.teacher, into_itself, {"parent_id"}), FAILED_PRECONDITION,
                  "FOLDER_CYCLE");
  v1::Folder to_top = fifth;
  to_top.set_parent_id("");
  REQUIRE_RPC_OK(UpdateFolder(f, a.teacher, to_top, {"parent_id"}));
  CHECK(FolderNames(List(f, a.teacher, "")) == (std::vector<std::string>{"5Б", "Уроки"}));
  CHECK_RPC_ERROR(UpdateFolder(f, a.teacher, to_top, {"owner"}), INVALID_ARGUMENT,
                  "INVALID_UPDATE_MASK");

  // Someone else's folders and items: nothing to see, move or delete.
  CHECK_RPC_ERROR(Move(f, a.student, sheet.id(), ""), NOT_FOUND, "ITEM_NOT_FOUND");
  CHECK_RPC_ERROR(Move(f, a.teacher, notes.id(), Folder(f, a.student, "Моё").id()), NOT_FOUND,
                  "FOLDER_NOT_FOUND");
  {
    v1::ListMyFilesRequest list;
    list.set_folder_id(lessons.id());
    v1::ListMyFilesResponse listed;
    CHECK_RPC_ERROR(f.Call(&Stub::ListMyFiles, a.student, list, &listed), NOT_FOUND,
                    "FOLDER_NOT_FOUND");
  }
  CHECK_RPC_ERROR(DeleteFolder(f, a.student, lessons.id()), NOT_FOUND, "FOLDER_NOT_FOUND");
  CHECK_RPC_ERROR(UpdateFolder(f, a.student, renamed, {"name"}), NOT_FOUND, "FOLDER_NOT_FOUND");

  // A folder goes only when empty: nothing is deleted by deleting its folder.
  CHECK_RPC_ERROR(DeleteFolder(f, a.teacher, fifth.id()), FAILED_PRECONDITION, "FOLDER_NOT_EMPTY");
  REQUIRE_RPC_OK(Move(f, a.teacher, sheet.id(), ""));
  CHECK_RPC_ERROR(DeleteFolder(f, a.teacher, fifth.id()), FAILED_PRECONDITION, "FOLDER_NOT_EMPTY");
  const v1::ListMyFilesResponse in_renamed = List(f, a.teacher, fifth.id());
  REQUIRE(in_renamed.folders_size() == 1);
  REQUIRE_RPC_OK(DeleteFolder(f, a.teacher, in_renamed.folders(0).id()));
  REQUIRE_RPC_OK(DeleteFolder(f, a.teacher, fifth.id()));
  REQUIRE_RPC_OK(DeleteFolder(f, a.teacher, lessons.id()));
  CHECK_RPC_ERROR(DeleteFolder(f, a.teacher, fifth.id()), NOT_FOUND, "FOLDER_NOT_FOUND");
  CHECK(List(f, a.teacher, "").folders_size() == 0);
  CHECK(ItemTitles(List(f, a.teacher, "")) ==
        (std::vector<std::string>{"Заметки.txt", "Лист.txt"}));
}

TEST_CASE("Folders nest at most 16 deep, whether made there or moved there",
          "[content][api][folders]") {
  PARTA_CONTENT_FIXTURE(f);
  const std::string owner = f.directory().BuildSchool().teacher;
  std::string parent;
  for (int depth = 1; depth <= kMaxFolderDepth; ++depth) {
    parent = Folder(f, owner, "Уровень " + std::to_string(depth), parent).id();
  }
  CHECK_RPC_ERROR(MakeFolder(f, owner, "Слишком глубоко", parent, nullptr), FAILED_PRECONDITION,
                  "FOLDERS_TOO_DEEP");
  // A folder with a subfolder, moved under the deepest: its subfolder would be the 18th level.
  const v1::Folder branch = Folder(f, owner, "Ветка");
  Folder(f, owner, "Лист", branch.id());
  v1::Folder moved = branch;
  moved.set_parent_id(parent);
  CHECK_RPC_ERROR(UpdateFolder(f, owner, moved, {"parent_id"}), FAILED_PRECONDITION,
                  "FOLDERS_TOO_DEEP");
  CHECK(List(f, owner, "").folders_size() == 2);  // nothing moved
}

v1::Item Describe(ContentFixture& f, const std::string& owner, const std::string& item_id,
                  const std::string& subject, const std::string& description) {
  v1::UpdateItemRequest update;
  update.mutable_item()->set_id(item_id);
  update.mutable_item()->set_subject(subject);
  update.mutable_item()->set_description(description);
  update.mutable_item()->set_age_label(v1::AGE_LABEL_12);
  for (const char* path : {"subject", "description", "age_label"}) {
    update.mutable_update_mask()->add_paths(path);
  }
  v1::UpdateItemResponse updated;
  REQUIRE_RPC_OK(f.Call(&Stub::UpdateItem, owner, update, &updated));
  return updated.item();
}

::grpc::Status Submit(ContentFixture& f, const std::string& user, const std::string& item_id,
                      v1::Item* item = nullptr) {
  v1::SubmitToPlatformLibraryRequest submit;
  submit.set_item_id(item_id);
  v1::SubmitToPlatformLibraryResponse submitted;
  const ::grpc::Status status = f.Call(&Stub::SubmitToPlatformLibrary, user, submit, &submitted);
  if (item) *item = submitted.item();
  return status;
}

::grpc::Status Review(ContentFixture& f, const std::string& user, const std::string& item_id,
                      v1::ReviewDecision decision, const std::string& reason,
                      const google::protobuf::Timestamp& seen, v1::Item* item = nullptr) {
  v1::ReviewPlatformSubmissionRequest review;
  review.set_item_id(item_id);
  review.set_decision(decision);
  review.set_reason(reason);
  *review.mutable_item_update_time() = seen;
  v1::ReviewPlatformSubmissionResponse reviewed;
  const ::grpc::Status status = f.Call(&Stub::ReviewPlatformSubmission, user, review, &reviewed);
  if (item) *item = reviewed.item();
  return status;
}

// The item as an editor sees it waiting for review (its update_time is what he approves).
v1::Item Waiting(ContentFixture& f, const std::string& editor, const std::string& item_id) {
  v1::ListPlatformSubmissionsRequest list;
  v1::ListPlatformSubmissionsResponse listed;
  REQUIRE_RPC_OK(f.Call(&Stub::ListPlatformSubmissions, editor, list, &listed));
  for (const v1::Item& item : listed.items()) {
    if (item.id() == item_id) return item;
  }
  FAIL("the item does not wait for review");
  return {};
}

std::vector<std::string> Found(ContentFixture& f, const std::string& user,
                               const std::string& words) {
  v1::SearchPlatformLibraryRequest search;
  search.set_query(words);
  v1::SearchPlatformLibraryResponse found;
  REQUIRE_RPC_OK(f.Call(&Stub::SearchPlatformLibrary, user, search, &found));
  std::vector<std::string> titles;
  for (const v1::Item& item : found.items()) titles.push_back(item.title());
  return titles;
}

::grpc::Status Open(ContentFixture& f, const std::string& user, const std::string& version_id) {
  v1::OpenDownloadRequest open;
  open.set_version_id(version_id);
  v1::OpenDownloadResponse opened;
  return f.Call(&Stub::OpenDownload, user, open, &opened);
}

::grpc::Status AsOperator(ContentFixture& f, const std::string& editor, bool grant) {
  auto context = DirectoryFixture::Context(f.directory().OperatorToken());
  if (grant) {
    v1::GrantLibraryEditorRequest request;
    request.set_user_id(editor);
    v1::GrantLibraryEditorResponse response;
    return f.stub().GrantLibraryEditor(context.get(), request, &response);
  }
  v1::RevokeLibraryEditorRequest request;
  request.set_user_id(editor);
  v1::RevokeLibraryEditorResponse response;
  return f.stub().RevokeLibraryEditor(context.get(), request, &response);
}

std::vector<std::string> Submissions(ContentFixture& f, const std::string& editor) {
  v1::ListPlatformSubmissionsRequest list;
  v1::ListPlatformSubmissionsResponse listed;
  REQUIRE_RPC_OK(f.Call(&Stub::ListPlatformSubmissions, editor, list, &listed));
  std::vector<std::string> ids;
  for (const v1::Item& item : listed.items()) ids.push_back(item.id());
  return ids;
}

TEST_CASE("The platform library: offered, reviewed by editors, found by all, reported, taken out",
          "[content][api][platform]") {
  PARTA_CONTENT_FIXTURE(f);
  SchoolWorld a = f.directory().BuildSchool();
  SchoolWorld b = f.directory().BuildSchool("Школа № 12");
  const std::string editor = b.employee;

  // Operators name editors; nobody else does.
  {
    v1::GrantLibraryEditorRequest grant;
    grant.set_user_id(a.teacher);
    v1::GrantLibraryEditorResponse granted;
    CHECK_RPC_ERROR(f.Call(&Stub::GrantLibraryEditor, a.admin, grant, &granted), PERMISSION_DENIED,
                    "OPERATORS_ONLY");
  }
  REQUIRE_RPC_OK(AsOperator(f, editor, true));
  REQUIRE_RPC_OK(AsOperator(f, editor, true));  // again: nothing changes

  const v1::Item item =
      f.Upload(a.teacher, "Проценты.txt", "Нахождение процентов от числа. Задачи на проценты.\n");
  // The catalogue needs a subject and an age label first.
  CHECK_RPC_ERROR(Submit(f, a.teacher, item.id()), FAILED_PRECONDITION, "CATALOGUE_INCOMPLETE");
  Describe(f, a.teacher, item.id(), "Математика", "Рабочий лист");
  CHECK_RPC_ERROR(Submit(f, a.student, item.id()), NOT_FOUND, "ITEM_NOT_FOUND");
  v1::Item submitted;
  REQUIRE_RPC_OK(Submit(f, a.teacher, item.id(), &submitted));
  CHECK(submitted.platform_state() == v1::PLATFORM_STATE_SUBMITTED);

  // Waiting for review: editors see it and open its file, nobody else does.
  {
    v1::ListPlatformSubmissionsRequest list;
    v1::ListPlatformSubmissionsResponse listed;
    CHECK_RPC_ERROR(f.Call(&Stub::ListPlatformSubmissions, a.admin, list, &listed),
                    PERMISSION_DENIED, "EDITORS_ONLY");
  }
  CHECK(Submissions(f, editor) == std::vector<std::string>{item.id()});
  CHECK(f.Download(editor, item.current_version().id()).find("процентов") != std::string::npos);
  CHECK_RPC_ERROR(Open(f, b.student, item.current_version().id()), NOT_FOUND, "VERSION_NOT_FOUND");
  CHECK(Found(f, b.student, "процент").empty());

  // Rejected with a reason its owner reads; offered again; published.
  const google::protobuf::Timestamp seen = Waiting(f, editor, item.id()).update_time();
  CHECK(Waiting(f, editor, item.id()).folder_id().empty());
  CHECK_RPC_ERROR(Review(f, a.admin, item.id(), v1::REVIEW_DECISION_APPROVE, "", seen),
                  PERMISSION_DENIED, "EDITORS_ONLY");
  CHECK_RPC_ERROR(Review(f, editor, item.id(), v1::REVIEW_DECISION_REJECT, "", seen),
                  INVALID_ARGUMENT, "REASON_REQUIRED");
  CHECK_RPC_ERROR(Review(f, editor, item.id(), v1::REVIEW_DECISION_UNSPECIFIED, "", seen),
                  INVALID_ARGUMENT, "INVALID_DECISION");
  REQUIRE_RPC_OK(
      Review(f, editor, item.id(), v1::REVIEW_DECISION_REJECT, "Нет ответов к задачам", seen));
  {
    v1::GetItemRequest get;
    get.set_item_id(item.id());
    v1::GetItemResponse got;
    REQUIRE_RPC_OK(f.Call(&Stub::GetItem, a.teacher, get, &got));
    CHECK(got.item().platform_state() == v1::PLATFORM_STATE_REJECTED);
    CHECK(got.item().platform_reason() == "Нет ответов к задачам");
  }
  CHECK_RPC_ERROR(Review(f, editor, item.id(), v1::REVIEW_DECISION_APPROVE, "", seen),
                  FAILED_PRECONDITION, "NOT_SUBMITTED");
  REQUIRE_RPC_OK(Submit(f, a.teacher, item.id()));
  // An approval names what the editor saw: a change since is not published unseen.
  const google::protobuf::Timestamp before_change = Waiting(f, editor, item.id()).update_time();
  f.clock().Advance(absl::Seconds(1));
  Describe(f, a.teacher, item.id(), "Математика", "Рабочий лист с ответами");
  CHECK_RPC_ERROR(Review(f, editor, item.id(), v1::REVIEW_DECISION_APPROVE, "", before_change),
                  FAILED_PRECONDITION, "ITEM_CHANGED");
  {
    v1::ReviewPlatformSubmissionRequest unseen;
    unseen.set_item_id(item.id());
    unseen.set_decision(v1::REVIEW_DECISION_APPROVE);
    v1::ReviewPlatformSubmissionResponse reviewed;
    CHECK_RPC_ERROR(f.Call(&Stub::ReviewPlatformSubmission, editor, unseen, &reviewed),
                    INVALID_ARGUMENT, "UPDATE_TIME_REQUIRED");
  }
  v1::Item published;
  REQUIRE_RPC_OK(Review(f, editor, item.id(), v1::REVIEW_DECISION_APPROVE, "",
                        Waiting(f, editor, item.id()).update_time(), &published));
  CHECK(published.platform_state() == v1::PLATFORM_STATE_PUBLISHED);
  CHECK(published.folder_id().empty());

  // Everyone signed in finds it by a word form and reads it, from any school; what is the
  // owner's alone stays his.
  {
    v1::SearchPlatformLibraryRequest search;
    search.set_query("проценты");
    v1::SearchPlatformLibraryResponse found;
    REQUIRE_RPC_OK(f.Call(&Stub::SearchPlatformLibrary, b.student, search, &found));
    REQUIRE(found.items_size() == 1);
    CHECK(found.items(0).platform_state() == v1::PLATFORM_STATE_UNSPECIFIED);
    CHECK(found.items(0).platform_reason().empty());
  }
  CHECK(Found(f, b.student, "проценты") == std::vector<std::string>{"Проценты.txt"});
  CHECK(Found(f, b.parent, "математика") == std::vector<std::string>{"Проценты.txt"});
  CHECK(f.Download(b.student, item.current_version().id()).find("процентов") != std::string::npos);

  // Any change sends it back to review: what readers get is what an editor approved.
  Describe(f, a.teacher, item.id(), "Математика", "Рабочий лист, исправленный");
  CHECK(Found(f, b.student, "проценты").empty());
  CHECK_RPC_ERROR(Open(f, b.student, item.current_version().id()), NOT_FOUND, "VERSION_NOT_FOUND");
  CHECK(Submissions(f, editor) == std::vector<std::string>{item.id()});
  REQUIRE_RPC_OK(Review(f, editor, item.id(), v1::REVIEW_DECISION_APPROVE, "",
                        Waiting(f, editor, item.id()).update_time()));
  CHECK(Found(f, b.student, "проценты") == std::vector<std::string>{"Проценты.txt"});

  // Reports: one open report per reader; editors resolve them.
  v1::ReportItemRequest report;
  report.set_item_id(item.id());
  report.set_category(v1::REPORT_CATEGORY_INACCURATE);
  report.set_comment("В задаче 3 ошибка");
  v1::ReportItemResponse reported;
  REQUIRE_RPC_OK(f.Call(&Stub::ReportItem, b.parent, report, &reported));
  CHECK(reported.report().state() == v1::REPORT_STATE_OPEN);
  v1::ReportItemResponse reported_again;
  REQUIRE_RPC_OK(f.Call(&Stub::ReportItem, b.parent, report, &reported_again));
  CHECK(reported_again.report().id() == reported.report().id());
  report.set_category(v1::REPORT_CATEGORY_UNSPECIFIED);
  CHECK_RPC_ERROR(f.Call(&Stub::ReportItem, b.parent, report, &reported), INVALID_ARGUMENT,
                  "INVALID_CATEGORY");
  v1::ReportItemRequest unpublished;
  unpublished.set_item_id(f.Upload(a.teacher, "Черновик.txt", "черновик").id());
  unpublished.set_category(v1::REPORT_CATEGORY_OTHER);
  CHECK_RPC_ERROR(f.Call(&Stub::ReportItem, b.parent, unpublished, &reported), NOT_FOUND,
                  "ITEM_NOT_FOUND");

  v1::ListItemReportsRequest list_reports;
  v1::ListItemReportsResponse open_reports;
  CHECK_RPC_ERROR(f.Call(&Stub::ListItemReports, b.parent, list_reports, &open_reports),
                  PERMISSION_DENIED, "EDITORS_ONLY");
  REQUIRE_RPC_OK(f.Call(&Stub::ListItemReports, editor, list_reports, &open_reports));
  REQUIRE(open_reports.reports_size() == 1);
  CHECK(open_reports.reports(0).comment() == "В задаче 3 ошибка");

  v1::ResolveItemReportRequest resolve;
  resolve.set_report_id(reported.report().id());
  resolve.set_decision(v1::REVIEW_DECISION_REJECT);
  v1::ResolveItemReportResponse resolved;
  CHECK_RPC_ERROR(f.Call(&Stub::ResolveItemReport, editor, resolve, &resolved), INVALID_ARGUMENT,
                  "REASON_REQUIRED");
  resolve.set_resolution("Ошибка в условии подтверждена");
  REQUIRE_RPC_OK(f.Call(&Stub::ResolveItemReport, editor, resolve, &resolved));
  CHECK(resolved.report().state() == v1::REPORT_STATE_UPHELD);
  CHECK_RPC_ERROR(f.Call(&Stub::ResolveItemReport, editor, resolve, &resolved), FAILED_PRECONDITION,
                  "REPORT_RESOLVED");
  // Upheld: out of the library, rejected with the editor's words.
  CHECK(Found(f, b.student, "проценты").empty());
  CHECK_RPC_ERROR(Open(f, b.student, item.current_version().id()), NOT_FOUND, "VERSION_NOT_FOUND");
  {
    v1::GetItemRequest get;
    get.set_item_id(item.id());
    v1::GetItemResponse got;
    REQUIRE_RPC_OK(f.Call(&Stub::GetItem, a.teacher, get, &got));
    CHECK(got.item().platform_state() == v1::PLATFORM_STATE_REJECTED);
    CHECK(got.item().platform_reason() == "Ошибка в условии подтверждена");
  }

  // Withdrawn: a draft again. A revoked editor reviews nothing.
  v1::WithdrawFromPlatformLibraryRequest withdraw;
  withdraw.set_item_id(item.id());
  v1::WithdrawFromPlatformLibraryResponse withdrawn;
  CHECK_RPC_ERROR(f.Call(&Stub::WithdrawFromPlatformLibrary, b.parent, withdraw, &withdrawn),
                  NOT_FOUND, "ITEM_NOT_FOUND");
  REQUIRE_RPC_OK(f.Call(&Stub::WithdrawFromPlatformLibrary, a.teacher, withdraw, &withdrawn));
  CHECK(withdrawn.item().platform_state() == v1::PLATFORM_STATE_UNSPECIFIED);
  CHECK_RPC_ERROR(f.Call(&Stub::WithdrawFromPlatformLibrary, a.teacher, withdraw, &withdrawn),
                  NOT_FOUND, "PLATFORM_ENTRY_NOT_FOUND");
  REQUIRE_RPC_OK(AsOperator(f, editor, false));
  CHECK_RPC_ERROR(AsOperator(f, editor, false), NOT_FOUND, "EDITOR_NOT_FOUND");
  CHECK_RPC_ERROR(Review(f, editor, item.id(), v1::REVIEW_DECISION_APPROVE, "", seen),
                  PERMISSION_DENIED, "EDITORS_ONLY");
}

::grpc::Status UpdateSpace(ContentFixture& f, const std::string& user, v1::SchoolSpace space,
                           std::vector<std::string> paths, v1::SchoolSpace* out = nullptr) {
  v1::UpdateSchoolSpaceRequest update;
  *update.mutable_space() = std::move(space);
  for (const std::string& path : paths) update.mutable_update_mask()->add_paths(path);
  v1::UpdateSchoolSpaceResponse updated;
  const ::grpc::Status status = f.Call(&Stub::UpdateSchoolSpace, user, update, &updated);
  if (out) *out = updated.space();
  return status;
}

TEST_CASE("A school's space: a logo anyone fetches, a library its admins open to everyone",
          "[content][api][spaces]") {
  PARTA_CONTENT_FIXTURE(f);
  SchoolWorld a = f.directory().BuildSchool();
  SchoolWorld b = f.directory().BuildSchool("Школа № 12");

  const v1::Item logo = f.Upload(a.admin, "Герб.png", kPng);
  REQUIRE(logo.kind() == v1::ITEM_KIND_IMAGE);
  const v1::Item text = f.Upload(a.admin, "Устав.txt", "устав");
  v1::SchoolSpace space;
  space.set_school_id(a.school_id);

  // Only the school's admins, only their own pictures.
  space.set_logo_item_id(logo.id());
  CHECK_RPC_ERROR(UpdateSpace(f, a.teacher, space, {"logo_item_id"}), PERMISSION_DENIED,
                  "SCHOOL_UPDATE_DENIED");
  CHECK_RPC_ERROR(UpdateSpace(f, b.admin, space, {"logo_item_id"}), PERMISSION_DENIED,
                  "SCHOOL_UPDATE_DENIED");
  v1::SchoolSpace own_school = space;
  own_school.set_school_id(b.school_id);
  CHECK_RPC_ERROR(UpdateSpace(f, b.admin, own_school, {"logo_item_id"}), NOT_FOUND,
                  "ITEM_NOT_FOUND");
  space.set_logo_item_id(text.id());
  CHECK_RPC_ERROR(UpdateSpace(f, a.admin, space, {"logo_item_id"}), FAILED_PRECONDITION,
                  "IMAGE_REQUIRED");
  CHECK_RPC_ERROR(UpdateSpace(f, a.admin, space, {"name"}), INVALID_ARGUMENT,
                  "INVALID_UPDATE_MASK");
  space.set_logo_item_id(logo.id());
  v1::SchoolSpace set;
  REQUIRE_RPC_OK(UpdateSpace(f, a.admin, space, {"logo_item_id"}, &set));
  CHECK(set.logo().id() == logo.current_version().id());

  // Anyone sees the space and fetches the logo, even without signing in; nothing else that way.
  v1::GetSchoolSpaceRequest get;
  get.set_school_id(a.school_id);
  v1::GetSchoolSpaceResponse got;
  REQUIRE_RPC_OK(f.Call(&Stub::GetSchoolSpace, "", get, &got));
  CHECK(got.space().logo_item_id() == logo.id());
  CHECK(got.space().logo().media_type() == "image/png");
  CHECK_FALSE(got.space().library_public());
  CHECK(f.Download("", logo.current_version().id()) == kPng);
  CHECK(f.Download(b.student, logo.current_version().id()) == kPng);
  CHECK_RPC_ERROR(Open(f, "", text.current_version().id()), UNAUTHENTICATED, "LINK_REQUIRED");
  CHECK_RPC_ERROR(Open(f, "", "00000000-0000-4000-8000-000000000000"), UNAUTHENTICATED,
                  "LINK_REQUIRED");

  // A members-only library, then opened to everyone signed in.
  v1::UpdateItemRequest retitle;
  retitle.mutable_item()->set_id(text.id());
  retitle.mutable_item()->set_title("Устав школы");
  retitle.mutable_update_mask()->add_paths("title");
  v1::UpdateItemResponse retitled;
  REQUIRE_RPC_OK(f.Call(&Stub::UpdateItem, a.admin, retitle, &retitled));
  v1::PublishToSchoolRequest publish;
  publish.set_item_id(text.id());
  publish.set_school_id(a.school_id);
  v1::PublishToSchoolResponse published;
  REQUIRE_RPC_OK(f.Call(&Stub::PublishToSchool, a.admin, publish, &published));
  v1::SearchSchoolLibraryRequest search;
  search.set_school_id(a.school_id);
  search.set_query("устав");
  v1::SearchSchoolLibraryResponse found;
  CHECK_RPC_ERROR(f.Call(&Stub::SearchSchoolLibrary, b.student, search, &found), NOT_FOUND,
                  "SCHOOL_NOT_FOUND");
  CHECK_RPC_ERROR(Open(f, b.student, text.current_version().id()), NOT_FOUND, "VERSION_NOT_FOUND");
  // Its members read the item itself (an article's text comes this way), without the owner's
  // filing; others find nothing.
  v1::GetItemRequest get_item;
  get_item.set_item_id(text.id());
  v1::GetItemResponse got_item;
  REQUIRE_RPC_OK(f.Call(&Stub::GetItem, a.student, get_item, &got_item));
  CHECK(got_item.item().title() == "Устав школы");
  CHECK_RPC_ERROR(f.Call(&Stub::GetItem, b.student, get_item, &got_item), NOT_FOUND,
                  "ITEM_NOT_FOUND");
  space.set_library_public(true);
  REQUIRE_RPC_OK(UpdateSpace(f, a.admin, space, {"library_public"}, &set));
  CHECK(set.library_public());
  CHECK(set.logo_item_id() == logo.id());  // untouched: not in the mask
  REQUIRE_RPC_OK(f.Call(&Stub::SearchSchoolLibrary, b.student, search, &found));
  REQUIRE(found.items_size() == 1);
  CHECK(found.items(0).title() == "Устав школы");
  CHECK(f.Download(b.student, text.current_version().id()) == "устав");
  REQUIRE_RPC_OK(f.Call(&Stub::GetItem, b.student, get_item, &got_item));
  // Open to the signed-in, not to the anonymous.
  CHECK_RPC_ERROR(Open(f, "", text.current_version().id()), UNAUTHENTICATED, "LINK_REQUIRED");

  // Removing the logo ends its public reading; deleting the picture removes it from the space.
  space.set_logo_item_id("");
  REQUIRE_RPC_OK(UpdateSpace(f, a.admin, space, {"logo_item_id"}, &set));
  CHECK_FALSE(set.has_logo());
  CHECK_RPC_ERROR(Open(f, "", logo.current_version().id()), UNAUTHENTICATED, "LINK_REQUIRED");
  space.set_cover_item_id(logo.id());
  REQUIRE_RPC_OK(UpdateSpace(f, a.admin, space, {"cover_item_id"}, &set));
  v1::DeleteItemRequest remove;
  remove.set_item_id(logo.id());
  v1::DeleteItemResponse removed;
  REQUIRE_RPC_OK(f.Call(&Stub::DeleteItem, a.admin, remove, &removed));
  REQUIRE_RPC_OK(f.Call(&Stub::GetSchoolSpace, "", get, &got));
  CHECK(got.space().cover_item_id().empty());
}

::grpc::Status PublishTo(ContentFixture& f, const std::string& user, const std::string& item_id,
                         const std::string& school_id) {
  v1::PublishToSchoolRequest publish;
  publish.set_item_id(item_id);
  publish.set_school_id(school_id);
  v1::PublishToSchoolResponse published;
  return f.Call(&Stub::PublishToSchool, user, publish, &published);
}

TEST_CASE("A school's library holds at most its quota, checked when it grows",
          "[content][api][spaces]") {
  PARTA_CONTENT_FIXTURE(f, [](ContentConfig& config) { config.content.school_quota = 100; });
  SchoolWorld a = f.directory().BuildSchool();
  SchoolWorld b = f.directory().BuildSchool("Школа № 12");

  const v1::Item first = f.Upload(a.teacher, "Первый.txt", std::string(60, 'a'));
  const v1::Item second = f.Upload(a.teacher, "Второй.txt", std::string(60, 'b'));
  REQUIRE_RPC_OK(PublishTo(f, a.teacher, first.id(), a.school_id));
  CHECK_RPC_ERROR(PublishTo(f, a.teacher, second.id(), a.school_id), RESOURCE_EXHAUSTED,
                  "SCHOOL_QUOTA_EXCEEDED");
  // Each school counts its own library.
  REQUIRE_RPC_OK(PublishTo(
      f, b.teacher, f.Upload(b.teacher, "Чужой.txt", std::string(90, 'c')).id(), b.school_id));

  // A new version of a shown item replaces it in the count: refused at its start when too big.
  v1::CreateUploadRequest bigger;
  bigger.set_request_id("bigger");
  bigger.set_item_id(first.id());
  bigger.set_file_name("Первый.txt");
  bigger.set_size(101);
  v1::CreateUploadResponse created;
  CHECK_RPC_ERROR(f.Call(&Stub::CreateUpload, a.teacher, bigger, &created), RESOURCE_EXHAUSTED,
                  "SCHOOL_QUOTA_EXCEEDED");
  bigger.set_request_id("fits");
  bigger.set_size(100);
  REQUIRE_RPC_OK(f.Call(&Stub::CreateUpload, a.teacher, bigger, &created));

  // Withdrawing or deleting frees the space.
  v1::WithdrawFromSchoolRequest withdraw;
  withdraw.set_item_id(first.id());
  withdraw.set_school_id(a.school_id);
  v1::WithdrawFromSchoolResponse withdrawn;
  REQUIRE_RPC_OK(f.Call(&Stub::WithdrawFromSchool, a.teacher, withdraw, &withdrawn));
  REQUIRE_RPC_OK(PublishTo(f, a.teacher, second.id(), a.school_id));
  CHECK_RPC_ERROR(PublishTo(f, a.teacher, first.id(), a.school_id), RESOURCE_EXHAUSTED,
                  "SCHOOL_QUOTA_EXCEEDED");
  v1::DeleteItemRequest remove;
  remove.set_item_id(second.id());
  v1::DeleteItemResponse removed;
  REQUIRE_RPC_OK(f.Call(&Stub::DeleteItem, a.teacher, remove, &removed));
  REQUIRE_RPC_OK(PublishTo(f, a.teacher, first.id(), a.school_id));
}

}  // namespace
}  // namespace parta::content
