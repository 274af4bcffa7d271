// E-journals' notices (PostJournalNotice): homework, grades and attendance notes posted by a
// regional system's API client into a class's chats or to one pupil's parents, once per journal
// id, and only into schools the client may touch.

#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

#include "libs/core/random.h"
#include "services/messaging/tests/messaging_fixture.h"

namespace parta::messaging {
namespace {

using directory::testing::DirectoryFixture;
using directory::testing::SchoolWorld;
using testing::MessagingFixture;
using Stub = v1::MessagingService::Stub;

constexpr char kScope[] = "messaging.journal_notices.post";

::grpc::Status Post(MessagingFixture& f, const std::string& token,
                    const v1::PostJournalNoticeRequest& request, v1::Message* message) {
  auto context = DirectoryFixture::Context(token);
  v1::PostJournalNoticeResponse response;
  ::grpc::Status status = f.stub().PostJournalNotice(context.get(), request, &response);
  if (status.ok()) *message = response.message();
  return status;
}

v1::PostJournalNoticeRequest Homework(const SchoolWorld& w, const std::string& journal_id) {
  v1::PostJournalNoticeRequest request;
  request.set_school_id(w.school_id);
  request.set_class_id(w.class_id);
  request.set_audience(v1::JOURNAL_AUDIENCE_CLASS);
  request.set_journal_id(journal_id);
  v1::JournalNotice& notice = *request.mutable_notice();
  notice.set_kind(v1::JOURNAL_NOTICE_KIND_HOMEWORK);
  notice.set_subject("Алгебра");
  notice.set_text("№ 245, 247 на с. 61");
  notice.set_due_date("2026-12-09");
  return request;
}

std::vector<v1::Message> History(MessagingFixture& f, const std::string& user,
                                 const std::string& chat_id) {
  v1::ListMessagesRequest request;
  request.set_chat_id(chat_id);
  v1::ListMessagesResponse page;
  REQUIRE(f.Call(&Stub::ListMessages, user, request, &page).ok());
  return {page.messages().begin(), page.messages().end()};
}

TEST_CASE("An e-journal's homework reaches the class's chat as the journal's notice, once per "
          "journal id, and a grade note reaches the parents' chat",
          "[messaging][api][journal]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  v1::Chat pupils = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  v1::Chat parents = f->WaitForChat(w.parent, v1::CHAT_KIND_CLASS_PARENTS, w.class_id);
  f->WaitForRoster(w.school_id);
  const std::string client = NewUuidV7(absl::Now());
  const std::string journal =
      f->directory().tokens().Service(client, {kScope}, {w.school_id});

  v1::Message homework;
  REQUIRE(Post(*f, journal, Homework(w, "hw-2026-12-07-algebra"), &homework).ok());
  CHECK(homework.chat_id() == pupils.id());
  CHECK(homework.author_id() == client);
  CHECK(homework.journal().kind() == v1::JOURNAL_NOTICE_KIND_HOMEWORK);
  CHECK(homework.journal().source() == "Электронный журнал");
  CHECK(homework.journal().journal_id() == "hw-2026-12-07-algebra");
  CHECK(homework.journal().text() == "№ 245, 247 на с. 61");
  std::vector<v1::Message> seen = History(*f, w.student, pupils.id());
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].id() == homework.id());
  CHECK(seen[0].journal().subject() == "Алгебра");
  CHECK(seen[0].journal().due_date() == "2026-12-09");

  // The journal repeats itself (a retry, a resend): the same message, nothing new.
  v1::Message repeated;
  REQUIRE(Post(*f, journal, Homework(w, "hw-2026-12-07-algebra"), &repeated).ok());
  CHECK(repeated.id() == homework.id());
  CHECK(History(*f, w.student, pupils.id()).size() == 1);
  v1::PostJournalNoticeRequest other_text = Homework(w, "hw-2026-12-07-algebra");
  other_text.mutable_notice()->set_text("№ 250");
  ::grpc::Status reused = Post(*f, journal, other_text, &repeated);
  CHECK(reused.error_code() == ::grpc::StatusCode::ALREADY_EXISTS);
  CHECK(directory::testing::ReasonOf(reused) == "REQUEST_ID_REUSED");

