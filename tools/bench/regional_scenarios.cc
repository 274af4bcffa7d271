// The regional door's benchmark: a region's roster sync of 2,000 pupils into a school (the first,
// which makes every class, account and membership, and a second identical one, which changes
// nothing), beside the school's own CSV import of the same 2,000 pupils in the same run.
//
// Everything is real: identity (school-managed accounts), the directory, an operator made with
// identity's command line, the e-journal an API client with the `directory.roster.sync` scope
// and the directory an API client with its own scopes, both registered by the operator.

#include <sys/wait.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "parta/directory/v1/directory.grpc.pb.h"
#include "parta/identity/v1/identity.grpc.pb.h"
#include "services/directory/domain/validation.h"
#include "tools/bench/core/child.h"
#include "tools/bench/core/report.h"
#include "tools/bench/grpc_bench.h"
#include "tools/bench/scenarios.h"

namespace parta::bench {
namespace {

namespace directory_v1 = parta::directory::v1;
namespace identity_v1 = parta::identity::v1;

constexpr int kPupils = 2000;
constexpr int kPerClass = 30;
constexpr char kOperator[] = "operator@bench.parta.ru";

std::unique_ptr<::grpc::ClientContext> Context(const std::string& token) {
  auto context = std::make_unique<::grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Minutes(5)));
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  return context;
}

// The `n`th pupil: a class of 30 (grades 1–11, letters from А), a name and a birth date that no
// other pupil of the roster shares.
struct Pupil {
  std::string class_name, last, first, birth_date;
};

Pupil PupilNumber(int n) {
  static const char* kLast[] = {"Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев",
                                "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров"};
  static const char* kFirst[] = {"Пётр", "Иван", "Олег", "Илья", "Артём",
                                 "Кирилл", "Матвей", "Лев", "Марк", "Тимофей"};
  static const char* kLetters[] = {"А", "Б", "В", "Г", "Д", "Е", "Ж"};
  const int class_index = n / kPerClass;
  const int grade = 1 + class_index % 11;
  const absl::CivilDay born = absl::CivilDay(2008, 1, 1) + n;  // one day each: unique
  return {.class_name = absl::StrCat(grade, kLetters[class_index / 11]),
          .last = kLast[n % 10],
          .first = kFirst[(n / 10) % 10],
          .birth_date = absl::FormatCivilTime(born)};
}

directory_v1::SyncRosterRequest SyncRequest(const std::string& school_id) {
  directory_v1::SyncRosterRequest request;
  request.set_school_id(school_id);
  request.set_academic_year(2026);
  std::set<std::string> classes;
  for (int n = 0; n < kPupils; ++n) {
    Pupil pupil = PupilNumber(n);
    if (classes.insert(pupil.class_name).second) {
      directory_v1::SyncedClass& synced = *request.add_classes();
      synced.set_external_id(absl::StrCat("class-", n / kPerClass));
      synced.set_name(pupil.class_name);
    }
    directory_v1::SyncedPerson& person = *request.add_people();
    person.set_external_id(absl::StrCat("pupil-", n));
    person.set_role(directory_v1::ROLE_STUDENT);
    person.set_last_name(pupil.last);
    person.set_first_name(pupil.first);
    person.set_birth_date(pupil.birth_date);
    person.set_class_external_id(absl::StrCat("class-", n / kPerClass));
  }
  return request;
}

std::string ImportCsv() {
  std::string csv = "класс;фамилия;имя;отчество;дата рождения;роль\n";
  for (int n = 0; n < kPupils; ++n) {
    Pupil pupil = PupilNumber(n);
    absl::StrAppend(&csv, pupil.class_name, ";", pupil.last, ";", pupil.first, ";;",
                    pupil.birth_date, ";ученик\n");
  }
  return csv;
}

// The set-up: identity and the directory, the operator, the journal's token, and for the
// import the school's admin (the operator, who invites himself as admin of each school).
struct Region {
  std::optional<Child> identity;
  std::optional<Child> directory;
  std::unique_ptr<directory_v1::DirectoryService::Stub> stub;
  std::string operator_token;
  std::string journal_token;
  int schools = 0;

