// Parents the state vouches for, against a real identity service and the ESIA emulator
// (tools/esia-emulator): a government-verified parent claims his child from the state's register,
// and a school that admits only vouched-for adults refuses the others.

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/testing/esia_emulator_server.h"
#include "services/directory/tests/api/directory_with_identity.h"
#include "services/directory/tests/directory_fixture.h"
#include "services/identity/tests/identity_fixture.h"

namespace parta::directory {
namespace {

using parta::testing::PrivateEsia;
using testing::DirectoryFixture;
using testing::SchoolWorld;
using Stub = v1::DirectoryService::Stub;
using identity::testing::IdentityFixture;
namespace identity_v1 = parta::identity::v1;

// Identity with ESIA through the emulator, and a directory that reaches it.
// The emulator is declared first: it stops after the services that call it.
struct Services {
  PrivateEsia esia{"PARTA", {identity::testing::kEsiaRedirect}};
  std::unique_ptr<IdentityFixture> identity;
  std::unique_ptr<DirectoryFixture> directory;
};

std::unique_ptr<Services> StartServices() {
  auto services = std::make_unique<Services>();
  testing::DirectoryWithIdentity both =
      testing::StartDirectoryWithIdentity([&](identity::IdentityConfig& config) {
        identity::testing::UseEsia(config, services->esia);
      });
  if (!both.identity) return nullptr;
  services->identity = std::move(both.identity);
  services->directory = std::move(both.directory);
  return services;
}

// The school's pupils as its roster has them. The register writes «Пётр»; the school wrote
// «Петр». Two pupils differ only by ё: the register's «Артём» matches both.
const char kRoster[] =
    "class,last_name,first_name,patronymic,birth_date,role\n"
    "5А,Иванова,Мария,Ивановна,01.09.2014,student\n"
    "5А,Иванов,Петр,Иванович,15.05.2017,student\n"
    "5А,Кузнецов,Артём,,10.10.2015,student\n"
    "5А,Кузнецов,Артем,,10.10.2015,student\n";

// The imported pupils' account ids, in the roster's order.
std::vector<std::string> ImportPupils(DirectoryFixture& f, const SchoolWorld& w) {
  v1::ImportRosterRequest request;
  request.set_school_id(w.school_id);
  request.set_csv(kRoster);
  request.set_academic_year(2026);
  v1::ImportRosterResponse imported;
  REQUIRE_RPC_OK(f.Call(&Stub::ImportRoster, w.admin, request, &imported));
  REQUIRE(imported.rejected_size() == 0);
  std::vector<std::string> ids;
  for (const v1::ImportedPerson& person : imported.people()) ids.push_back(person.account_id());
  REQUIRE(ids.size() == 4);
  return ids;
}

::grpc::Status Claim(DirectoryFixture& f, const std::string& parent, const std::string& school_id,
                     const std::string& child_id, v1::ClaimChildResponse* claimed) {
  v1::ClaimChildRequest request;
  request.set_school_id(school_id);
  request.set_child_id(child_id);
  return f.Call(&Stub::ClaimChild, parent, request, claimed);
}

std::vector<v1::ParentLink> LinksOf(DirectoryFixture& f, const SchoolWorld& w,
                                    const std::string& student) {
  v1::ListParentLinksRequest request;
  request.set_school_id(w.school_id);
  request.set_student_id(student);
  v1::ListParentLinksResponse response;
  REQUIRE_RPC_OK(f.Call(&Stub::ListParentLinks, w.admin, request, &response));
  return {response.links().begin(), response.links().end()};
}

std::string MemberResource(const SchoolWorld& w, const std::string& member) {
  return absl::StrCat("schools/", w.school_id, "/members/", member);
}

TEST_CASE("A verified parent claims his children from the state's register, without the teacher",
          "[directory][api][esia]") {
  auto s = StartServices();
  if (!s) return;
  DirectoryFixture& f = *s->directory;
  SchoolWorld w = f.BuildSchool();
  const std::vector<std::string> pupils = ImportPupils(f, w);
  const std::string parent = s->identity->SignInWithEsia(s->esia, "ivanov").account().id();
  const std::string class_resource = absl::StrCat("schools/", w.school_id, "/classes/", w.class_id);
  CHECK_FALSE(f.Allowed(parent, "class.parents_chat", class_resource));

  v1::ClaimChildResponse claimed;
  REQUIRE_RPC_OK(Claim(f, parent, w.school_id, "1000000101", &claimed));
  const v1::ParentLink& link = claimed.parent_link();
  CHECK(link.student_id() == pupils[0]);
  CHECK(link.parent_id() == parent);
  CHECK(link.state() == v1::PARENT_LINK_STATE_CONFIRMED);
  CHECK(link.confirmed_by_government());
  CHECK(link.confirmed_by().empty());
  // He is the child's parent at once: in the class parents' chat, in charge of her settings.
  CHECK(f.Allowed(parent, "class.parents_chat", class_resource));
  CHECK(f.Allowed(parent, "member.settings.update", MemberResource(w, pupils[0])));
  const std::vector<v1::ParentLink> links = LinksOf(f, w, pupils[0]);
  REQUIRE(links.size() == 1);
  CHECK(links[0].confirmed_by_government());
  // The school's event tells its admins and the child's other parents, as for any link.
  v1::ListEventsRequest events_request;
  events_request.set_school_id(w.school_id);
  v1::ListEventsResponse events;
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::ListEvents, f.ServiceToken(), events_request, &events));
  REQUIRE(events.events_size() > 0);
  const v1::DirectoryEvent& last = events.events(events.events_size() - 1).event();
  REQUIRE(last.has_parent_link_confirmed());
  CHECK(last.parent_link_confirmed().link().id() == link.id());