  // A grade for the parents: their chat, not the pupils'.
  v1::PostJournalNoticeRequest grade = Homework(w, "grade-77");
  grade.set_audience(v1::JOURNAL_AUDIENCE_PARENTS);
  grade.mutable_notice()->set_kind(v1::JOURNAL_NOTICE_KIND_GRADE);
  grade.mutable_notice()->set_text("Контрольная работа: средний балл класса 4,2");
  grade.mutable_notice()->clear_due_date();
  v1::Message graded;
  REQUIRE(Post(*f, journal, grade, &graded).ok());
  CHECK(graded.chat_id() == parents.id());
  REQUIRE(History(*f, w.parent, parents.id()).size() == 1);
  CHECK(History(*f, w.student, pupils.id()).size() == 1);

  // A journal's notice is its own: nobody forwards it elsewhere.
  v1::SendMessageRequest forward;
  forward.set_chat_id(parents.id());
  forward.set_request_id("forward-1");
  forward.mutable_forward()->set_chat_id(pupils.id());
  forward.mutable_forward()->set_message_id(homework.id());
  v1::SendMessageResponse forwarded;
  ::grpc::Status refused = f->Call(&Stub::SendMessage, w.teacher, forward, &forwarded);
  CHECK(directory::testing::ReasonOf(refused) == "NOT_FORWARDABLE");
}

TEST_CASE("Only a client with the journal scope that may touch the school posts its notices, "
          "and a bad notice is refused with its reason",
          "[messaging][api][journal]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  SchoolWorld other = f->directory().BuildSchool("Школа № 9");
  f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  f->WaitForChat(other.student, v1::CHAT_KIND_CLASS_STUDENTS, other.class_id);
  f->WaitForRoster(w.school_id);
  const std::string client = NewUuidV7(absl::Now());
  auto& tokens = f->directory().tokens();
  v1::Message message;
  auto reason_of = [&](const std::string& token, const v1::PostJournalNoticeRequest& request) {
    ::grpc::Status status = Post(*f, token, request, &message);
    INFO(status.error_message());
    return directory::testing::ReasonOf(status);
  };

  // Authorisation first, whatever else the request holds.
  v1::PostJournalNoticeRequest request = Homework(w, "hw-1");
  v1::PostJournalNoticeRequest unknown_school = request;
  unknown_school.set_school_id("0190f1e2-0000-7000-8000-0000000000ee");
  unknown_school.set_journal_id("");
  CHECK(reason_of(tokens.Service(client, {kScope}, {other.school_id}), request) ==
        "SCHOOL_NOT_IN_CLIENT_SCOPE");
  CHECK(reason_of(tokens.Service(client, {kScope}, {other.school_id}), unknown_school) ==
        "SCHOOL_NOT_IN_CLIENT_SCOPE");
  CHECK(reason_of(tokens.Service(client, {kScope}, {}, {"50"}), request) ==
        "SCHOOL_NOT_IN_CLIENT_SCOPE");
  CHECK(reason_of(tokens.Service(client, {"messaging.call_notices.post"}, {w.school_id}),
                  request) == "MISSING_SCOPE");
  CHECK(reason_of(tokens.User(w.teacher), request) == "INTERNAL_ONLY");
  // A client of the school's region (the school's region comes from the directory's events).
  CHECK(reason_of(tokens.Service(client, {kScope}, {}, {"77"}), request).empty());

  // A class of another school is not found through this school.
  const std::string journal = tokens.Service(client, {kScope}, {w.school_id, other.school_id});
  v1::PostJournalNoticeRequest foreign = Homework(w, "hw-2");
  foreign.set_class_id(other.class_id);
  CHECK(reason_of(journal, foreign) == "CHAT_NOT_FOUND");
  v1::PostJournalNoticeRequest missing = Homework(w, "hw-3");
  missing.set_class_id("0190f1e2-0000-7000-8000-0000000000ef");
  CHECK(reason_of(journal, missing) == "CHAT_NOT_FOUND");

  // Bad input, each with its reason.
  v1::PostJournalNoticeRequest bad = Homework(w, "hw-4");
  bad.set_class_id("5А");
  CHECK(reason_of(journal, bad) == "INVALID_CLASS_ID");
  bad = Homework(w, std::string(65, 'x'));
  CHECK(reason_of(journal, bad) == "INVALID_JOURNAL_ID");
  bad = Homework(w, "hw 5");
  CHECK(reason_of(journal, bad) == "INVALID_JOURNAL_ID");
  for (auto spoil : std::vector<std::function<void(v1::PostJournalNoticeRequest&)>>{
           [](auto& r) { r.mutable_notice()->set_kind(v1::JOURNAL_NOTICE_KIND_UNSPECIFIED); },
           [](auto& r) { r.set_audience(v1::JOURNAL_AUDIENCE_UNSPECIFIED); },
           [](auto& r) { r.mutable_notice()->set_text(""); },
           [](auto& r) { r.mutable_notice()->set_text(std::string(4001, 'a')); },
           [](auto& r) { r.mutable_notice()->set_subject(std::string(201, 'a')); },
           [](auto& r) { r.mutable_notice()->set_due_date("09.12.2026"); },
           [](auto& r) { r.mutable_notice()->set_due_date("2026-02-30"); }}) {
    bad = Homework(w, "hw-6");
    spoil(bad);
    CHECK(reason_of(journal, bad) == "INVALID_JOURNAL_NOTICE");
  }
}

