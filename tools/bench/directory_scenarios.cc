// The directory's benchmark: CheckPermission over a uniform mix of 10,000 (subject, resource)
// pairs and a 30-student roster read, beside the bare gRPC echo in the same run.
//
// Set-up: the benchmark serves identity's GetSigningKeys itself (its own Ed25519 key) and
// signs the tokens; the directory is the real binary on a schema of its own with the shared
// Redis. The schools are made through the directory's own RPCs (invitations redeemed), not
// written into its tables.

#include <grpcpp/grpcpp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "libs/auth/token.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "parta/directory/v1/directory.grpc.pb.h"
#include "parta/testing/v1/echo.grpc.pb.h"
#include "services/directory/domain/validation.h"
#include "tools/bench/bench_keys.h"
#include "tools/bench/core/child.h"
#include "tools/bench/core/http_load.h"
#include "tools/bench/core/load.h"
#include "tools/bench/core/report.h"
#include "tools/bench/grpc_bench.h"

namespace parta::bench {
namespace {

namespace directory_v1 = parta::directory::v1;
using DirectoryStub = directory_v1::DirectoryService::Stub;

constexpr int kSchools = 4;
constexpr int kClassesPerSchool = 10;
constexpr int kStudentsPerClass = 30;
constexpr int kPairs = 10'000;

struct CacheCounters {
  double hits = 0, misses = 0, errors = 0;
  static CacheCounters Read(int port) {
    auto read = [port](const char* result) {
      return ReadCounter(
          port,
          absl::StrCat("parta_directory_permission_cache_lookups_total{result=\"", result, "\"}"));
    };
    return {read("hit"), read("miss"), read("error")};
  }
  double HitRatio(const CacheCounters& before) const {
    double lookups = (hits - before.hits) + (misses - before.misses) + (errors - before.errors);
    return lookups > 0 ? (hits - before.hits) / lookups : 0;
  }
};

std::unique_ptr<::grpc::ClientContext> Context(const std::string& token) {
  auto context = std::make_unique<::grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  context->AddMetadata("authorization", token);
  return context;
}

struct SeededSchool {
  std::string id;
  std::vector<std::string> classes;
  std::vector<std::string> teachers;  // class teacher of classes[i]
  std::vector<std::string> students;  // all of the school's
  std::vector<std::string> members;   // everyone
};

// Invites `user` with `role` and redeems the invitation.
absl::Status JoinOne(DirectoryStub& stub, const Signer& signer, const std::string& inviter_token,
                     const std::string& school, directory_v1::Role role, const std::string& user) {
  directory_v1::CreateInvitationRequest invite;
  invite.set_school_id(school);
  invite.set_role(role);
  directory_v1::CreateInvitationResponse invitation;
  RETURN_IF_ERROR(Check(stub.CreateInvitation(Context(inviter_token).get(), invite, &invitation),
                        "CreateInvitation"));
  directory_v1::RedeemInvitationRequest redeem;
  redeem.set_code(invitation.code());
  directory_v1::RedeemInvitationResponse redeemed;
  return Check(stub.RedeemInvitation(Context(signer.User(user)).get(), redeem, &redeemed),
               "RedeemInvitation");
}

absl::StatusOr<std::vector<SeededSchool>> Seed(DirectoryStub& stub, const Signer& signer) {
  std::vector<SeededSchool> schools;
  std::string operator_token = signer.User(NewUuidV7(absl::Now()), /*is_operator=*/true);
  for (int s = 0; s < kSchools; ++s) {
    SeededSchool school;
    directory_v1::CreateSchoolRequest create;
    directory_v1::School& fields = *create.mutable_school();
    fields.set_name(absl::StrCat("Школа № ", s + 1));
    fields.set_short_name(absl::StrCat("Школа № ", s + 1));
    fields.set_region_code("77");
    fields.set_time_zone("Europe/Moscow");
    int64_t salt = static_cast<int64_t>(RandomBytes(2)[0] & 0x7f) * 1000 + s;
    fields.set_inn(ValidNumber(7700000000LL + salt * 10, 10, &directory::ValidInn));
    fields.set_ogrn(ValidNumber(1027700000000LL + salt * 10, 13, &directory::ValidOgrn));
    directory_v1::CreateSchoolResponse created;
    RETURN_IF_ERROR(
        Check(stub.CreateSchool(Context(operator_token).get(), create, &created), "CreateSchool"));
    school.id = created.school().id();
    std::string admin = NewUuidV7(absl::Now());
    RETURN_IF_ERROR(
        JoinOne(stub, signer, operator_token, school.id, directory_v1::ROLE_ADMIN, admin));
    std::string admin_token = signer.User(admin);
    school.members.push_back(admin);
    for (int c = 0; c < kClassesPerSchool; ++c) {
      std::string teacher = NewUuidV7(absl::Now());
      RETURN_IF_ERROR(
          JoinOne(stub, signer, admin_token, school.id, directory_v1::ROLE_TEACHER, teacher));
      directory_v1::CreateClassRequest klass;
      klass.set_school_id(school.id);
      klass.mutable_class_()->set_grade(c + 1);
      klass.mutable_class_()->set_letter("А");
      klass.mutable_class_()->set_academic_year(2026);
      klass.mutable_class_()->set_class_teacher_id(teacher);
      directory_v1::CreateClassResponse created_class;
      RETURN_IF_ERROR(Check(stub.CreateClass(Context(admin_token).get(), klass, &created_class),
                            "CreateClass"));
      const directory_v1::Class& made = created_class.class_();
      directory_v1::CreateInvitationRequest invite;
      invite.set_school_id(school.id);
      invite.set_role(directory_v1::ROLE_STUDENT);
      invite.set_class_id(made.id());
      invite.set_max_uses(kStudentsPerClass);
      directory_v1::CreateInvitationResponse invitation;
      RETURN_IF_ERROR(
          Check(stub.CreateInvitation(Context(signer.User(teacher)).get(), invite, &invitation),
                "CreateInvitation"));
      for (int i = 0; i < kStudentsPerClass; ++i) {
        std::string student = NewUuidV7(absl::Now());
        directory_v1::RedeemInvitationRequest redeem;
        redeem.set_code(invitation.code());
        directory_v1::RedeemInvitationResponse redeemed;
        RETURN_IF_ERROR(
            Check(stub.RedeemInvitation(Context(signer.User(student)).get(), redeem, &redeemed),
                  "RedeemInvitation"));
        school.students.push_back(student);
        school.members.push_back(student);
      }
      school.classes.push_back(made.id());
      school.teachers.push_back(teacher);
      school.members.push_back(teacher);
    }
    schools.push_back(std::move(school));
  }
  return schools;
}

struct Pair {
  std::string subject, permission, resource;
};

// 10,000 distinct (subject, permission, resource) triples, uniform over the seeded people.
std::vector<Pair> MakePairs(const std::vector<SeededSchool>& schools) {
  std::mt19937_64 random(20261129);
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  std::vector<Pair> pairs;
  while (static_cast<int>(pairs.size()) < kPairs) {
    const SeededSchool& school = schools[random() % schools.size()];
    const std::string& subject = school.members[random() % school.members.size()];
    Pair pair{.subject = subject};
    switch (random() % 3) {
      case 0:
        pair.permission = "class.roster.read";
        pair.resource = absl::StrCat("schools/", school.id, "/classes/",
                                     school.classes[random() % school.classes.size()]);
        break;
      case 1:
        pair.permission = "member.contact";
        pair.resource = absl::StrCat("schools/", school.id, "/members/",
                                     school.students[random() % school.students.size()]);
        break;
      default:
        pair.permission = "class.students_chat";
        pair.resource = absl::StrCat("schools/", school.id, "/classes/",
                                     school.classes[random() % school.classes.size()]);
        break;
    }
    if (seen.insert({pair.subject, pair.permission, pair.resource}).second) {
      pairs.push_back(std::move(pair));
    }
  }
  return pairs;
}

absl::StatusOr<Child> StartDirectory(const Settings& settings, int keys_port, int metrics_port) {
  std::map<std::string, std::string> env = {
      {"PARTA_PG_URI", NewSchema(settings.pg_uri)},
      {"PARTA_REDIS_URI", settings.redis_uri},
      {"PARTA_IDENTITY_ADDR", absl::StrCat("127.0.0.1:", keys_port)},
      {"PARTA_GRPC_LISTEN", "127.0.0.1:0"},
      {"PARTA_METRICS_LISTEN", absl::StrCat("127.0.0.1:", metrics_port)},
      {"PARTA_LOG_LEVEL", "warning"}};
  pid_t pid = Spawn({settings.directory_binary, "migrate"}, ChildEnvironment(env));
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError("parta-directory migrate failed");
  }
  return Child::Start({settings.directory_binary}, env);
}

}  // namespace