  // Claiming again answers the same link and changes nothing.
  v1::ClaimChildResponse again;
  REQUIRE_RPC_OK(Claim(f, parent, w.school_id, "1000000101", &again));
  CHECK(again.parent_link().id() == link.id());
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::ListEvents, f.ServiceToken(), events_request, &events));
  CHECK(events.events(events.events_size() - 1).event().parent_link_confirmed().link().id() ==
        link.id());
  CHECK(LinksOf(f, w, pupils[0]).size() == 1);

  // «Пётр» of the register is «Петр» of the school.
  REQUIRE_RPC_OK(Claim(f, parent, w.school_id, "1000000102", &claimed));
  CHECK(claimed.parent_link().student_id() == pupils[1]);
}

TEST_CASE("A claim that does not match one pupil, or comes from someone unvouched, links nothing",
          "[directory][api][esia]") {
  auto s = StartServices();
  if (!s) return;
  DirectoryFixture& f = *s->directory;
  SchoolWorld w = f.BuildSchool();
  const std::vector<std::string> pupils = ImportPupils(f, w);
  const std::string ivanov = s->identity->SignInWithEsia(s->esia, "ivanov").account().id();
  v1::ClaimChildResponse claimed;

  // Not a child of his, no child at all, or a school without the child (or none).
  CHECK_RPC_ERROR(Claim(f, ivanov, w.school_id, "1000000103", &claimed), NOT_FOUND,
                  "ESIA_CHILD_NOT_FOUND");
  CHECK_RPC_ERROR(Claim(f, ivanov, w.school_id, "", &claimed), NOT_FOUND, "ESIA_CHILD_NOT_FOUND");
  CHECK_RPC_ERROR(Claim(f, ivanov, w.school_id, std::string(65, '1'), &claimed), INVALID_ARGUMENT,
                  "INVALID_CHILD_ID");
  const std::string other_school = f.CreateSchool("Школа № 7");
  CHECK_RPC_ERROR(Claim(f, ivanov, other_school, "1000000101", &claimed), NOT_FOUND,
                  "CHILD_NOT_FOUND");
  CHECK_RPC_ERROR(Claim(f, ivanov, DirectoryFixture::NewUser(), "1000000101", &claimed),
                  NOT_FOUND, "CHILD_NOT_FOUND");

  // Two pupils match «Кузнецов Артём, 10.10.2015» once ё is read as е.
  const std::string kuznetsova =
      s->identity->SignInWithEsia(s->esia, "kuznetsova").account().id();
  CHECK_RPC_ERROR(Claim(f, kuznetsova, w.school_id, "1000000103", &claimed), FAILED_PRECONDITION,
                  "CHILD_AMBIGUOUS");
  CHECK(LinksOf(f, w, pupils[2]).empty());
  CHECK(LinksOf(f, w, pupils[3]).empty());
  CHECK_FALSE(
      f.Allowed(kuznetsova, "school.read", absl::StrCat("schools/", w.school_id)));

  // The pupil was matched to another child of the register before: refused until the school
  // looks into it.
  auto set_government_id = [&](const char* value) {
    REQUIRE(f.pool()
                .Transact([&](pqxx::work& tx) {
                  tx.exec_params(
                      "UPDATE managed_people SET government_id = $2 WHERE account_id = $1",
                      pupils[1], value == nullptr ? std::optional<std::string>()
                                                  : std::optional<std::string>(value));
                  return absl::OkStatus();
                })
                .ok());
  };
  set_government_id("1000009999");
  CHECK_RPC_ERROR(Claim(f, ivanov, w.school_id, "1000000102", &claimed), FAILED_PRECONDITION,
                  "CHILD_CLAIMED_AS_ANOTHER");
  CHECK(LinksOf(f, w, pupils[1]).empty());
  set_government_id(nullptr);
  REQUIRE_RPC_OK(Claim(f, ivanov, w.school_id, "1000000102", &claimed));

  // ESIA does not vouch for Сидоров; an account never tied to ESIA has no register at all.
  const std::string sidorov = s->identity->SignInWithEsia(s->esia, "sidorov").account().id();
  CHECK_RPC_ERROR(Claim(f, sidorov, w.school_id, "1000000101", &claimed), FAILED_PRECONDITION,
                  "NOT_GOVERNMENT_VERIFIED");
  CHECK_RPC_ERROR(Claim(f, DirectoryFixture::NewUser(), w.school_id, "1000000101", &claimed),
                  FAILED_PRECONDITION, "NOT_GOVERNMENT_VERIFIED");
  CHECK(LinksOf(f, w, pupils[0]).empty());
}