// A grade of one pupil, for his parents alone.
v1::PostJournalNoticeRequest FamilyGrade(const SchoolWorld& w, const std::string& pupil,
                                         const std::string& journal_id) {
  v1::PostJournalNoticeRequest request = Homework(w, journal_id);
  request.set_audience(v1::JOURNAL_AUDIENCE_FAMILY);
  request.set_pupil_id(pupil);
  request.mutable_notice()->set_kind(v1::JOURNAL_NOTICE_KIND_GRADE);
  request.mutable_notice()->set_text("Контрольная работа: «5»");
  request.mutable_notice()->clear_due_date();
  return request;
}

TEST_CASE("A notice about one pupil reaches his parents alone, in his family chat, which follows "
          "his parent links",
          "[messaging][api][journal]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  DirectoryFixture& directory = f->directory();
  const std::string classmate =
      directory.Join(w.school_id, directory.Token(w.teacher), directory::v1::ROLE_STUDENT,
                     w.class_id);
  const std::string classmate_parent = directory.AddParent(w.school_id, classmate, w.teacher);
  f->WaitForChat(classmate_parent, v1::CHAT_KIND_CLASS_PARENTS, w.class_id);
  f->WaitForRoster(w.school_id);
  const std::string client = NewUuidV7(absl::Now());
  const std::string journal = directory.tokens().Service(client, {kScope}, {w.school_id});

  v1::Message grade;
  REQUIRE(Post(*f, journal, FamilyGrade(w, w.student, "grade-1"), &grade).ok());
  CHECK(grade.author_id() == client);
  CHECK(grade.journal().kind() == v1::JOURNAL_NOTICE_KIND_GRADE);
  // His parent has the pupil's family chat: read-only for him, named for the pupil.
  const v1::Chat family = f->WaitForChat(w.parent, v1::CHAT_KIND_FAMILY, "");
  CHECK(family.id() == grade.chat_id());
  CHECK(family.pupil_id() == w.student);
  CHECK(family.school_id() == w.school_id);
  CHECK(family.title() == "Дневник");
  CHECK(family.my_role() == v1::CHAT_ROLE_READER);
  std::vector<v1::Message> seen = History(*f, w.parent, family.id());
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].journal().text() == "Контрольная работа: «5»");
  // Nobody else reads it: not a classmate's parent, not the pupil, not the class's teacher.
  for (const std::string& stranger : {classmate_parent, w.student, w.teacher, w.admin}) {
    v1::ListMessagesRequest read;
    read.set_chat_id(family.id());
    v1::ListMessagesResponse page;
    CHECK_RPC_ERROR(f->Call(&Stub::ListMessages, stranger, read, &page), PERMISSION_DENIED,
                    "NOT_CHAT_MEMBER");
    CHECK_FALSE(f->ChatOf(stranger, v1::CHAT_KIND_FAMILY, "").has_value());
  }
  // Nobody writes in it.
  v1::SendMessageRequest reply;
  reply.set_chat_id(family.id());
  reply.set_request_id("reply-1");
  reply.mutable_text()->set_body("Спасибо!");
  v1::SendMessageResponse replied;
  CHECK_RPC_ERROR(f->Call(&Stub::SendMessage, w.parent, reply, &replied), PERMISSION_DENIED,
                  "READ_ONLY_MEMBER");

  // Once per journal id; the classmate's grade goes to his own family.
  v1::Message again;
  REQUIRE(Post(*f, journal, FamilyGrade(w, w.student, "grade-1"), &again).ok());
  CHECK(again.id() == grade.id());
  v1::Message classmate_grade;
  REQUIRE(Post(*f, journal, FamilyGrade(w, classmate, "grade-2"), &classmate_grade).ok());
  CHECK(classmate_grade.chat_id() != family.id());
  CHECK(f->WaitForChat(classmate_parent, v1::CHAT_KIND_FAMILY, "").id() ==
        classmate_grade.chat_id());
  REQUIRE(History(*f, w.parent, family.id()).size() == 1);

  // A second parent confirmed later reads what came before; a parent whose link ends leaves.
  const std::string mother = directory.AddParent(w.school_id, w.student, w.teacher);
  const v1::Chat mothers = f->WaitForChat(mother, v1::CHAT_KIND_FAMILY, "");
  CHECK(mothers.id() == family.id());
  CHECK(History(*f, mother, family.id()).size() == 1);
  directory::v1::RemoveMemberRoleRequest remove;
  remove.set_school_id(w.school_id);
  remove.set_user_id(w.parent);
  remove.set_role(directory::v1::ROLE_PARENT);
  directory::v1::RemoveMemberRoleResponse removed;
  REQUIRE_RPC_OK(
      directory.Call(&directory::v1::DirectoryService::Stub::RemoveMemberRole, w.admin, remove,
                     &removed));
  f->WaitForRoster(w.school_id);
  CHECK_FALSE(f->ChatOf(w.parent, v1::CHAT_KIND_FAMILY, "").has_value());
  CHECK(f->ChatOf(mother, v1::CHAT_KIND_FAMILY, "").has_value());
}