  // A new school; for imports the operator becomes its admin.
  absl::StatusOr<std::string> NewSchool(bool operator_is_admin) {
    directory_v1::CreateSchoolRequest create;
    directory_v1::School& fields = *create.mutable_school();
    ++schools;
    fields.set_name(absl::StrCat("Школа № ", schools));
    fields.set_short_name(absl::StrCat("Школа № ", schools));
    fields.set_region_code("77");
    fields.set_time_zone("Europe/Moscow");
    int64_t salt = static_cast<int64_t>(RandomBytes(2)[0] & 0x7f) * 1000 + schools;
    fields.set_inn(ValidNumber(7700000000LL + salt * 10, 10, &directory::ValidInn));
    fields.set_ogrn(ValidNumber(1027700000000LL + salt * 10, 13, &directory::ValidOgrn));
    directory_v1::CreateSchoolResponse created;
    RETURN_IF_ERROR(Check(stub->CreateSchool(Context(operator_token).get(), create, &created),
                          "CreateSchool"));
    const std::string id = created.school().id();
    if (!operator_is_admin) return id;
    directory_v1::CreateInvitationRequest invite;
    invite.set_school_id(id);
    invite.set_role(directory_v1::ROLE_ADMIN);
    directory_v1::CreateInvitationResponse invitation;
    RETURN_IF_ERROR(Check(
        stub->CreateInvitation(Context(operator_token).get(), invite, &invitation), "Invite"));
    directory_v1::RedeemInvitationRequest redeem;
    redeem.set_code(invitation.code());
    directory_v1::RedeemInvitationResponse redeemed;
    RETURN_IF_ERROR(Check(stub->RedeemInvitation(Context(operator_token).get(), redeem, &redeemed),
                          "Redeem"));
    // The classes a school makes by hand before it imports a file.
    std::set<std::string> made;
    for (int n = 0; n < kPupils; ++n) {
      Pupil pupil = PupilNumber(n);
      if (!made.insert(pupil.class_name).second) continue;
      directory_v1::CreateClassRequest klass;
      klass.set_school_id(id);
      const int grade = 1 + ((n / kPerClass) % 11);
      klass.mutable_class_()->set_grade(grade);
      klass.mutable_class_()->set_letter(pupil.class_name.substr(grade >= 10 ? 2 : 1));
      klass.mutable_class_()->set_academic_year(2026);
      directory_v1::CreateClassResponse created_class;
      RETURN_IF_ERROR(Check(
          stub->CreateClass(Context(operator_token).get(), klass, &created_class), "Class"));
    }
    return id;
  }
};

absl::StatusOr<Region> StartRegion(const Settings& settings) {
  Region region;
  std::map<std::string, std::string> identity_env = {
      {"PARTA_PG_URI", NewSchema(settings.pg_uri)},
      {"PARTA_REDIS_URI", settings.redis_uri},
      {"PARTA_IDENTITY_MASTER_KEY_FILE", WriteMasterKey()},
      {"PARTA_METRICS_LISTEN", "off"},
      {"PARTA_GRPC_LISTEN", "127.0.0.1:0"},
      {"PARTA_LOG_LEVEL", "warning"},
      {"PARTA_ARGON2_ITERATIONS", "1"},
      {"PARTA_ARGON2_MEMORY_KIB", "64"},
      {"PARTA_IDENTITY_EVENTS_KEY", "parta:events:identity:bench:" + NewUuidV7(absl::Now())}};
  RETURN_IF_ERROR(RunCommand({settings.identity_binary, "migrate"}, identity_env));
  ASSIGN_OR_RETURN(Child identity, Child::Start({settings.identity_binary}, identity_env));
  auto identity_stub = identity_v1::IdentityService::NewStub(Channel(identity.port()));
  region.identity.emplace(std::move(identity));

  // The operator: registered, then made an operator by identity's command line, then signed in.
  identity_v1::RegisterRequest registration;
  registration.set_email(kOperator);
  registration.set_password(kPassword);
  registration.set_display_name("Оператор");
  identity_v1::RegisterResponse registered;
  RETURN_IF_ERROR(
      Check(identity_stub->Register(Context("").get(), registration, &registered), "Register"));
  RETURN_IF_ERROR(
      RunCommand({settings.identity_binary, "create-operator", kOperator}, identity_env));
  identity_v1::LoginRequest login;
  login.set_login(kOperator);
  login.set_password(kPassword);
  identity_v1::LoginResponse logged_in;
  RETURN_IF_ERROR(Check(identity_stub->Login(Context("").get(), login, &logged_in), "Login"));
  region.operator_token = logged_in.tokens().access_token();

  auto register_client = [&](const std::string& name, const std::vector<std::string>& scopes)
      -> absl::StatusOr<identity_v1::CreateApiClientResponse> {
    identity_v1::CreateApiClientRequest create;
    create.set_display_name(name);
    for (const std::string& scope : scopes) create.add_scopes(scope);
    identity_v1::CreateApiClientResponse client;
    RETURN_IF_ERROR(Check(
        identity_stub->CreateApiClient(Context(region.operator_token).get(), create, &client),
        "CreateApiClient"));
    return client;
  };
  ASSIGN_OR_RETURN(identity_v1::CreateApiClientResponse directory_client,
                   register_client("Parta directory", {"identity.accounts.read",
                                                       "identity.accounts.manage",
                                                       "identity.esia_children.read"}));
  ASSIGN_OR_RETURN(identity_v1::CreateApiClientResponse journal,
                   register_client("Электронный журнал", {"directory.roster.sync"}));
  identity_v1::IssueServiceTokenRequest grant;
  grant.set_client_id(journal.client_id());
  grant.set_client_secret(journal.client_secret());
  identity_v1::IssueServiceTokenResponse token;
  RETURN_IF_ERROR(
      Check(identity_stub->IssueServiceToken(Context("").get(), grant, &token), "Token"));
  region.journal_token = token.access_token();

  std::map<std::string, std::string> directory_env = {
      {"PARTA_PG_URI", NewSchema(settings.pg_uri)},
      {"PARTA_REDIS_URI", settings.redis_uri},
      {"PARTA_IDENTITY_ADDR", absl::StrCat("127.0.0.1:", region.identity->port())},
      {"PARTA_DIRECTORY_CLIENT_ID", directory_client.client_id()},
      {"PARTA_DIRECTORY_CLIENT_SECRET", directory_client.client_secret()},
      {"PARTA_DIRECTORY_EVENTS_KEY", "parta:events:directory:bench:" + NewUuidV7(absl::Now())},
      {"PARTA_METRICS_LISTEN", "off"},
      {"PARTA_GRPC_LISTEN", "127.0.0.1:0"},
      {"PARTA_LOG_LEVEL", "warning"}};
  RETURN_IF_ERROR(RunCommand({settings.directory_binary, "migrate"}, directory_env));
  ASSIGN_OR_RETURN(Child directory, Child::Start({settings.directory_binary}, directory_env));
  region.stub = directory_v1::DirectoryService::NewStub(Channel(directory.port()));
  region.directory.emplace(std::move(directory));
  return region;
}

}  // namespace