// Ties the e-mail account of `token` to the emulator's `person` (the test playing the browser).
void LinkEsia(IdentityFixture& identity, const PrivateEsia& esia, const std::string& token,
              const std::string& person) {
  identity_v1::StartEsiaLinkResponse started;
  REQUIRE(identity.stub().StartEsiaLink(IdentityFixture::Context(token).get(), {}, &started).ok());
  std::map<std::string, std::string> back =
      parta::testing::QueryOf(esia.SignInAs(started.authorization_url(), person));
  identity_v1::CompleteEsiaLinkRequest complete;
  complete.set_state(back["state"]);
  complete.set_code(back["code"]);
  complete.set_verifier(started.verifier());
  identity_v1::CompleteEsiaLinkResponse linked;
  ::grpc::Status status =
      identity.stub().CompleteEsiaLink(IdentityFixture::Context(token).get(), complete, &linked);
  INFO(status.error_message());
  REQUIRE(status.ok());
}

TEST_CASE("A school of vouched-for adults: only they contact pupils or become parents",
          "[directory][api][esia]") {
  auto s = StartServices();
  if (!s) return;
  DirectoryFixture& f = *s->directory;
  SchoolWorld w = f.BuildSchool();
  const std::string pupil = MemberResource(w, w.student);
  // The world's adults are unknown to identity: no level.
  CHECK(f.Allowed(w.teacher, "member.contact", pupil));

  v1::UpdateSchoolRequest update;
  update.mutable_school()->set_id(w.school_id);
  update.mutable_school()->set_verified_adults_only(true);
  update.mutable_update_mask()->add_paths("verified_adults_only");
  v1::UpdateSchoolResponse updated;
  CHECK_RPC_ERROR(f.Call(&Stub::UpdateSchool, w.teacher, update, &updated), PERMISSION_DENIED,
                  "NOT_SCHOOL_ADMIN");
  REQUIRE_RPC_OK(f.Call(&Stub::UpdateSchool, w.admin, update, &updated));
  CHECK(updated.school().verified_adults_only());

  CHECK_FALSE(f.Allowed(w.teacher, "member.contact", pupil));
  CHECK_FALSE(f.Allowed(w.admin, "member.contact", pupil));
  // Other questions, and contacts of adults, are not concerned.
  CHECK(f.Allowed(w.teacher, "member.find", pupil));
  CHECK(f.Allowed(w.student, "member.contact", MemberResource(w, w.teacher)));
  v1::FilterVisibleMembersRequest filter;
  filter.set_school_id(w.school_id);
  filter.set_permission("member.contact");
  filter.add_user_ids(w.student);
  filter.add_user_ids(w.employee);
  v1::FilterVisibleMembersResponse visible;
  REQUIRE_RPC_OK(f.Call(&Stub::FilterVisibleMembers, w.teacher, filter, &visible));
  CHECK(std::vector<std::string>(visible.user_ids().begin(), visible.user_ids().end()) ==
        std::vector<std::string>{w.employee});

  // A parent nobody vouches for is not confirmed.
  v1::CreateParentInvitationRequest invite;
  invite.set_school_id(w.school_id);
  invite.set_student_id(w.student);
  v1::CreateParentInvitationResponse invitation;
  REQUIRE_RPC_OK(f.Call(&Stub::CreateParentInvitation, w.teacher, invite, &invitation));
  v1::RedeemInvitationRequest redeem;
  redeem.set_code(invitation.code());
  v1::RedeemInvitationResponse redeemed;
  REQUIRE_RPC_OK(
      f.Call(&Stub::RedeemInvitation, DirectoryFixture::NewUser(), redeem, &redeemed));
  v1::ConfirmParentLinkRequest confirm;
  confirm.set_school_id(w.school_id);
  confirm.set_link_id(redeemed.parent_link().id());
  v1::ConfirmParentLinkResponse confirmed;
  CHECK_RPC_ERROR(f.Call(&Stub::ConfirmParentLink, w.teacher, confirm, &confirmed),
                  FAILED_PRECONDITION, "PARENT_NOT_VERIFIED");
  for (const v1::ParentLink& link : LinksOf(f, w, w.student)) {
    if (link.id() == redeemed.parent_link().id()) {
      CHECK(link.state() == v1::PARENT_LINK_STATE_PENDING);
    }
  }

  // A teacher the state vouches for contacts the pupils she teaches, until the tie goes: the
  // answer is never kept past a change of her level.
  identity_v1::Account account;
  REQUIRE(s->identity->Register("petrova@школа.рф", &account).ok());
  identity_v1::TokenPair pair;
  REQUIRE(s->identity->Login("petrova@школа.рф", &pair).ok());
  LinkEsia(*s->identity, s->esia, pair.access_token(), "petrova");
  const std::string petrova = account.id();
  f.Join(w.school_id, f.Token(w.admin), v1::ROLE_TEACHER, "", petrova);
  v1::AddClassTeacherRequest teach;
  teach.set_school_id(w.school_id);
  teach.set_class_id(w.class_id);
  teach.set_user_id(petrova);
  teach.set_subject("Музыка");
  v1::AddClassTeacherResponse taught;
  REQUIRE_RPC_OK(f.Call(&Stub::AddClassTeacher, w.admin, teach, &taught));
  CHECK(f.Allowed(petrova, "member.contact", pupil));
  CHECK(f.Allowed(petrova, "member.contact", pupil));  // asked twice: the same
  identity_v1::UnlinkEsiaResponse unlinked;
  REQUIRE(s->identity->stub()
              .UnlinkEsia(IdentityFixture::Context(pair.access_token()).get(), {}, &unlinked)
              .ok());
  CHECK_FALSE(f.Allowed(petrova, "member.contact", pupil));

  // The school lifts the rule: everyone as before.
  update.mutable_school()->set_verified_adults_only(false);
  REQUIRE_RPC_OK(f.Call(&Stub::UpdateSchool, w.admin, update, &updated));
  CHECK(f.Allowed(w.teacher, "member.contact", pupil));
  REQUIRE_RPC_OK(f.Call(&Stub::ConfirmParentLink, w.teacher, confirm, &confirmed));
}

}  // namespace
}  // namespace parta::directory