TEST_CASE("A notice to a family names a pupil of the class, of a school the client may touch",
          "[messaging][api][journal]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  SchoolWorld other = f->directory().BuildSchool("Школа № 9");
  const std::string other_class =
      f->directory().CreateClass(w.school_id, w.admin, 6, "Б", w.teacher);
  f->WaitForRoster(w.school_id);
  f->WaitForRoster(other.school_id);
  const std::string client = NewUuidV7(absl::Now());
  auto& tokens = f->directory().tokens();
  const std::string journal = tokens.Service(client, {kScope}, {w.school_id, other.school_id});
  v1::Message message;
  auto reason_of = [&](const std::string& token, const v1::PostJournalNoticeRequest& request) {
    ::grpc::Status status = Post(*f, token, request, &message);
    INFO(status.error_message());
    return directory::testing::ReasonOf(status);
  };

  // A client of the other school only learns nothing of this one's pupils.
  CHECK(reason_of(tokens.Service(client, {kScope}, {other.school_id}),
                  FamilyGrade(w, w.student, "g-1")) == "SCHOOL_NOT_IN_CLIENT_SCOPE");
  // The pupil is of the class named, in the school named.
  v1::PostJournalNoticeRequest wrong_class = FamilyGrade(w, w.student, "g-2");
  wrong_class.set_class_id(other_class);
  CHECK(reason_of(journal, wrong_class) == "PUPIL_NOT_FOUND");
  CHECK(reason_of(journal, FamilyGrade(w, other.student, "g-3")) == "PUPIL_NOT_FOUND");
  v1::PostJournalNoticeRequest foreign_school = FamilyGrade(other, w.student, "g-4");
  foreign_school.set_class_id(w.class_id);
  CHECK(reason_of(journal, foreign_school) == "PUPIL_NOT_FOUND");
  CHECK(reason_of(journal, FamilyGrade(w, w.parent, "g-5")) == "PUPIL_NOT_FOUND");
  CHECK(reason_of(journal, FamilyGrade(w, "", "g-6")) == "INVALID_PUPIL_ID");
  CHECK(reason_of(journal, FamilyGrade(w, "Иванов", "g-7")) == "INVALID_PUPIL_ID");
  // Nothing was made for any of them.
  CHECK_FALSE(f->ChatOf(w.parent, v1::CHAT_KIND_FAMILY, "").has_value());
  CHECK_FALSE(f->ChatOf(other.parent, v1::CHAT_KIND_FAMILY, "").has_value());
  // A class's notice takes no pupil: one given is ignored.
  v1::PostJournalNoticeRequest with_pupil = Homework(w, "hw-1");
  with_pupil.set_pupil_id(w.student);
  CHECK(reason_of(journal, with_pupil).empty());
}

}  // namespace
}  // namespace parta::messaging
