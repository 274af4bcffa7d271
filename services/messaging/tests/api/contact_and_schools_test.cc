// What follows the school a fact belongs to: parent links (a school's parents' chats follow only
// the links confirmed there) and contact between people (direct chats carry messages only while
// the directory lets the two contact each other; groups keep only people of the school).

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "libs/core/random.h"
#include "services/messaging/tests/messaging_fixture.h"

namespace parta::messaging {
namespace {

using directory::testing::SchoolWorld;
using testing::MessagingFixture;
namespace dir = directory::v1;
using DirStub = dir::DirectoryService::Stub;
using Stub = v1::MessagingService::Stub;

// `adult` redeems a parent invitation the student makes in the school; `confirmer` confirms it.
void MakeParent(MessagingFixture& f, const std::string& school_id, const std::string& student,
                const std::string& adult, const std::string& confirmer) {
  dir::CreateParentInvitationRequest invite;
  invite.set_school_id(school_id);
  invite.set_student_id(student);
  dir::CreateParentInvitationResponse invitation;
  REQUIRE_RPC_OK(
      f.directory().Call(&DirStub::CreateParentInvitation, student, invite, &invitation));
  dir::RedeemInvitationRequest redeem;
  redeem.set_code(invitation.code());
  dir::RedeemInvitationResponse redeemed;
  REQUIRE_RPC_OK(f.directory().Call(&DirStub::RedeemInvitation, adult, redeem, &redeemed));
  dir::ConfirmParentLinkRequest confirm;
  confirm.set_school_id(school_id);
  confirm.set_link_id(redeemed.parent_link().id());
  dir::ConfirmParentLinkResponse link;
  REQUIRE_RPC_OK(f.directory().Call(&DirStub::ConfirmParentLink, confirmer, confirm, &link));
}

// An existing account joins the class as its student, invited by `teacher`.
void JoinAsStudent(MessagingFixture& f, const std::string& school_id, const std::string& class_id,
                   const std::string& teacher, const std::string& student) {
  dir::CreateInvitationRequest invite;
  invite.set_school_id(school_id);
  invite.set_role(dir::ROLE_STUDENT);
  invite.set_class_id(class_id);
  dir::CreateInvitationResponse invitation;
  REQUIRE_RPC_OK(f.directory().Call(&DirStub::CreateInvitation, teacher, invite, &invitation));
  dir::RedeemInvitationRequest redeem;
  redeem.set_code(invitation.code());
  dir::RedeemInvitationResponse redeemed;
  REQUIRE_RPC_OK(f.directory().Call(&DirStub::RedeemInvitation, student, redeem, &redeemed));
}

void RemoveRole(MessagingFixture& f, const std::string& school_id, const std::string& admin,
                const std::string& user, dir::Role role) {
  dir::RemoveMemberRoleRequest remove;
  remove.set_school_id(school_id);
  remove.set_user_id(user);
  remove.set_role(role);
  dir::RemoveMemberRoleResponse member;
  REQUIRE_RPC_OK(f.directory().Call(&DirStub::RemoveMemberRole, admin, remove, &member));
}

// Safe mode off needs the parent's consent to the school seeing his child (the current text).
void GiveVisibilityConsent(MessagingFixture& f, const std::string& parent,
                           const std::string& student) {
  dir::ListConsentTextsResponse texts;
  REQUIRE_RPC_OK(f.directory().Call(&DirStub::ListConsentTexts, parent,
                                    dir::ListConsentTextsRequest(), &texts));
  dir::GiveConsentRequest give;
  give.set_person_id(student);
  give.set_purpose(dir::CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY);
  for (const dir::ConsentText& text : texts.texts()) {
    if (text.purpose() == give.purpose()) give.set_text_version(text.version());
  }
  dir::GiveConsentResponse given;
  REQUIRE_RPC_OK(f.directory().Call(&DirStub::GiveConsent, parent, give, &given));
}

void SetSafeMode(MessagingFixture& f, const std::string& school_id, const std::string& parent,
                 const std::string& student, bool on) {
  if (!on) GiveVisibilityConsent(f, parent, student);
  dir::UpdateStudentSettingsRequest update;
  update.set_school_id(school_id);
  update.set_student_id(student);
  update.mutable_settings()->set_safe_mode(on);
  update.mutable_update_mask()->add_paths("safe_mode");
  dir::UpdateStudentSettingsResponse settings;
  REQUIRE_RPC_OK(f.directory().Call(&DirStub::UpdateStudentSettings, parent, update, &settings));
}

v1::Chat OpenDirect(MessagingFixture& f, const std::string& school_id, const std::string& caller,
                    const std::string& other) {
  v1::OpenDirectChatRequest open;
  open.set_school_id(school_id);
  open.set_user_id(other);
  v1::Chat chat;
  ::grpc::Status status = f.Call(&Stub::OpenDirectChat, caller, open, &chat);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return chat;
}

::grpc::Status TrySend(MessagingFixture& f, const std::string& user, const std::string& chat_id,
                       const std::string& text) {
  v1::SendMessageRequest send;
  send.set_chat_id(chat_id);
  send.set_request_id(NewUuidV7(absl::Now()));
  send.mutable_text()->set_body(text);
  v1::Message message;
  return f.Call(&Stub::SendMessage, user, send, &message);
}

::grpc::Status History(MessagingFixture& f, const std::string& user, const std::string& chat_id,
                       v1::ListMessagesResponse* messages) {
  v1::ListMessagesRequest history;
  history.set_chat_id(chat_id);
  return f.Call(&Stub::ListMessages, user, history, messages);
}

// The bodies of the chat's messages the user reads, oldest first; fails the test on an error.
std::vector<std::string> Bodies(MessagingFixture& f, const std::string& user,
                                const std::string& chat_id) {
  v1::ListMessagesResponse messages;
  ::grpc::Status status = History(f, user, chat_id, &messages);
  INFO(status.error_message());
  REQUIRE(status.ok());
  std::vector<std::string> bodies;
  for (const v1::Message& message : messages.messages()) bodies.push_back(message.text().body());
  std::reverse(bodies.begin(), bodies.end());  // newest first on the wire
  return bodies;
}

// Whether the user is out of the chat: its history refused as not his.
bool LeftChat(MessagingFixture& f, const std::string& user, const std::string& chat_id) {
  v1::ListMessagesResponse messages;
  ::grpc::Status status = History(f, user, chat_id, &messages);
  return status.error_code() == ::grpc::StatusCode::PERMISSION_DENIED &&
         directory::testing::ReasonOf(status) == "NOT_CHAT_MEMBER";
}

std::vector<std::string> MemberIds(MessagingFixture& f, const std::string& user,
                                   const std::string& chat_id) {
  v1::ListChatMembersRequest request;
  request.set_chat_id(chat_id);
  v1::ListChatMembersResponse members;
  ::grpc::Status status = f.Call(&Stub::ListChatMembers, user, request, &members);
  INFO(status.error_message());
  REQUIRE(status.ok());
  std::vector<std::string> ids;
  for (const v1::ChatMember& member : members.members()) ids.push_back(member.user_id());
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::string> Sorted(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST_CASE("A parent confirmed in one school of a child never joins the other school's chats",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld a = f->directory().BuildSchool("Школа № 5");
  SchoolWorld b = f->directory().BuildSchool("Гимназия № 2");
  // The child of school A studies in school B too.
  JoinAsStudent(*f, b.school_id, b.class_id, b.teacher, a.student);
  v1::Chat a_parents = f->WaitForChat(a.parent, v1::CHAT_KIND_CLASS_PARENTS, a.class_id);
  f->Send(a.teacher, a_parents.id(), "Родительское собрание 5А в пятницу в 18:00");

  // An adult of school B only is confirmed there as the child's parent by B's admin.
  std::string b_adult =
      f->directory().Join(b.school_id, f->directory().Token(b.admin), dir::ROLE_EMPLOYEE);
  MakeParent(*f, b.school_id, a.student, b_adult, b.admin);
  v1::Chat b_parents = f->WaitForChat(b_adult, v1::CHAT_KIND_CLASS_PARENTS, b.class_id);
  CHECK(b_parents.school_id() == b.school_id);
  // The same transaction would have put him into A's chat: he is not there, nor reads it.
  CHECK_FALSE(f->ChatOf(b_adult, v1::CHAT_KIND_CLASS_PARENTS, a.class_id));
  v1::ListMessagesResponse messages;
  CHECK_REFUSED(History(*f, b_adult, a_parents.id(), &messages), PERMISSION_DENIED,
                "NOT_CHAT_MEMBER");
  CHECK_REFUSED(TrySend(*f, b_adult, a_parents.id(), "Здравствуйте!"), PERMISSION_DENIED,
                "NOT_CHAT_MEMBER");
  CHECK(MemberIds(*f, a.teacher, a_parents.id()) == Sorted({a.teacher, a.parent}));

  // A's parent is confirmed in B as well; ending his link in A leaves his place in B alone.
  MakeParent(*f, b.school_id, a.student, a.parent, b.admin);
  f->WaitForChat(a.parent, v1::CHAT_KIND_CLASS_PARENTS, b.class_id);
  RemoveRole(*f, a.school_id, a.admin, a.parent, dir::ROLE_PARENT);
  REQUIRE(MessagingFixture::Eventually(
      [&] { return !f->ChatOf(a.parent, v1::CHAT_KIND_CLASS_PARENTS, a.class_id); }));
  CHECK(f->ChatOf(a.parent, v1::CHAT_KIND_CLASS_PARENTS, b.class_id));
  f->Send(a.parent, b_parents.id(), "Спасибо, что приняли нас в гимназию");
  CHECK(Bodies(*f, b_adult, b_parents.id()) ==
        std::vector<std::string>{"Спасибо, что приняли нас в гимназию"});
  CHECK(Sorted(MemberIds(*f, b.teacher, b_parents.id())) ==
        Sorted({b.teacher, b.parent, b_adult, a.parent}));
}

TEST_CASE(
    "A teacher who leaves the school with his role removed leaves its direct chats and groups, "
    "the pupil keeps his history read-only",
    "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  f->WaitForChat(w.employee, v1::CHAT_KIND_STAFF);
  v1::Chat direct = OpenDirect(*f, w.school_id, w.teacher, w.student);
  f->Send(w.teacher, direct.id(), "Как продвигается проект?");
  f->Send(w.student, direct.id(), "Почти готов!");
  v1::CreateGroupChatRequest create;
  create.set_school_id(w.school_id);
  create.set_title("Кружок робототехники");
  create.add_member_ids(w.student);
  create.add_member_ids(w.employee);
  v1::Chat group;
  REQUIRE(f->Call(&Stub::CreateGroupChat, w.teacher, create, &group).ok());
  f->Send(w.teacher, group.id(), "Занятие в среду");

  v1::Chat class_chat = f->WaitForChat(w.teacher, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);

  // The teacher role was his only one: he is no longer of the school.
  RemoveRole(*f, w.school_id, w.admin, w.teacher, dir::ROLE_TEACHER);
  // The directory says so at once: neither writes in the direct chat any more.
  CHECK_REFUSED(TrySend(*f, w.teacher, direct.id(), "Вы меня слышите?"), PERMISSION_DENIED,
                "CONTACT_NOT_ALLOWED");
  CHECK_REFUSED(TrySend(*f, w.student, direct.id(), "Я сдал проект"), PERMISSION_DENIED,
                "CONTACT_NOT_ALLOWED");
  // Once messaging has the event, he is out of both chats: no history, no writing.
  REQUIRE(MessagingFixture::Eventually([&] { return LeftChat(*f, w.teacher, direct.id()); }));
  REQUIRE(MessagingFixture::Eventually([&] { return LeftChat(*f, w.teacher, group.id()); }));
  CHECK_REFUSED(TrySend(*f, w.teacher, group.id(), "Занятие переносится"), PERMISSION_DENIED,
                "NOT_CHAT_MEMBER");
  // Nor does he lead the class's chat any more.
  REQUIRE(MessagingFixture::Eventually([&] { return LeftChat(*f, w.teacher, class_chat.id()); }));
  // The pupil keeps his own history, read-only.
  CHECK(Bodies(*f, w.student, direct.id()) ==
        std::vector<std::string>{"Как продвигается проект?", "Почти готов!"});
  CHECK_REFUSED(TrySend(*f, w.student, direct.id(), "Ау?"), PERMISSION_DENIED,
                "CONTACT_NOT_ALLOWED");
  // The group goes on with the people of the school.
  CHECK(MemberIds(*f, w.student, group.id()) == Sorted({w.student, w.employee}));
  f->Send(w.employee, group.id(), "Занятие проведу я");
  CHECK(Bodies(*f, w.student, group.id()) ==
        std::vector<std::string>{"Занятие в среду", "Занятие проведу я"});
}

TEST_CASE(
    "A teacher who stays in the school in another role loses his direct chat with a pupil he may "
    "no longer contact, and keeps his groups",
    "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  // The class teacher is also the parent of a classmate.
  std::string child = f->directory().Join(w.school_id, f->directory().Token(w.teacher),
                                          dir::ROLE_STUDENT, w.class_id);
  MakeParent(*f, w.school_id, child, w.teacher, w.admin);
  f->WaitForChat(w.teacher, v1::CHAT_KIND_CLASS_PARENTS, w.class_id);
  f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  v1::Chat direct = OpenDirect(*f, w.school_id, w.teacher, w.student);
  f->Send(w.teacher, direct.id(), "Принеси, пожалуйста, дневник");
  v1::CreateGroupChatRequest create;
  create.set_school_id(w.school_id);
  create.set_title("Олимпиада по математике");
  create.add_member_ids(w.student);
  v1::Chat group;
  REQUIRE(f->Call(&Stub::CreateGroupChat, w.teacher, create, &group).ok());

  RemoveRole(*f, w.school_id, w.admin, w.teacher, dir::ROLE_TEACHER);
  // A parent of another child may not contact a student in safe mode, nor he the parent.
  CHECK_REFUSED(TrySend(*f, w.teacher, direct.id(), "Не забудь дневник"), PERMISSION_DENIED,
                "CONTACT_NOT_ALLOWED");
  CHECK_REFUSED(TrySend(*f, w.student, direct.id(), "Хорошо"), PERMISSION_DENIED,
                "CONTACT_NOT_ALLOWED");
  // The former teacher stops reading the child's chat; the child keeps it, read-only.
  REQUIRE(MessagingFixture::Eventually([&] { return LeftChat(*f, w.teacher, direct.id()); }));
  CHECK(Bodies(*f, w.student, direct.id()) ==
        std::vector<std::string>{"Принеси, пожалуйста, дневник"});
  // He still belongs to the school (a parent): the group keeps him.
  CHECK(MemberIds(*f, w.student, group.id()) == Sorted({w.student, w.teacher}));
  f->Send(w.teacher, group.id(), "Итоги олимпиады в понедельник");
}

TEST_CASE(
    "Safe mode switched back on ends a direct chat with an adult outside the student's circle, "
    "switched off again, the chat opens again with its history",
    "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  // A teacher of the school who does not teach the student's class.
  std::string other_teacher =
      f->directory().Join(w.school_id, f->directory().Token(w.admin), dir::ROLE_TEACHER);
  SetSafeMode(*f, w.school_id, w.parent, w.student, false);
  v1::Chat direct = OpenDirect(*f, w.school_id, other_teacher, w.student);
  f->Send(other_teacher, direct.id(), "Приходи на кружок шахмат");
  v1::Message answer = f->Send(w.student, direct.id(), "Спасибо, приду!");

  SetSafeMode(*f, w.school_id, w.parent, w.student, true);
  CHECK_REFUSED(TrySend(*f, other_teacher, direct.id(), "Жду в четверг"), PERMISSION_DENIED,
                "CONTACT_NOT_ALLOWED");
  // The student could still contact a teacher, but a direct chat is mutual.
  CHECK_REFUSED(TrySend(*f, w.student, direct.id(), "А во сколько?"), PERMISSION_DENIED,
                "CONTACT_NOT_ALLOWED");
  // Nor does anything else go into it.
  v1::ReactToMessageRequest react;
  react.set_chat_id(direct.id());
  react.set_message_id(answer.id());
  react.set_emoji("👍");
  v1::Message reacted;
  CHECK_REFUSED(f->Call(&Stub::ReactToMessage, other_teacher, react, &reacted), PERMISSION_DENIED,
                "CONTACT_NOT_ALLOWED");
  v1::EditMessageRequest edit;
  edit.set_chat_id(direct.id());
  edit.set_message_id(answer.id());
  edit.mutable_text()->set_body("Спасибо, приду! А во сколько?");
  edit.mutable_update_mask()->add_paths("text");
  v1::Message edited;
  CHECK_REFUSED(f->Call(&Stub::EditMessage, w.student, edit, &edited), PERMISSION_DENIED,
                "CONTACT_NOT_ALLOWED");
  REQUIRE(MessagingFixture::Eventually([&] { return LeftChat(*f, other_teacher, direct.id()); }));
  CHECK_FALSE(LeftChat(*f, w.student, direct.id()));
  CHECK(Bodies(*f, w.student, direct.id()) ==
        std::vector<std::string>{"Приходи на кружок шахмат", "Спасибо, приду!"});
  v1::OpenDirectChatRequest open;
  open.set_school_id(w.school_id);
  open.set_user_id(w.student);
  v1::Chat again;
  CHECK_REFUSED(f->Call(&Stub::OpenDirectChat, other_teacher, open, &again), PERMISSION_DENIED,
                "CONTACT_NOT_ALLOWED");

  SetSafeMode(*f, w.school_id, w.parent, w.student, false);
  again = OpenDirect(*f, w.school_id, other_teacher, w.student);
  CHECK(again.id() == direct.id());
  CHECK(Bodies(*f, other_teacher, direct.id()) ==
        std::vector<std::string>{"Приходи на кружок шахмат", "Спасибо, приду!"});
  f->Send(other_teacher, direct.id(), "Жду в четверг");
}

}  // namespace
}  // namespace parta::messaging
