// Consents to the processing of personal data (152-FZ): the texts operators publish, who gives
// and withdraws which consent, what a withdrawal stops (safe mode back on, the person's erasure
// asked of identity), who reads them, the schools' list of members without them, and the audit.

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/directory/tests/api/directory_with_identity.h"
#include "services/directory/tests/directory_fixture.h"
#include "services/identity/tests/identity_fixture.h"

namespace parta::directory {
namespace {

using testing::DirectoryFixture;
using testing::SchoolWorld;
using Stub = v1::DirectoryService::Stub;
namespace identity_v1 = parta::identity::v1;

constexpr char kVersion[] = "2026-1";  // the texts migrations/0010_consents.sql ships

::grpc::Status Give(DirectoryFixture& f, const std::string& caller, const std::string& person,
                    v1::ConsentPurpose purpose, v1::Consent* consent = nullptr,
                    const std::string& version = kVersion) {
  v1::GiveConsentRequest request;
  request.set_person_id(person);
  request.set_purpose(purpose);
  request.set_text_version(version);
  v1::GiveConsentResponse response;
  ::grpc::Status status = f.Call(&Stub::GiveConsent, caller, request, &response);
  if (consent != nullptr) *consent = response.consent();
  return status;
}

::grpc::Status GivePaper(DirectoryFixture& f, const std::string& admin, const std::string& person,
                         v1::ConsentPurpose purpose, const std::string& school_id,
                         const std::string& parent_name, v1::Consent* consent = nullptr) {
  v1::GiveConsentRequest request;
  request.set_person_id(person);
  request.set_purpose(purpose);
  request.set_text_version(kVersion);
  request.set_method(v1::CONSENT_METHOD_PAPER);
  request.set_school_id(school_id);
  request.set_parent_name(parent_name);
  v1::GiveConsentResponse response;
  ::grpc::Status status = f.Call(&Stub::GiveConsent, admin, request, &response);
  if (consent != nullptr) *consent = response.consent();
  return status;
}

::grpc::Status Withdraw(DirectoryFixture& f, const std::string& caller, const std::string& person,
                        v1::ConsentPurpose purpose, v1::Consent* consent = nullptr) {
  v1::WithdrawConsentRequest request;
  request.set_person_id(person);
  request.set_purpose(purpose);
  v1::WithdrawConsentResponse response;
  ::grpc::Status status = f.Call(&Stub::WithdrawConsent, caller, request, &response);
  if (consent != nullptr) *consent = response.consent();
  return status;
}

::grpc::Status ListFor(DirectoryFixture& f, const std::string& caller, const std::string& person,
                       std::vector<v1::Consent>* consents = nullptr) {
  v1::ListConsentsRequest request;
  request.set_person_id(person);
  v1::ListConsentsResponse response;
  ::grpc::Status status = f.Call(&Stub::ListConsents, caller, request, &response);
  if (consents != nullptr) consents->assign(response.consents().begin(), response.consents().end());
  return status;
}

v1::ConsentStatus StatusOf(DirectoryFixture& f, const std::string& person,
                           v1::ConsentPurpose purpose) {
  std::vector<v1::Consent> consents;
  REQUIRE_RPC_OK(ListFor(f, person, person, &consents));
  for (const v1::Consent& consent : consents) {
    if (consent.purpose() == purpose) return consent.status();
  }
  FAIL("no such purpose for the person");
  return v1::CONSENT_STATUS_UNSPECIFIED;
}

// Every page of the school's missing consents, read as `token` with pages of `page_size`.
std::vector<v1::MissingConsent> AllMissing(DirectoryFixture& f, const std::string& token,
                                           const std::string& school_id, int page_size = 0) {
  v1::ListMissingConsentsRequest request;
  request.set_school_id(school_id);
  request.set_page_size(page_size);
  std::vector<v1::MissingConsent> all;
  do {
    v1::ListMissingConsentsResponse response;
    REQUIRE_RPC_OK(f.CallWithToken(&Stub::ListMissingConsents, token, request, &response));
    if (page_size > 0) CHECK(response.missing_size() <= page_size);
    all.insert(all.end(), response.missing().begin(), response.missing().end());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return all;
}

const v1::MissingConsent* FindMissing(const std::vector<v1::MissingConsent>& missing,
                                      const std::string& person) {
  for (const v1::MissingConsent& m : missing) {
    if (m.person_id() == person) return &m;
  }
  return nullptr;
}

// The school's audit entries of `action`.
std::vector<v1::AuditLogEntry> AuditOf(DirectoryFixture& f, const std::string& admin,
                                       const std::string& school_id, const std::string& action) {
  v1::ListAuditLogRequest request;
  request.set_school_id(school_id);
  request.set_action(action);
  v1::ListAuditLogResponse response;
  REQUIRE_RPC_OK(f.Call(&Stub::ListAuditLog, admin, request, &response));
  return {response.entries().begin(), response.entries().end()};
}

::grpc::Status SetSafeMode(DirectoryFixture& f, const std::string& caller,
                           const std::string& school_id, const std::string& student, bool on) {
  v1::UpdateStudentSettingsRequest update;
  update.set_school_id(school_id);
  update.set_student_id(student);
  update.mutable_settings()->set_safe_mode(on);
  update.mutable_update_mask()->add_paths("safe_mode");
  v1::UpdateStudentSettingsResponse settings;
  return f.Call(&Stub::UpdateStudentSettings, caller, update, &settings);
}

std::string MemberResource(const std::string& school_id, const std::string& member) {
  return absl::StrCat("schools/", school_id, "/members/", member);
}

// A parent the student invited who redeemed the invitation and waits for confirmation.
std::string PendingParent(DirectoryFixture& f, const SchoolWorld& w) {
  v1::CreateParentInvitationRequest invite;
  invite.set_school_id(w.school_id);
  invite.set_student_id(w.student);
  v1::CreateParentInvitationResponse invitation;
  REQUIRE_RPC_OK(f.Call(&Stub::CreateParentInvitation, w.student, invite, &invitation));
  const std::string parent = DirectoryFixture::NewUser();
  v1::RedeemInvitationRequest redeem;
  redeem.set_code(invitation.code());
  v1::RedeemInvitationResponse redeemed;
  REQUIRE_RPC_OK(f.Call(&Stub::RedeemInvitation, parent, redeem, &redeemed));
  return parent;
}

TEST_CASE("ListConsentTexts answers the current text of every purpose to anyone",
          "[directory][api][consents]") {
  PARTA_DIRECTORY_FIXTURE(f);
  v1::ListConsentTextsResponse texts;
  REQUIRE_RPC_OK(
      f->CallWithToken(&Stub::ListConsentTexts, "", v1::ListConsentTextsRequest(), &texts));
  REQUIRE(texts.texts_size() == 3);
  CHECK(texts.texts(0).purpose() == v1::CONSENT_PURPOSE_SERVICE);
  CHECK(texts.texts(1).purpose() == v1::CONSENT_PURPOSE_CHILD_DATA);
  CHECK(texts.texts(2).purpose() == v1::CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY);
  for (const v1::ConsentText& text : texts.texts()) {
    CHECK(text.version() == kVersion);
    CHECK(text.text().rfind("Согласие", 0) == 0);
    CHECK(text.publish_time().seconds() > 0);
    CHECK(text.required() == (text.purpose() != v1::CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY));
  }
}

TEST_CASE("An adult gives his SERVICE consent himself, once, and nobody else may",
          "[directory][api][consents]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  v1::Consent consent;
  REQUIRE_RPC_OK(Give(*f, w.teacher, w.teacher, v1::CONSENT_PURPOSE_SERVICE, &consent));
  CHECK(consent.status() == v1::CONSENT_STATUS_GIVEN);
  CHECK(!consent.consent_id().empty());
  CHECK(consent.person_id() == w.teacher);
  CHECK(consent.given_by() == w.teacher);
  CHECK(consent.method() == v1::CONSENT_METHOD_ONLINE);
  CHECK(consent.text_version() == kVersion);
  CHECK(consent.give_time().seconds() > 0);
  CHECK_FALSE(consent.has_withdraw_time());
  // The same version again changes nothing.
  v1::Consent again;
  REQUIRE_RPC_OK(Give(*f, w.teacher, w.teacher, v1::CONSENT_PURPOSE_SERVICE, &again));
  CHECK(again.consent_id() == consent.consent_id());
  std::vector<v1::AuditLogEntry> given = AuditOf(*f, w.admin, w.school_id, "consent_given:service");
  REQUIRE(given.size() == 1);
  CHECK(given[0].actor_id() == w.teacher);
  CHECK(given[0].subject_id() == w.teacher);
  CHECK(!given[0].client_address().empty());

  // Nobody gives it for him: not his admin, not an operator, not a stranger.
  CHECK_RPC_ERROR(Give(*f, w.admin, w.employee, v1::CONSENT_PURPOSE_SERVICE), PERMISSION_DENIED,
                  "NOT_ALLOWED_FOR_PERSON");
  CHECK_RPC_ERROR(Give(*f, DirectoryFixture::NewUser(), w.employee, v1::CONSENT_PURPOSE_SERVICE),
                  PERMISSION_DENIED, "NOT_ALLOWED_FOR_PERSON");
  v1::GiveConsentRequest by_operator;
  by_operator.set_person_id(w.employee);
  by_operator.set_purpose(v1::CONSENT_PURPOSE_SERVICE);
  by_operator.set_text_version(kVersion);
  v1::GiveConsentResponse answer;
  CHECK_RPC_ERROR(f->CallWithToken(&Stub::GiveConsent, f->OperatorToken(), by_operator, &answer),
                  PERMISSION_DENIED, "NOT_ALLOWED_FOR_PERSON");
  // Not on paper, not a pupil's purpose, not for a pupil.
  CHECK_RPC_ERROR(GivePaper(*f, w.employee, w.employee, v1::CONSENT_PURPOSE_SERVICE, w.school_id,
                            "Иванов И. И."),
                  PERMISSION_DENIED, "NOT_ALLOWED_FOR_PERSON");
  CHECK_RPC_ERROR(Give(*f, w.employee, w.employee, v1::CONSENT_PURPOSE_CHILD_DATA),
                  FAILED_PRECONDITION, "PURPOSE_NOT_FOR_PERSON");
  CHECK_RPC_ERROR(Give(*f, w.student, w.student, v1::CONSENT_PURPOSE_SERVICE), FAILED_PRECONDITION,
                  "PURPOSE_NOT_FOR_PERSON");
  // Only the current text.
  CHECK_RPC_ERROR(Give(*f, w.employee, w.employee, v1::CONSENT_PURPOSE_SERVICE, nullptr, "2025-1"),
                  FAILED_PRECONDITION, "TEXT_VERSION_OUTDATED");
  // Bad requests.
  CHECK_RPC_ERROR(Give(*f, w.employee, w.employee, v1::CONSENT_PURPOSE_UNSPECIFIED),
                  INVALID_ARGUMENT, "INVALID_CONSENT_PURPOSE");
  v1::GiveConsentRequest odd_method = by_operator;
  odd_method.set_method(static_cast<v1::ConsentMethod>(7));
  CHECK_RPC_ERROR(f->Call(&Stub::GiveConsent, w.employee, odd_method, &answer), INVALID_ARGUMENT,
                  "INVALID_METHOD");
  // Nobody known by that id.
  CHECK_RPC_ERROR(Give(*f, w.admin, DirectoryFixture::NewUser(), v1::CONSENT_PURPOSE_SERVICE),
                  NOT_FOUND, "PERSON_NOT_FOUND");
  CHECK_RPC_ERROR(Give(*f, w.admin, "not-an-id", v1::CONSENT_PURPOSE_SERVICE), NOT_FOUND,
                  "PERSON_NOT_FOUND");
  // Someone of no school yet consents for himself.
  const std::string newcomer = DirectoryFixture::NewUser();
  REQUIRE_RPC_OK(Give(*f, newcomer, newcomer, v1::CONSENT_PURPOSE_SERVICE, &consent));
  CHECK(consent.status() == v1::CONSENT_STATUS_GIVEN);
}

TEST_CASE("A pupil's consents: his confirmed parent online or his school's admin on paper",
          "[directory][api][consents]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool("Школа № 1");
  SchoolWorld other = f->BuildSchool("Школа № 2");
  const std::string pending = PendingParent(*f, w);
  const std::string classmate =
      f->Join(w.school_id, f->Token(w.teacher), v1::ROLE_STUDENT, w.class_id);
  const std::string classmates_parent = f->AddParent(w.school_id, classmate, w.teacher);

  // Refused: a pending parent, a parent of another child, the pupil himself, his teachers,
  // his admin online, another school's parent and admin.
  for (const std::string& caller :
       {pending, classmates_parent, w.student, w.teacher, w.admin, other.parent, other.admin}) {
    INFO(caller);
    CHECK_RPC_ERROR(Give(*f, caller, w.student, v1::CONSENT_PURPOSE_CHILD_DATA), PERMISSION_DENIED,
                    "NOT_ALLOWED_FOR_PERSON");
  }
  CHECK_RPC_ERROR(GivePaper(*f, other.admin, w.student, v1::CONSENT_PURPOSE_CHILD_DATA,
                            other.school_id, "Иванова Мария Петровна"),
                  PERMISSION_DENIED, "NOT_ALLOWED_FOR_PERSON");
  CHECK_RPC_ERROR(GivePaper(*f, w.teacher, w.student, v1::CONSENT_PURPOSE_CHILD_DATA, w.school_id,
                            "Иванова Мария Петровна"),
                  PERMISSION_DENIED, "NOT_ALLOWED_FOR_PERSON");
  // A paper form names the parent and the admin's own school.
  CHECK_RPC_ERROR(
      GivePaper(*f, w.admin, w.student, v1::CONSENT_PURPOSE_CHILD_DATA, w.school_id, "  "),
      INVALID_ARGUMENT, "PARENT_NAME_REQUIRED");
  CHECK_RPC_ERROR(GivePaper(*f, w.admin, w.student, v1::CONSENT_PURPOSE_CHILD_DATA, other.school_id,
                            "Иванова Мария Петровна"),
                  NOT_FOUND, "SCHOOL_NOT_FOUND");
  // A pupil's purpose for an adult.
  CHECK_RPC_ERROR(Give(*f, w.admin, w.teacher, v1::CONSENT_PURPOSE_CHILD_DATA), FAILED_PRECONDITION,
                  "PURPOSE_NOT_FOR_PERSON");

  v1::Consent consent;
  REQUIRE_RPC_OK(Give(*f, w.parent, w.student, v1::CONSENT_PURPOSE_CHILD_DATA, &consent));
  CHECK(consent.status() == v1::CONSENT_STATUS_GIVEN);
  CHECK(consent.given_by() == w.parent);
  CHECK(consent.method() == v1::CONSENT_METHOD_ONLINE);
  CHECK(consent.school_id().empty());

  REQUIRE_RPC_OK(GivePaper(*f, w.admin, classmate, v1::CONSENT_PURPOSE_CHILD_DATA, w.school_id,
                           " Петрова Анна Сергеевна ", &consent));
  CHECK(consent.status() == v1::CONSENT_STATUS_GIVEN);
  CHECK(consent.given_by() == w.admin);
  CHECK(consent.method() == v1::CONSENT_METHOD_PAPER);
  CHECK(consent.school_id() == w.school_id);
  CHECK(consent.parent_name() == "Петрова Анна Сергеевна");

  std::vector<v1::AuditLogEntry> given =
      AuditOf(*f, w.admin, w.school_id, "consent_given:child_data");
  REQUIRE(given.size() == 2);
  CHECK(given[0].subject_id() == classmate);  // the newest first
  CHECK(given[0].actor_id() == w.admin);
  CHECK(given[1].subject_id() == w.student);
  CHECK(given[1].actor_id() == w.parent);
  CHECK(AuditOf(*f, other.admin, other.school_id, "consent_given:child_data").empty());
}

TEST_CASE("ListConsents: the person, his confirmed parents, his admins and operators",
          "[directory][api][consents]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool("Школа № 1");
  SchoolWorld other = f->BuildSchool("Школа № 2");
  REQUIRE_RPC_OK(Give(*f, w.parent, w.student, v1::CONSENT_PURPOSE_CHILD_DATA));

  for (const std::string& token :
       {f->Token(w.student), f->Token(w.parent), f->Token(w.admin), f->OperatorToken()}) {
    v1::ListConsentsRequest request;
    request.set_person_id(w.student);
    v1::ListConsentsResponse response;
    REQUIRE_RPC_OK(f->CallWithToken(&Stub::ListConsents, token, request, &response));
    REQUIRE(response.consents_size() == 2);
    const v1::Consent& data = response.consents(0);
    CHECK(data.purpose() == v1::CONSENT_PURPOSE_CHILD_DATA);
    CHECK(data.status() == v1::CONSENT_STATUS_GIVEN);
    CHECK(data.given_by() == w.parent);
    const v1::Consent& visibility = response.consents(1);
    CHECK(visibility.purpose() == v1::CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY);
    CHECK(visibility.status() == v1::CONSENT_STATUS_MISSING);
    CHECK(visibility.person_id() == w.student);
    CHECK(visibility.consent_id().empty());
    CHECK(visibility.given_by().empty());
    CHECK_FALSE(visibility.has_give_time());
  }
  // An adult has SERVICE only.
  std::vector<v1::Consent> consents;
  REQUIRE_RPC_OK(ListFor(*f, w.admin, w.teacher, &consents));
  REQUIRE(consents.size() == 1);
  CHECK(consents[0].purpose() == v1::CONSENT_PURPOSE_SERVICE);
  CHECK(consents[0].status() == v1::CONSENT_STATUS_MISSING);
  // Not his teachers, classmates, other schools' people.
  const std::string classmate =
      f->Join(w.school_id, f->Token(w.teacher), v1::ROLE_STUDENT, w.class_id);
  for (const std::string& caller :
       {w.teacher, w.employee, classmate, other.admin, other.parent, PendingParent(*f, w)}) {
    INFO(caller);
    CHECK_RPC_ERROR(ListFor(*f, caller, w.student), PERMISSION_DENIED, "NOT_ALLOWED_FOR_PERSON");
  }
  // Nobody of any school; but the caller himself always reads his own.
  CHECK_RPC_ERROR(ListFor(*f, w.admin, DirectoryFixture::NewUser()), NOT_FOUND, "PERSON_NOT_FOUND");
  v1::ListConsentsRequest unknown;
  unknown.set_person_id(DirectoryFixture::NewUser());
  v1::ListConsentsResponse answer;
  CHECK_RPC_ERROR(f->CallWithToken(&Stub::ListConsents, f->OperatorToken(), unknown, &answer),
                  NOT_FOUND, "PERSON_NOT_FOUND");
  const std::string newcomer = DirectoryFixture::NewUser();
  REQUIRE_RPC_OK(ListFor(*f, newcomer, newcomer, &consents));
  REQUIRE(consents.size() == 1);
  CHECK(consents[0].purpose() == v1::CONSENT_PURPOSE_SERVICE);
  CHECK(consents[0].status() == v1::CONSENT_STATUS_MISSING);
}

TEST_CASE("Safe mode goes off only with a visibility consent, and its withdrawal puts it back",
          "[directory][api][consents]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool("Школа № 1");
  SchoolWorld other = f->BuildSchool("Школа № 2");
  // The pupil studies in both schools.
  f->Join(other.school_id, f->Token(other.teacher), v1::ROLE_STUDENT, other.class_id, w.student);
  const std::string stranger = f->Join(w.school_id, f->Token(w.admin), v1::ROLE_TEACHER);
  const std::string other_stranger =
      f->Join(other.school_id, f->Token(other.admin), v1::ROLE_TEACHER);

  CHECK_RPC_ERROR(SetSafeMode(*f, w.parent, w.school_id, w.student, false), FAILED_PRECONDITION,
                  "CONSENT_REQUIRED");
  CHECK_RPC_ERROR(Withdraw(*f, w.parent, w.student, v1::CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY),
                  FAILED_PRECONDITION, "NO_CONSENT");
  REQUIRE_RPC_OK(Give(*f, w.parent, w.student, v1::CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY));
  REQUIRE_RPC_OK(SetSafeMode(*f, w.parent, w.school_id, w.student, false));
  REQUIRE_RPC_OK(SetSafeMode(*f, other.admin, other.school_id, w.student, false));
  CHECK(f->Allowed(stranger, "member.contact", MemberResource(w.school_id, w.student)));
  CHECK(f->Allowed(other_stranger, "member.contact", MemberResource(other.school_id, w.student)));

  // An admin of a school of his records the parent's signed withdrawal.
  v1::WithdrawConsentRequest request;
  request.set_person_id(w.student);
  request.set_purpose(v1::CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY);
  request.set_method(v1::CONSENT_METHOD_PAPER);
  request.set_school_id(other.school_id);
  v1::WithdrawConsentResponse withdrawn;
  CHECK_RPC_ERROR(f->Call(&Stub::WithdrawConsent, other.admin, request, &withdrawn),
                  INVALID_ARGUMENT, "PARENT_NAME_REQUIRED");
  request.set_parent_name("Иванова Мария Петровна");
  CHECK_RPC_ERROR(f->Call(&Stub::WithdrawConsent, other.teacher, request, &withdrawn),
                  PERMISSION_DENIED, "NOT_ALLOWED_FOR_PERSON");
  REQUIRE_RPC_OK(f->Call(&Stub::WithdrawConsent, other.admin, request, &withdrawn));
  CHECK(withdrawn.consent().status() == v1::CONSENT_STATUS_WITHDRAWN);
  CHECK(withdrawn.consent().withdrawn_by() == other.admin);
  CHECK(withdrawn.consent().has_withdraw_time());
  CHECK(withdrawn.consent().given_by() == w.parent);

  // Safe mode is on again in both schools, by events the chats follow.
  CHECK_FALSE(f->Allowed(stranger, "member.contact", MemberResource(w.school_id, w.student)));
  CHECK_FALSE(
      f->Allowed(other_stranger, "member.contact", MemberResource(other.school_id, w.student)));
  for (const SchoolWorld* school : {&w, &other}) {
    v1::ListEventsRequest events_request;
    events_request.set_school_id(school->school_id);
    v1::ListEventsResponse events;
    REQUIRE_RPC_OK(f->CallWithToken(&Stub::ListEvents, f->ServiceToken(), events_request, &events));
    REQUIRE(events.events_size() > 0);
    const v1::DirectoryEvent& last = events.events(events.events_size() - 1).event();
    REQUIRE(last.has_student_settings_changed());
    CHECK(last.student_settings_changed().student_id() == w.student);
    CHECK(last.student_settings_changed().safe_mode());
    CHECK(last.actor_id() == other.admin);
    std::vector<v1::AuditLogEntry> logged =
        AuditOf(*f, school->admin, school->school_id, "consent_withdrawn:school_wide_visibility");
    REQUIRE(logged.size() == 1);
    CHECK(logged[0].subject_id() == w.student);
    CHECK(logged[0].actor_id() == other.admin);
  }
  CHECK(StatusOf(*f, w.student, v1::CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY) ==
        v1::CONSENT_STATUS_WITHDRAWN);
  CHECK_RPC_ERROR(Withdraw(*f, w.parent, w.student, v1::CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY),
                  FAILED_PRECONDITION, "NO_CONSENT");
  // Off again needs a new consent; on never does.
  CHECK_RPC_ERROR(SetSafeMode(*f, w.parent, w.school_id, w.student, false), FAILED_PRECONDITION,
                  "CONSENT_REQUIRED");
  REQUIRE_RPC_OK(SetSafeMode(*f, w.parent, w.school_id, w.student, true));
  REQUIRE_RPC_OK(Give(*f, w.parent, w.student, v1::CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY));
  REQUIRE_RPC_OK(SetSafeMode(*f, w.parent, w.school_id, w.student, false));
}

TEST_CASE("A new text makes consents to the old one outdated until given again",
          "[directory][api][consents]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  REQUIRE_RPC_OK(Give(*f, w.teacher, w.teacher, v1::CONSENT_PURPOSE_SERVICE));
  REQUIRE_RPC_OK(Give(*f, w.parent, w.student, v1::CONSENT_PURPOSE_CHILD_DATA));
  CHECK(FindMissing(AllMissing(*f, f->Token(w.admin), w.school_id), w.teacher) == nullptr);

  v1::PublishConsentTextRequest publish;
  publish.set_purpose(v1::CONSENT_PURPOSE_SERVICE);
  publish.set_version("2026-2");
  publish.set_text("Согласие на обработку персональных данных (редакция 2).");
  v1::PublishConsentTextResponse published;
  for (const std::string& caller : {w.admin, w.teacher}) {
    CHECK_RPC_ERROR(f->Call(&Stub::PublishConsentText, caller, publish, &published),
                    PERMISSION_DENIED, "OPERATOR_ONLY");
  }
  auto refused = [&](v1::PublishConsentTextRequest bad, const char* reason) {
    INFO(reason);
    CHECK_RPC_ERROR(
        f->CallWithToken(&Stub::PublishConsentText, f->OperatorToken(), bad, &published),
        INVALID_ARGUMENT, reason);
  };
  v1::PublishConsentTextRequest bad = publish;
  bad.set_purpose(v1::CONSENT_PURPOSE_UNSPECIFIED);
  refused(bad, "INVALID_CONSENT_PURPOSE");
  for (const std::string& version :
       {std::string(), std::string(33, '1'), std::string("редакция"), std::string("a\tb")}) {
    bad = publish;
    bad.set_version(version);
    refused(bad, "INVALID_VERSION");
  }
  for (const std::string& text : {std::string(), std::string(100'001, 'x')}) {
    bad = publish;
    bad.set_text(text);
    refused(bad, "INVALID_TEXT");
  }
  bad = publish;
  bad.set_version(kVersion);
  CHECK_RPC_ERROR(f->CallWithToken(&Stub::PublishConsentText, f->OperatorToken(), bad, &published),
                  ALREADY_EXISTS, "VERSION_EXISTS");

  f->clock().Advance(absl::Minutes(1));
  REQUIRE_RPC_OK(
      f->CallWithToken(&Stub::PublishConsentText, f->OperatorToken(), publish, &published));
  CHECK(published.text().version() == "2026-2");
  CHECK(published.text().required());
  v1::ListConsentTextsResponse texts;
  REQUIRE_RPC_OK(
      f->CallWithToken(&Stub::ListConsentTexts, "", v1::ListConsentTextsRequest(), &texts));
  REQUIRE(texts.texts_size() == 3);
  CHECK(texts.texts(0).version() == "2026-2");
  CHECK(texts.texts(1).version() == kVersion);

  CHECK(StatusOf(*f, w.teacher, v1::CONSENT_PURPOSE_SERVICE) == v1::CONSENT_STATUS_OUTDATED);
  std::vector<v1::MissingConsent> missing = AllMissing(*f, f->Token(w.admin), w.school_id);
  const v1::MissingConsent* teacher = FindMissing(missing, w.teacher);
  REQUIRE(teacher != nullptr);
  CHECK(teacher->status() == v1::CONSENT_STATUS_OUTDATED);
  CHECK(teacher->purpose() == v1::CONSENT_PURPOSE_SERVICE);
  CHECK(FindMissing(missing, w.student) == nullptr);  // his text did not change
  // Asked again: the old version no longer, the new one once.
  CHECK_RPC_ERROR(Give(*f, w.teacher, w.teacher, v1::CONSENT_PURPOSE_SERVICE), FAILED_PRECONDITION,
                  "TEXT_VERSION_OUTDATED");
  v1::Consent renewed;
  REQUIRE_RPC_OK(Give(*f, w.teacher, w.teacher, v1::CONSENT_PURPOSE_SERVICE, &renewed, "2026-2"));
  CHECK(renewed.status() == v1::CONSENT_STATUS_GIVEN);
  CHECK(renewed.text_version() == "2026-2");
  CHECK(FindMissing(AllMissing(*f, f->Token(w.admin), w.school_id), w.teacher) == nullptr);
  CHECK(AuditOf(*f, w.admin, w.school_id, "consent_given:service").size() == 2);
}

TEST_CASE("ListMissingConsents: admins and operators, every member once, paged",
          "[directory][api][consents]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool("Школа № 1");
  SchoolWorld other = f->BuildSchool("Школа № 2");
  for (int i = 0; i < 4; ++i) {
    f->Join(w.school_id, f->Token(w.teacher), v1::ROLE_STUDENT, w.class_id);
  }
  PendingParent(*f, w);  // not a member: not listed
  REQUIRE_RPC_OK(Give(*f, w.employee, w.employee, v1::CONSENT_PURPOSE_SERVICE));
  // Visibility is optional: it never counts for the list.
  REQUIRE_RPC_OK(Give(*f, w.parent, w.student, v1::CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY));

  std::vector<v1::MissingConsent> all = AllMissing(*f, f->Token(w.admin), w.school_id);
  // admin, teacher, student, parent and the four new pupils; not the employee.
  REQUIRE(all.size() == 8);
  CHECK(FindMissing(all, w.employee) == nullptr);
  const v1::MissingConsent* student = FindMissing(all, w.student);
  REQUIRE(student != nullptr);
  CHECK(student->purpose() == v1::CONSENT_PURPOSE_CHILD_DATA);
  CHECK(student->status() == v1::CONSENT_STATUS_MISSING);
  const v1::MissingConsent* parent = FindMissing(all, w.parent);
  REQUIRE(parent != nullptr);
  CHECK(parent->purpose() == v1::CONSENT_PURPOSE_SERVICE);
  for (size_t i = 1; i < all.size(); ++i) {  // by name, then id (these have no imported name)
    CHECK(all[i - 1].display_name() <= all[i].display_name());
    if (all[i - 1].display_name() == all[i].display_name()) {
      CHECK(all[i - 1].person_id() < all[i].person_id());
    }
  }
  // Pages of three give the same members in the same order; an operator reads it too.
  std::vector<v1::MissingConsent> paged = AllMissing(*f, f->Token(w.admin), w.school_id, 3);
  REQUIRE(paged.size() == all.size());
  for (size_t i = 0; i < all.size(); ++i) CHECK(paged[i].person_id() == all[i].person_id());
  CHECK(AllMissing(*f, f->OperatorToken(), w.school_id).size() == all.size());
  // A member who gives his consent leaves the list.
  REQUIRE_RPC_OK(Give(*f, w.parent, w.student, v1::CONSENT_PURPOSE_CHILD_DATA));
  CHECK(FindMissing(AllMissing(*f, f->Token(w.admin), w.school_id), w.student) == nullptr);

  v1::ListMissingConsentsRequest request;
  request.set_school_id(w.school_id);
  v1::ListMissingConsentsResponse response;
  CHECK_RPC_ERROR(f->Call(&Stub::ListMissingConsents, w.teacher, request, &response),
                  PERMISSION_DENIED, "NOT_SCHOOL_ADMIN");
  CHECK_RPC_ERROR(f->Call(&Stub::ListMissingConsents, w.parent, request, &response),
                  PERMISSION_DENIED, "NOT_SCHOOL_ADMIN");
  CHECK_RPC_ERROR(f->Call(&Stub::ListMissingConsents, other.admin, request, &response), NOT_FOUND,
                  "SCHOOL_NOT_FOUND");
  for (int size : {-1, 201}) {
    request.set_page_size(size);
    CHECK_RPC_ERROR(f->Call(&Stub::ListMissingConsents, w.admin, request, &response),
                    INVALID_ARGUMENT, "INVALID_PAGE_SIZE");
  }
  request.set_page_size(2);
  REQUIRE_RPC_OK(f->Call(&Stub::ListMissingConsents, w.admin, request, &response));
  REQUIRE(!response.next_page_token().empty());
  v1::ListMissingConsentsRequest elsewhere;
  elsewhere.set_school_id(other.school_id);
  elsewhere.set_page_token(response.next_page_token());
  v1::ListMissingConsentsResponse ignored;
  CHECK_RPC_ERROR(f->Call(&Stub::ListMissingConsents, other.admin, elsewhere, &ignored),
                  INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
  request.set_page_token("garbage");
  CHECK_RPC_ERROR(f->Call(&Stub::ListMissingConsents, w.admin, request, &ignored), INVALID_ARGUMENT,
                  "INVALID_PAGE_TOKEN");
}

TEST_CASE("Withdrawing CHILD_DATA needs identity, and nothing changes without it",
          "[directory][api][consents]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  REQUIRE_RPC_OK(Give(*f, w.parent, w.student, v1::CONSENT_PURPOSE_CHILD_DATA));
  CHECK_RPC_ERROR(Withdraw(*f, w.teacher, w.student, v1::CONSENT_PURPOSE_CHILD_DATA),
                  PERMISSION_DENIED, "NOT_ALLOWED_FOR_PERSON");
  CHECK_RPC_ERROR(Withdraw(*f, w.parent, w.student, v1::CONSENT_PURPOSE_CHILD_DATA),
                  FAILED_PRECONDITION, "IDENTITY_CLIENT_NOT_CONFIGURED");
  CHECK(StatusOf(*f, w.student, v1::CONSENT_PURPOSE_CHILD_DATA) == v1::CONSENT_STATUS_GIVEN);
  CHECK(AuditOf(*f, w.admin, w.school_id, "consent_withdrawn:child_data").empty());
}

// Identity's view of an account.
identity_v1::AccountState AccountStateOf(identity::testing::IdentityFixture& identity,
                                         const std::string& account_id) {
  identity_v1::GetAccountRequest request;
  request.set_account_id(account_id);
  identity_v1::GetAccountResponse response;
  ::grpc::Status status = identity.stub().GetAccount(
      identity::testing::IdentityFixture::Context(identity.ServiceToken()).get(), request,
      &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return response.account().state();
}

TEST_CASE("Withdrawing a pupil's data consent or an adult's own asks identity for the erasure",
          "[directory][api][consents]") {
  testing::DirectoryWithIdentity services = testing::StartDirectoryWithIdentity();
  if (!services.directory) return;
  DirectoryFixture& f = *services.directory;
  identity::testing::IdentityFixture& identity = *services.identity;
  SchoolWorld w = f.BuildSchool();
  // A pupil with an account in identity: imported by the school.
  v1::ImportRosterRequest import;
  import.set_school_id(w.school_id);
  import.set_csv(
      "class,last_name,first_name,patronymic,birth_date,role\n"
      "5А,Смирнов,Илья,Андреевич,03.04.2015,student\n");
  import.set_academic_year(2026);
  v1::ImportRosterResponse imported;
  REQUIRE_RPC_OK(f.Call(&Stub::ImportRoster, w.admin, import, &imported));
  REQUIRE(imported.people_size() == 1);
  const std::string pupil = imported.people(0).account_id();
  const std::string father = f.AddParent(w.school_id, pupil, w.teacher);
  REQUIRE_RPC_OK(Give(f, father, pupil, v1::CONSENT_PURPOSE_CHILD_DATA));
  std::vector<v1::MissingConsent> missing = AllMissing(f, f.Token(w.admin), w.school_id);
  CHECK(FindMissing(missing, pupil) == nullptr);

  v1::Consent withdrawn;
  REQUIRE_RPC_OK(Withdraw(f, father, pupil, v1::CONSENT_PURPOSE_CHILD_DATA, &withdrawn));
  CHECK(withdrawn.status() == v1::CONSENT_STATUS_WITHDRAWN);
  CHECK(withdrawn.withdrawn_by() == father);
  CHECK(AccountStateOf(identity, pupil) == identity_v1::ACCOUNT_STATE_CLOSED);
  std::vector<v1::AuditLogEntry> logged =
      AuditOf(f, w.admin, w.school_id, "consent_withdrawn:child_data");
  REQUIRE(logged.size() == 1);
  CHECK(logged[0].actor_id() == father);
  CHECK(logged[0].subject_id() == pupil);
  // The school sees him without a consent, by the name it imported him under.
  missing = AllMissing(f, f.Token(w.admin), w.school_id);
  const v1::MissingConsent* listed = FindMissing(missing, pupil);
  REQUIRE(listed != nullptr);
  CHECK(listed->status() == v1::CONSENT_STATUS_WITHDRAWN);
  CHECK(listed->display_name() == "Смирнов Илья Андреевич");
  CHECK(missing.back().person_id() == pupil);  // named people after the unnamed ones

  // An adult withdraws his own SERVICE consent: his account is closed too.
  identity_v1::Account adult;
  REQUIRE(identity.Register("consent-withdrawn@example.org", &adult).ok());
  REQUIRE_RPC_OK(Give(f, adult.id(), adult.id(), v1::CONSENT_PURPOSE_SERVICE));
  REQUIRE_RPC_OK(Withdraw(f, adult.id(), adult.id(), v1::CONSENT_PURPOSE_SERVICE, &withdrawn));
  CHECK(withdrawn.status() == v1::CONSENT_STATUS_WITHDRAWN);
  CHECK(AccountStateOf(identity, adult.id()) == identity_v1::ACCOUNT_STATE_CLOSED);
  CHECK_RPC_ERROR(Withdraw(f, adult.id(), adult.id(), v1::CONSENT_PURPOSE_SERVICE),
                  FAILED_PRECONDITION, "NO_CONSENT");
}

}  // namespace
}  // namespace parta::directory
