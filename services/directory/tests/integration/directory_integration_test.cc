#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "libs/redis/streams.h"
#include "libs/testing/servers.h"
#include "services/directory/adapters/pg_store.h"
#include "services/directory/tests/directory_fixture.h"

namespace parta::directory {
namespace {

using testing::DirectoryFixture;
using testing::SchoolWorld;
using Stub = v1::DirectoryService::Stub;

TEST_CASE("Two concurrent redemptions of a one-use invitation: exactly one wins",
          "[directory][integration]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  for (int round = 0; round < 5; ++round) {
    v1::CreateInvitationRequest invite;
    invite.set_school_id(w.school_id);
    invite.set_role(v1::ROLE_STUDENT);
    invite.set_class_id(w.class_id);
    v1::CreateInvitationResponse created;
    REQUIRE_RPC_OK(f->Call(&Stub::CreateInvitation, w.teacher, invite, &created));
    std::atomic<int> won{0}, used_up{0};
    std::vector<std::thread> racers;
    for (int i = 0; i < 4; ++i) {
      racers.emplace_back([&] {
        v1::RedeemInvitationRequest redeem;
        redeem.set_code(created.code());
        v1::RedeemInvitationResponse response;
        ::grpc::Status status =
            f->Call(&Stub::RedeemInvitation, DirectoryFixture::NewUser(), redeem, &response);
        if (status.ok()) won.fetch_add(1);
        if (testing::ReasonOf(status) == "INVITATION_USED_UP") used_up.fetch_add(1);
      });
    }
    for (std::thread& racer : racers) racer.join();
    CHECK(won.load() == 1);
    CHECK(used_up.load() == 3);
  }
  v1::GetClassRosterRequest roster_request;
  roster_request.set_school_id(w.school_id);
  roster_request.set_class_id(w.class_id);
  v1::GetClassRosterResponse roster;
  REQUIRE_RPC_OK(f->Call(&Stub::GetClassRoster, w.teacher, roster_request, &roster));
  CHECK(roster.roster().student_ids_size() == 1 + 5);
}

TEST_CASE("One adult redeeming the same parent invitation twice at once gets one link",
          "[directory][integration]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  v1::CreateParentInvitationRequest invite;
  invite.set_school_id(w.school_id);
  invite.set_student_id(w.student);
  v1::CreateParentInvitationResponse created;
  REQUIRE_RPC_OK(f->Call(&Stub::CreateParentInvitation, w.student, invite, &created));
  std::string mother = DirectoryFixture::NewUser();
  std::vector<std::string> links(4);
  std::vector<std::thread> racers;
  for (int i = 0; i < 4; ++i) {
    racers.emplace_back([&, i] {
      v1::RedeemInvitationRequest redeem;
      redeem.set_code(created.code());
      v1::RedeemInvitationResponse response;
      if (f->Call(&Stub::RedeemInvitation, mother, redeem, &response).ok()) {
        links[i] = response.parent_link().id();
      }
    });
  }
  for (std::thread& racer : racers) racer.join();
  CHECK(std::set<std::string>(links.begin(), links.end()).size() == 1);
  CHECK_FALSE(links[0].empty());
}

// What a consumer such as messaging does: reads the Redis stream, keeps a cursor per school,
// and catches up through ListEvents after any gap.
struct Consumer {
  DirectoryFixture& f;
  std::string token;
  std::vector<std::pair<std::string, int64_t>> seen;