int BenchRegional(const Settings& settings) {
  Report report(absl::StrCat("Regional roster sync: ", kPupils, " pupils in one school"));
  absl::StatusOr<Region> started = StartRegion(settings);
  if (!started.ok()) return Fail(started.status());
  Region& region = *started;
  const std::string csv = ImportCsv();
  Row sync_first{.scenario = "roster of 2,000 pupils, first time", .system = "parta SyncRoster"};
  Row sync_again{.scenario = "roster of 2,000 pupils, again", .system = "parta SyncRoster again"};
  Row import_first{.scenario = "roster of 2,000 pupils, first time",
                   .system = "ImportRoster (CSV)"};
  Row import_again{.scenario = "roster of 2,000 pupils, again",
                   .system = "ImportRoster (CSV) again"};
  // Alternated, each run into fresh schools: pupils per second of the whole call.
  for (int run = 0; run < settings.runs; ++run) {
    absl::StatusOr<std::string> synced_school = region.NewSchool(false);
    if (!synced_school.ok()) return Fail(synced_school.status());
    directory_v1::SyncRosterRequest request = SyncRequest(*synced_school);
    for (Row* row : {&sync_first, &sync_again}) {
      directory_v1::SyncRosterResponse response;
      absl::Time start = absl::Now();
      absl::Status status = Check(
          region.stub->SyncRoster(Context(region.journal_token).get(), request, &response),
          "SyncRoster");
      absl::Duration took = absl::Now() - start;
      if (!status.ok()) return Fail(status);
      const bool first = row == &sync_first;
      const int expected = request.classes_size() + kPupils;
      if ((first && response.created() != expected) ||
          (!first && response.unchanged() != expected) || response.rejected() != 0) {
        std::string first_rejection;
        for (const directory_v1::SyncResult& result : response.results()) {
          if (!result.reason().empty()) {
            first_rejection = absl::StrCat(result.external_id(), ": ", result.reason(), " ",
                                           result.message());
            break;
          }
        }
        return Fail(absl::InternalError(absl::StrCat(
            "the sync did not do what it should: created ", response.created(), ", unchanged ",
            response.unchanged(), ", rejected ", response.rejected(), "; ", first_rejection)));
      }
      row->per_second.push_back(kPupils / absl::ToDoubleSeconds(took));
      row->note = absl::StrCat("last run ", absl::FormatDuration(took));
    }
    absl::StatusOr<std::string> imported_school = region.NewSchool(true);
    if (!imported_school.ok()) return Fail(imported_school.status());
    directory_v1::ImportRosterRequest import;
    import.set_school_id(*imported_school);
    import.set_academic_year(2026);
    import.set_csv(csv);
    for (Row* row : {&import_first, &import_again}) {
      directory_v1::ImportRosterResponse response;
      absl::Time start = absl::Now();
      absl::Status status = Check(
          region.stub->ImportRoster(Context(region.operator_token).get(), import, &response),
          "ImportRoster");
      absl::Duration took = absl::Now() - start;
      if (!status.ok()) return Fail(status);
      if (response.people_size() != kPupils || response.rejected_size() != 0) {
        return Fail(absl::InternalError(absl::StrCat("the import took ", response.people_size(),
                                                     " pupils and refused ",
                                                     response.rejected_size())));
      }
      row->per_second.push_back(kPupils / absl::ToDoubleSeconds(took));
      row->note = absl::StrCat("last run ", absl::FormatDuration(took));
    }
  }
  for (Row* row : {&sync_first, &sync_again, &import_first, &import_again}) {
    report.Add(std::move(*row));
  }
  report.AddRatio("first sync vs the file import", "parta SyncRoster", "ImportRoster (CSV)", 0);
  report.AddRatio("identical sync vs identical import", "parta SyncRoster again",
                  "ImportRoster (CSV) again", 0);
  report.AddNote("pupils/s of one whole call (accounts from identity, memberships, events); "
                 "the second sync of each run changes nothing and writes no event");
  report.Print();
  report.WriteJson(settings.results_dir + "/regional.json");
  return 0;
}

}  // namespace parta::bench