int BenchDirectory(const Settings& settings) {
  Report report("Directory: CheckPermission and roster reads, 32 in flight");
  Signer signer;
  absl::StatusOr<std::unique_ptr<KeyServer>> keys = KeyServer::Start(signer);
  if (!keys.ok()) return Fail(keys.status());
  int keys_port = (*keys)->port();
  absl::StatusOr<Child> bare = Child::Start({settings.self, "serve-bare-echo"}, {});
  if (!bare.ok()) return Fail(bare.status());
  int metrics_port = FreePort();
  absl::StatusOr<Child> directory = StartDirectory(settings, keys_port, metrics_port);
  if (!directory.ok()) return Fail(directory.status());

  auto stub = std::shared_ptr<DirectoryStub>(
      directory_v1::DirectoryService::NewStub(Channel(directory->port())));
  absl::Time seed_start = absl::Now();
  absl::StatusOr<std::vector<SeededSchool>> schools = Seed(*stub, signer);
  if (!schools.ok()) return Fail(schools.status());
  std::printf("seeded %d schools, %d classes of %d students through the RPCs in %.1f s\n", kSchools,
              kSchools * kClassesPerSchool, kStudentsPerClass,
              absl::ToDoubleSeconds(absl::Now() - seed_start));
  std::vector<Pair> pairs = MakePairs(*schools);
  std::shuffle(pairs.begin(), pairs.end(), std::mt19937_64(7));

  std::string service_token = signer.Service();
  auto next = std::make_shared<std::atomic<size_t>>(0);
  AsyncOperation check_op([stub, next, &pairs, &service_token](Done done) {
    const Pair& pair = pairs[next->fetch_add(1) % pairs.size()];
    auto* call = new Call<directory_v1::CheckSubjectPermissionRequest,
                          directory_v1::CheckSubjectPermissionResponse>();
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    call->context.AddMetadata("authorization", service_token);
    call->request.set_subject(pair.subject);
    call->request.set_permission(pair.permission);
    call->request.set_resource(pair.resource);
    stub->async()->CheckSubjectPermission(&call->context, &call->request, &call->response,
                                          [call, done](::grpc::Status status) {
                                            done(status.ok());
                                            delete call;
                                          });
  });
  // Roster reads by each class's own class teacher (user tokens, verified once, then cached).
  struct RosterReader {
    std::string token, school, klass;
  };
  std::vector<RosterReader> readers;
  for (const SeededSchool& school : *schools) {
    for (size_t c = 0; c < school.classes.size(); ++c) {
      readers.push_back({signer.User(school.teachers[c]), school.id, school.classes[c]});
    }
  }
  auto roster_next = std::make_shared<std::atomic<size_t>>(0);
  AsyncOperation roster_op([stub, roster_next, &readers](Done done) {
    const RosterReader& reader = readers[roster_next->fetch_add(1) % readers.size()];
    auto* call =
        new Call<directory_v1::GetClassRosterRequest, directory_v1::GetClassRosterResponse>();
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    call->context.AddMetadata("authorization", reader.token);
    call->request.set_school_id(reader.school);
    call->request.set_class_id(reader.klass);
    stub->async()->GetClassRoster(
        &call->context, &call->request, &call->response, [call, done](::grpc::Status status) {
          done(status.ok() && call->response.roster().student_ids_size() == kStudentsPerClass);
          delete call;
        });
  });
  auto echo_stub = std::shared_ptr<parta::testing::v1::EchoService::Stub>(
      parta::testing::v1::EchoService::NewStub(Channel(bare->port())));
  std::string payload(64, 'x');
  AsyncOperation echo_op([echo_stub, &payload](Done done) {
    auto* call = new Call<parta::testing::v1::UserEchoRequest, parta::testing::v1::EchoResponse>();
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    call->request.set_payload(payload);
    echo_stub->async()->UserEcho(&call->context, &call->request, &call->response,
                                 [call, done](::grpc::Status status) {
                                   done(status.ok());
                                   delete call;
                                 });
  });

  // Warm up: connections, token caches, and every pair once (fills the permission cache).
  RunClosedLoop(echo_op, kInFlight, absl::Seconds(1));
  // Every pair is asked once before the measured runs (bounded to a minute).
  CacheCounters cold = CacheCounters::Read(metrics_port);
  absl::Time warm_start = absl::Now();
  int64_t warm_checks = 0;
  while (next->load() < pairs.size() && absl::Now() - warm_start < absl::Minutes(1)) {
    warm_checks += RunClosedLoop(check_op, kInFlight, absl::Seconds(1)).completed;
  }
  absl::Duration warm_time = absl::Now() - warm_start;
  CacheCounters warmed = CacheCounters::Read(metrics_port);
  RunClosedLoop(roster_op, kInFlight, absl::Seconds(1));

  Row echo_row, check_row, roster_row;
  std::vector<double> echo_runs, check_runs, roster_runs;
  std::vector<double> hit_ratios;
  double check_rate = 0, roster_rate = 0;
  for (int run = 0; run < settings.runs; ++run) {
    Measure("Directory", "bare gRPC callback echo", bare->pid(), echo_op, settings, 0, echo_runs,
            echo_row);
    CacheCounters before = CacheCounters::Read(metrics_port);
    Measure("Directory", "parta CheckSubjectPermission", directory->pid(), check_op, settings,
            check_rate, check_runs, check_row);
    hit_ratios.push_back(CacheCounters::Read(metrics_port).HitRatio(before));
    Measure("Directory", "parta GetClassRoster (30 students)", directory->pid(), roster_op,
            settings, roster_rate, roster_runs, roster_row);
    if (check_rate == 0) {
      // Latency is measured at half of the peak, from the second run on, as the other benchmarks.
      check_rate = check_runs.front() / 2;
      roster_rate = roster_runs.front() / 2;
      Measure("Directory", "parta CheckSubjectPermission", directory->pid(), check_op, settings,
              check_rate, check_runs, check_row);
      Measure("Directory", "parta GetClassRoster (30 students)", directory->pid(), roster_op,
              settings, roster_rate, roster_runs, roster_row);
      check_runs.erase(check_runs.begin());
      roster_runs.erase(roster_runs.begin());
      check_row.per_second = check_runs;
      roster_row.per_second = roster_runs;
    }
  }
  // Also at a fixed moderate load: a school's morning is hundreds of roster reads a second.
  LoadResult roster_at_1000 = RunOpenLoop(roster_op, 1000, settings.duration, 10'000);
  LoadResult checks_at_5000 = RunOpenLoop(check_op, 5000, settings.duration, 10'000);
  report.Add(echo_row);
  report.Add(check_row);
  report.Add(roster_row);
  report.AddRatio("CheckSubjectPermission / bare echo", "parta CheckSubjectPermission",
                  "bare gRPC callback echo", 0);
  std::sort(hit_ratios.begin(), hit_ratios.end());
  report.AddNote(absl::StrCat(
      "mix: ", kPairs, " distinct (subject, permission, resource) triples uniform over ", kSchools,
      " schools (", kSchools * (1 + kClassesPerSchool * (1 + kStudentsPerClass)),
      " members): class.roster.read, class.students_chat on classes, member.contact on "
      "students; a service token (CheckSubjectPermission), as messaging calls it"));
  report.AddNote(absl::StrFormat(
      "permission cache hit ratio during the measured runs: median %.3f; the warm-up pass asked "
      "every pair once: %d checks at %.0f/s, hit ratio %.3f (answers computed in Postgres)",
      hit_ratios[hit_ratios.size() / 2], static_cast<int>(warm_checks),
      static_cast<double>(warm_checks) / absl::ToDoubleSeconds(warm_time), warmed.HitRatio(cold)));
  report.AddNote(absl::StrCat("p50/p99 from an open loop at half of each system's first peak: ",
                              static_cast<int>(check_rate), " checks/s, ",
                              static_cast<int>(roster_rate), " roster reads/s"));
  report.AddNote(absl::StrFormat(
      "open loop at fixed rates: roster reads at 1,000/s p50 %.3f ms p99 %.3f ms (%d failed); "
      "checks at 5,000/s p50 %.3f ms p99 %.3f ms (%d failed)",
      Ms(roster_at_1000.latency.Percentile(0.5)), Ms(roster_at_1000.latency.Percentile(0.99)),
      static_cast<int>(roster_at_1000.failed + roster_at_1000.dropped),
      Ms(checks_at_5000.latency.Percentile(0.5)), Ms(checks_at_5000.latency.Percentile(0.99)),
      static_cast<int>(checks_at_5000.failed + checks_at_5000.dropped)));
  report.AddNote("bars: checks >= 20,000/s, p99 <= 2 ms at half rate; roster p99 <= 5 ms");
  report.Print();
  report.WriteJson(settings.results_dir + "/directory.json");
  return 0;
}

}  // namespace parta::bench
