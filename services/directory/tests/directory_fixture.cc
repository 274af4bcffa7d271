#include "services/directory/tests/directory_fixture.h"

#include <atomic>
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "libs/auth/token.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/grpc/client.h"
#include "libs/grpc/status.h"
#include "services/directory/domain/validation.h"

namespace parta::directory::testing {

std::unique_ptr<DirectoryFixture> DirectoryFixture::Start(
    const std::function<void(DirectoryConfig&)>& adjust) {
  auto schema = parta::testing::TestSchema::Create();
  if (!schema) return nullptr;
  std::optional<std::string> redis_uri = parta::testing::TestRedisUri();
  if (!redis_uri) return nullptr;
  std::unique_ptr<DirectoryFixture> fixture(new DirectoryFixture());
  fixture->operator_id_ = NewUser();
  DirectoryConfig& config = fixture->config_;
  config.pg_uri = schema->uri();
  config.pg_pool_size = 8;
  config.redis_uri = *redis_uri;
  config.events_key = "parta:events:directory:" + schema->name();  // one stream per test
  config.grpc_listen = "127.0.0.1:0";
  config.identity_address = "127.0.0.1:1";  // tests that need identity set a real one
  config.metrics_listen.clear();
  config.migrations_dir = DefaultMigrationsDir();
  config.worker_threads = 4;
  config.revocation_cache_ttl = absl::ZeroDuration();
  if (adjust) adjust(config);
  absl::Status migrated = MigrateDirectory(config.pg_uri, config.migrations_dir);
  INFO(migrated.ToString());
  REQUIRE(migrated.ok());
  absl::StatusOr<std::unique_ptr<DirectoryApp>> app =
      DirectoryApp::Start(config, fixture->clock_, fixture->tokens_.KeySource());
  INFO(app.status().ToString());
  REQUIRE(app.ok());
  fixture->app_ = *std::move(app);
  fixture->pool_ = schema->MakePool(2);
  fixture->schema_ = std::move(schema);
  fixture->stub_ = v1::DirectoryService::NewStub(
      grpc::MakeChannel("127.0.0.1:" + std::to_string(fixture->app_->grpc_port())));
  return fixture;
}

DirectoryFixture::~DirectoryFixture() {
  if (app_) app_->Shutdown(absl::ZeroDuration());
}

std::string DirectoryFixture::NewUser() { return NewUuidV7(absl::Now()); }

std::string DirectoryFixture::ServiceToken() const {
  return tokens_.Service(NewUser(), {std::string(auth::kInternalScope)});
}

std::unique_ptr<::grpc::ClientContext> DirectoryFixture::Context(const std::string& token) {
  return grpc::MakeClientContext({.timeout = absl::Seconds(10), .bearer_token = token});
}

std::string TestInn(int n) {
  std::string prefix = absl::StrCat(770000000 + n).substr(0, 9);
  for (char digit = '0'; digit <= '9'; ++digit) {
    if (ValidInn(prefix + digit)) return prefix + digit;
  }
  return "";
}

std::string TestOgrn(int n) {
  std::string prefix = absl::StrCat(102770000000LL + n).substr(0, 12);
  for (char digit = '0'; digit <= '9'; ++digit) {
    if (ValidOgrn(prefix + digit)) return prefix + digit;
  }
  return "";
}

std::string DirectoryFixture::CreateSchool(const std::string& name) {
  static std::atomic<int> counter{1};
  int n = counter.fetch_add(1);
  v1::CreateSchoolRequest request;
  v1::School& school = *request.mutable_school();
  school.set_name(name);
  school.set_short_name(name);
  school.set_region_code("77");
  school.set_address("Москва, ул. Школьная, 1");
  school.set_time_zone("Europe/Moscow");
  school.set_inn(TestInn(n));
  school.set_ogrn(TestOgrn(n));
  v1::CreateSchoolResponse created;
  REQUIRE_RPC_OK(
      CallWithToken(&v1::DirectoryService::Stub::CreateSchool, OperatorToken(), request, &created));
  return created.school().id();
}

std::string DirectoryFixture::Join(const std::string& school_id, const std::string& inviter_token,
                                   v1::Role role, const std::string& class_id,
                                   const std::string& user) {
  v1::CreateInvitationRequest invite;
  invite.set_school_id(school_id);
  invite.set_role(role);
  invite.set_class_id(class_id);
  v1::CreateInvitationResponse invitation;
  REQUIRE_RPC_OK(CallWithToken(&v1::DirectoryService::Stub::CreateInvitation, inviter_token, invite,
                               &invitation));
  const std::string account = user.empty() ? NewUser() : user;
  v1::RedeemInvitationRequest redeem;
  redeem.set_code(invitation.code());
  v1::RedeemInvitationResponse redeemed;
  REQUIRE_RPC_OK(Call(&v1::DirectoryService::Stub::RedeemInvitation, account, redeem, &redeemed));
  return account;
}

std::string DirectoryFixture::CreateClass(const std::string& school_id, const std::string& admin,
                                          int grade, const std::string& letter,
                                          const std::string& class_teacher) {
  v1::CreateClassRequest request;
  request.set_school_id(school_id);
  request.mutable_class_()->set_grade(grade);
  request.mutable_class_()->set_letter(letter);
  request.mutable_class_()->set_academic_year(2026);
  request.mutable_class_()->set_class_teacher_id(class_teacher);
  v1::CreateClassResponse created;
  REQUIRE_RPC_OK(Call(&v1::DirectoryService::Stub::CreateClass, admin, request, &created));
  return created.class_().id();
}

std::string DirectoryFixture::AddParent(const std::string& school_id, const std::string& student,
                                        const std::string& confirmer, std::string* link_id) {
  v1::CreateParentInvitationRequest invite;
  invite.set_school_id(school_id);
  invite.set_student_id(student);
  v1::CreateParentInvitationResponse invitation;
  REQUIRE_RPC_OK(
      Call(&v1::DirectoryService::Stub::CreateParentInvitation, student, invite, &invitation));
  const std::string parent = NewUser();
  v1::RedeemInvitationRequest redeem;
  redeem.set_code(invitation.code());
  v1::RedeemInvitationResponse redeemed;
  REQUIRE_RPC_OK(Call(&v1::DirectoryService::Stub::RedeemInvitation, parent, redeem, &redeemed));
  v1::ConfirmParentLinkRequest confirm;
  confirm.set_school_id(school_id);
  confirm.set_link_id(redeemed.parent_link().id());
  v1::ConfirmParentLinkResponse link;
  REQUIRE_RPC_OK(Call(&v1::DirectoryService::Stub::ConfirmParentLink, confirmer, confirm, &link));
  if (link_id != nullptr) *link_id = redeemed.parent_link().id();
  return parent;
}

SchoolWorld DirectoryFixture::BuildSchool(const std::string& name) {
  SchoolWorld w;
  w.school_id = CreateSchool(name);
  w.admin = Join(w.school_id, OperatorToken(), v1::ROLE_ADMIN);
  w.teacher = Join(w.school_id, Token(w.admin), v1::ROLE_TEACHER);
  w.employee = Join(w.school_id, Token(w.admin), v1::ROLE_EMPLOYEE);
  w.class_id = CreateClass(w.school_id, w.admin, 5, "А", w.teacher);
  w.student = Join(w.school_id, Token(w.teacher), v1::ROLE_STUDENT, w.class_id);

  w.parent = AddParent(w.school_id, w.student, w.teacher, &w.parent_link_id);

  v1::CreateInvitationRequest open;
  open.set_school_id(w.school_id);
  open.set_role(v1::ROLE_EMPLOYEE);
  v1::CreateInvitationResponse created;
  REQUIRE_RPC_OK(Call(&v1::DirectoryService::Stub::CreateInvitation, w.admin, open, &created));
  w.open_invitation_id = created.invitation().id();

  v1::CreateJoinRequestRequest ask;
  ask.set_school_id(w.school_id);
  ask.set_role(v1::ROLE_STUDENT);
  ask.set_class_id(w.class_id);
  v1::CreateJoinRequestResponse request;
  REQUIRE_RPC_OK(Call(&v1::DirectoryService::Stub::CreateJoinRequest, NewUser(), ask, &request));
  w.pending_request_id = request.join_request().id();

  v1::CreateLessonRequest lesson_request;
  lesson_request.set_school_id(w.school_id);
  v1::Lesson& lesson = *lesson_request.mutable_lesson();
  lesson.set_class_id(w.class_id);
  lesson.set_weekday(6);
  lesson.set_start_time("12:00");
  lesson.set_end_time("12:45");
  lesson.set_subject("Классный час");
  lesson.set_teacher_id(w.teacher);
  v1::CreateLessonResponse made;
  REQUIRE_RPC_OK(Call(&v1::DirectoryService::Stub::CreateLesson, w.admin, lesson_request, &made));
  w.lesson_id = made.lesson().id();
  return w;
}

bool DirectoryFixture::Allowed(const std::string& user_id, const std::string& permission,
                               const std::string& resource) {
  v1::CheckPermissionRequest request;
  request.set_permission(permission);
  request.set_resource(resource);
  v1::CheckPermissionResponse response;
  ::grpc::Status status =
      Call(&v1::DirectoryService::Stub::CheckPermission, user_id, request, &response);
  INFO(permission << " on " << resource << ": " << status.error_message());
  REQUIRE(status.ok());
  return response.allowed();
}

std::string ReasonOf(const ::grpc::Status& status) {
  return parta::ReasonOf(grpc::FromGrpcStatus(status));
}

}  // namespace parta::directory::testing