  redis::EventConsumer::CatchUp CatchUp() {
    return [this](const std::string& stream, int64_t after,
                  int limit) -> absl::StatusOr<std::vector<Event>> {
      v1::ListEventsRequest request;
      request.set_school_id(stream.substr(std::string("school/").size()));
      request.set_after_sequence(after);
      request.set_page_size(limit);
      v1::ListEventsResponse response;
      ::grpc::Status status = f.CallWithToken(&Stub::ListEvents, token, request, &response);
      if (!status.ok()) return absl::UnavailableError(status.error_message());
      std::vector<Event> events;
      for (const v1::StreamedEvent& e : response.events()) {
        events.push_back({.stream = stream,
                          .sequence = e.sequence(),
                          .type = "parta.directory.v1.DirectoryEvent",
                          .payload = e.event().SerializeAsString()});
      }
      return events;
    };
  }
  redis::EventConsumer::Handler Handler() {
    return [this](const Event& event) {
      seen.emplace_back(event.stream, event.sequence);
      return absl::OkStatus();
    };
  }
};

void ExpectInOrderOnce(const std::vector<std::pair<std::string, int64_t>>& seen,
                       const std::string& stream, int64_t last) {
  std::vector<int64_t> sequences;
  for (const auto& [s, sequence] : seen) {
    if (s == stream) sequences.push_back(sequence);
  }
  std::vector<int64_t> expected;
  for (int64_t i = 1; i <= last; ++i) expected.push_back(i);
  CHECK(sequences == expected);
}

TEST_CASE("Events reach a late consumer through catch-up and survive a Redis restart",
          "[directory][integration]") {
  parta::testing::PrivateRedis redis;
  PARTA_DIRECTORY_FIXTURE(f, [&](DirectoryConfig& c) {
    c.redis_uri = redis.uri();
    c.outbox_poll_interval = absl::Hours(1);  // the test relays by hand
    c.revocation_cache_ttl = absl::Hours(1);
  });
  SchoolWorld w = f->BuildSchool();
  REQUIRE(f->app().RelayEvents().ok());
  std::string stream = SchoolStream(w.school_id);

  // A consumer that starts late: Redis still has the events, catch-up fills the rest.
  redis::Pool pool({.endpoint = *redis::Endpoint::Parse(redis.uri())});
  Consumer consumer{*f, f->ServiceToken(), {}};
  redis::EventConsumer reader(pool, f->config().events_key, consumer.CatchUp(), consumer.Handler());
  REQUIRE(reader.CatchUpStream(stream).ok());
  REQUIRE(reader.Poll(absl::Milliseconds(10)).ok());
  v1::ListEventsRequest all;
  all.set_school_id(w.school_id);
  v1::ListEventsResponse before;
  REQUIRE_RPC_OK(f->CallWithToken(&Stub::ListEvents, consumer.token, all, &before));
  ExpectInOrderOnce(consumer.seen, stream, before.events_size());

  // Redis dies (with everything it held); the directory keeps working and keeps its events.
  redis.Kill();
  std::string newcomer_class = f->CreateClass(w.school_id, w.admin, 6, "Б");
  CHECK_FALSE(f->app().RelayEvents().ok());
  CHECK_FALSE(reader.Poll(absl::Milliseconds(10)).ok());
  redis.Start();
  f->CreateClass(w.school_id, w.admin, 7, "В");
  REQUIRE(f->app().RelayEvents().ok());
  // The consumer reconnects, notices it was cut off, and catches up from the owner.
  for (int i = 0; i < 3; ++i) reader.Poll(absl::Milliseconds(10)).IgnoreError();
  v1::ListEventsResponse after;
  REQUIRE_RPC_OK(f->CallWithToken(&Stub::ListEvents, consumer.token, all, &after));
  CHECK(after.events_size() == before.events_size() + 2);
  ExpectInOrderOnce(consumer.seen, stream, after.events_size());
  CHECK_FALSE(newcomer_class.empty());
}

TEST_CASE("A removed teacher loses access at once, also while Redis is down",
          "[directory][integration]") {
  parta::testing::PrivateRedis redis;
  PARTA_DIRECTORY_FIXTURE(f, [&](DirectoryConfig& c) {
    c.redis_uri = redis.uri();
    c.revocation_cache_ttl = absl::Hours(1);  // sessions checked once, before Redis goes
  });
  SchoolWorld w = f->BuildSchool();
  std::string service = f->ServiceToken();
  auto teacher_may_moderate = [&] {
    v1::CheckSubjectPermissionRequest request;
    request.set_subject(w.teacher);
    request.set_permission("class.moderate");
    request.set_resource(absl::StrCat("schools/", w.school_id, "/classes/", w.class_id));
    v1::CheckSubjectPermissionResponse response;
    ::grpc::Status status =
        f->CallWithToken(&Stub::CheckSubjectPermission, service, request, &response);
    INFO(status.error_message());
    REQUIRE(status.ok());
    return response.allowed();
  };
  CHECK(teacher_may_moderate());
  CHECK(teacher_may_moderate());  // cached now
  // The admin's session is checked while Redis is up, so his token passes afterwards.
  v1::GetSchoolRequest get;
  get.set_school_id(w.school_id);
  v1::GetSchoolResponse school;
  REQUIRE_RPC_OK(f->Call(&Stub::GetSchool, w.admin, get, &school));
  std::string admin_token = f->Token(w.admin);

  redis.Kill();
  CHECK(teacher_may_moderate());  // from Postgres
  v1::RemoveMemberRoleRequest remove;
  remove.set_school_id(w.school_id);
  remove.set_user_id(w.teacher);
  remove.set_role(v1::ROLE_TEACHER);
  v1::RemoveMemberRoleResponse member;
  REQUIRE_RPC_OK(f->Call(&Stub::RemoveMemberRole, w.admin, remove, &member));
  CHECK_FALSE(teacher_may_moderate());
  redis.Start();
  CHECK_FALSE(teacher_may_moderate());
  CHECK_FALSE(teacher_may_moderate());
}

TEST_CASE("A cached answer is void once the school's generation moves",
          "[directory][integration]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  std::string student = absl::StrCat("schools/", w.school_id, "/members/", w.student);
  std::string stranger_class = f->CreateClass(w.school_id, w.admin, 8, "А");
  std::string stranger = f->Join(w.school_id, f->Token(w.admin), v1::ROLE_STUDENT, stranger_class);
  CHECK_FALSE(f->Allowed(stranger, "member.contact", student));
  CHECK_FALSE(f->Allowed(stranger, "member.contact", student));
  // Moved into the student's class, he is a classmate at once.
  v1::MoveStudentRequest move;
  move.set_school_id(w.school_id);
  move.set_student_id(stranger);
  move.set_to_class_id(w.class_id);
  v1::MoveStudentResponse roster;
  REQUIRE_RPC_OK(f->Call(&Stub::MoveStudent, w.admin, move, &roster));
  CHECK(f->Allowed(stranger, "member.contact", student));
}

}  // namespace
}  // namespace parta::directory
