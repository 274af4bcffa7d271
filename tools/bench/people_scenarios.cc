// People and their data: how long the export of a pupil's data takes to be built, and his
// erasure to reach every service, when he wrote 10,000 messages, beside Postgres reading or
// changing the same rows as bare statements in the same run; and
// how many password-recovery requests identity answers per second from one client address and
// from many, beside the bare gRPC echo of the same machine.
//
// Everything is real: identity, the directory, messaging and content as processes on their own
// schemas, an operator made with identity's command line, every service with its own API client.

#include <sys/wait.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "parta/content/v1/content.grpc.pb.h"
#include "parta/directory/v1/directory.grpc.pb.h"
#include "parta/identity/v1/identity.grpc.pb.h"
#include "parta/messaging/v1/messaging.grpc.pb.h"
#include "parta/testing/v1/echo.grpc.pb.h"
#include "services/directory/domain/validation.h"
#include "tools/bench/core/child.h"
#include "tools/bench/core/report.h"
#include "tools/bench/grpc_bench.h"
#include "tools/bench/scenarios.h"

namespace parta::bench {
namespace {

namespace directory_v1 = parta::directory::v1;
namespace identity_v1 = parta::identity::v1;
namespace messaging_v1 = parta::messaging::v1;
namespace content_v1 = parta::content::v1;

constexpr char kOperator[] = "operator@bench.parta.ru";
constexpr int kSenders = 8;
constexpr int kFiles = 20;

std::unique_ptr<::grpc::ClientContext> Context(const std::string& token,
                                               const std::string& forwarded_for = "") {
  auto context = std::make_unique<::grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Minutes(1)));
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  if (!forwarded_for.empty()) context->AddMetadata("x-forwarded-for", forwarded_for);
  return context;
}

absl::StatusOr<Child> StartService(const std::string& binary,
                                   std::map<std::string, std::string> env) {
  env["PARTA_METRICS_LISTEN"] = "off";
  env["PARTA_GRPC_LISTEN"] = "127.0.0.1:0";
  env["PARTA_LOG_LEVEL"] = "warning";
  RETURN_IF_ERROR(RunCommand({binary, "migrate"}, env));
  return Child::Start({binary}, env);
}

// One value of a query on a service's database.
absl::StatusOr<int64_t> Count(pqxx::connection& connection, const std::string& sql,
                              const std::string& argument) {
  try {
    pqxx::nontransaction tx(connection);
    return tx.exec_params1(sql, argument)[0].as<int64_t>();
  } catch (const std::exception& error) {
    return absl::InternalError(error.what());
  }
}

// The four services on schemas of their own, the operator, and a school he administers.
struct Platform {
  std::map<std::string, std::string> schemas;  // service → its schema's URI
  std::optional<Child> identity, directory, messaging, content;
  std::unique_ptr<identity_v1::IdentityService::Stub> identity_stub;
  std::unique_ptr<directory_v1::DirectoryService::Stub> directory_stub;
  std::unique_ptr<messaging_v1::MessagingService::Stub> messaging_stub;
  std::unique_ptr<content_v1::ContentService::Stub> content_stub;
  std::string operator_token;
  std::string school_id;
  std::string class_id;
  int people = 0;

  // A new account in the school's class as a pupil; his access token and id.
  absl::StatusOr<std::pair<std::string, std::string>> NewPupil() {
    const std::string email =
        absl::StrCat("pupil", ++people, "-", RandomCode(6), "@bench.parta.ru");
    identity_v1::RegisterRequest registration;
    registration.set_email(email);
    registration.set_password(kPassword);
    registration.set_display_name("Ученик");
    identity_v1::RegisterResponse registered;
    RETURN_IF_ERROR(Check(
        identity_stub->Register(Context("").get(), registration, &registered), "Register"));
    identity_v1::LoginRequest login;
    login.set_login(email);
    login.set_password(kPassword);
    identity_v1::LoginResponse logged_in;
    RETURN_IF_ERROR(Check(identity_stub->Login(Context("").get(), login, &logged_in), "Login"));
    const std::string token = logged_in.tokens().access_token();
    directory_v1::CreateInvitationRequest invite;
    invite.set_school_id(school_id);
    invite.set_role(directory_v1::ROLE_STUDENT);
    invite.set_class_id(class_id);
    directory_v1::CreateInvitationResponse invitation;
    RETURN_IF_ERROR(Check(
        directory_stub->CreateInvitation(Context(operator_token).get(), invite, &invitation),
        "CreateInvitation"));
    directory_v1::RedeemInvitationRequest redeem;
    redeem.set_code(invitation.code());
    directory_v1::RedeemInvitationResponse redeemed;
    RETURN_IF_ERROR(Check(directory_stub->RedeemInvitation(Context(token).get(), redeem, &redeemed),
                          "RedeemInvitation"));
    return std::make_pair(token, registered.account().id());
  }

  // The pupil's class chat, once messaging has made it from the directory's events.
  absl::StatusOr<std::string> ClassChatOf(const std::string& token) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      messaging_v1::ListChatsRequest request;
      messaging_v1::ListChatsResponse chats;
      RETURN_IF_ERROR(
          Check(messaging_stub->ListChats(Context(token).get(), request, &chats), "ListChats"));
      for (const messaging_v1::Chat& chat : chats.chats()) {
        if (chat.kind() == messaging_v1::CHAT_KIND_CLASS_STUDENTS) return chat.id();
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return absl::DeadlineExceededError("the class chat was not made within 30 s");
  }

  // `count` messages by the pupil into `chat_id`, from kSenders threads.
  absl::Status Write(const std::string& token, const std::string& chat_id, int count) {
    std::atomic<int> next{0};
    std::atomic<bool> failed{false};
    std::vector<std::thread> senders;
    for (int t = 0; t < kSenders; ++t) {
      senders.emplace_back([&] {
        for (int i = next++; i < count && !failed; i = next++) {
          messaging_v1::SendMessageRequest send;
          send.set_chat_id(chat_id);
          send.set_request_id(absl::StrCat("bench-", i));
          send.mutable_text()->set_body(
              absl::StrCat("Сообщение № ", i, ": домашнее задание по алгебре, упражнение ", i));
          messaging_v1::SendMessageResponse sent;
          if (!messaging_stub->SendMessage(Context(token).get(), send, &sent).ok()) failed = true;
        }
      });
    }
    for (std::thread& sender : senders) sender.join();
    return failed ? absl::InternalError("a send failed") : absl::OkStatus();
  }

  absl::Status Upload(const std::string& token, int count) {
    for (int i = 0; i < count; ++i) {
      content_v1::CreateArticleRequest create;
      create.set_request_id(absl::StrCat("article-", i));
      create.mutable_item()->set_title(absl::StrCat("Доклад № ", i));
      create.mutable_item()->set_article_html("<p>Доклад о Петре I</p>");
      content_v1::CreateArticleResponse created;
      RETURN_IF_ERROR(Check(content_stub->CreateArticle(Context(token).get(), create, &created),
                            "CreateArticle"));
    }
    return absl::OkStatus();
  }
};

absl::StatusOr<std::unique_ptr<Platform>> StartPlatform(const Settings& settings,
                                                        const std::string& content_dir) {
  auto platform = std::make_unique<Platform>();
  Platform& p = *platform;
  const std::string suffix = NewUuidV7(absl::Now());
  const std::string identity_events = "parta:events:identity:bench:" + suffix;
  const std::string directory_events = "parta:events:directory:bench:" + suffix;
  for (const char* service : {"identity", "directory", "messaging", "content"}) {
    p.schemas[service] = NewSchema(settings.pg_uri);
  }
  std::map<std::string, std::string> identity_env = {
      {"PARTA_PG_URI", p.schemas["identity"]},
      {"PARTA_REDIS_URI", settings.redis_uri},
      {"PARTA_IDENTITY_MASTER_KEY_FILE", WriteMasterKey()},
      {"PARTA_ARGON2_ITERATIONS", "1"},
      {"PARTA_ARGON2_MEMORY_KIB", "64"},
      {"PARTA_IDENTITY_EVENTS_KEY", identity_events},
      // Final at once: what is measured is the erasure's way through the services.
      {"PARTA_IDENTITY_ERASURE_GRACE", "0s"},
      {"PARTA_IDENTITY_ERASURE_POLL_INTERVAL", "20ms"},
      {"PARTA_OUTBOX_POLL_INTERVAL", "20ms"},
      // The recovery benchmark says where each request comes from.
      {"PARTA_TRUSTED_PROXIES", "127.0.0.1"},
      {"PARTA_IDENTITY_RESET_ADDRESS_BURST", "30"},
      {"PARTA_SMS_PROVIDER", "file"},
      {"PARTA_SMS_FILE", content_dir + "/sms.jsonl"},
      {"PARTA_IDENTITY_MESSAGE_POLL_INTERVAL", "1h"}};
  ASSIGN_OR_RETURN(Child identity, StartService(settings.identity_binary, identity_env));
  p.identity_stub = identity_v1::IdentityService::NewStub(Channel(identity.port()));
  const std::string identity_address = absl::StrCat("127.0.0.1:", identity.port());
  p.identity.emplace(std::move(identity));

  identity_v1::RegisterRequest registration;
  registration.set_email(kOperator);
  registration.set_password(kPassword);
  registration.set_display_name("Оператор");
  identity_v1::RegisterResponse registered;
  RETURN_IF_ERROR(
      Check(p.identity_stub->Register(Context("").get(), registration, &registered), "Register"));
  RETURN_IF_ERROR(
      RunCommand({settings.identity_binary, "create-operator", kOperator}, identity_env));
  identity_v1::LoginRequest login;
  login.set_login(kOperator);
  login.set_password(kPassword);
  identity_v1::LoginResponse logged_in;
  RETURN_IF_ERROR(Check(p.identity_stub->Login(Context("").get(), login, &logged_in), "Login"));
  p.operator_token = logged_in.tokens().access_token();
  // Each service's own client, with the scopes it is granted in production.
  auto client_of = [&](const std::string& service) -> absl::StatusOr<std::pair<std::string,
                                                                             std::string>> {
    std::map<std::string, std::string> env = identity_env;
    env["PARTA_LOG_LEVEL"] = "warning";
    std::string out_file = content_dir + "/" + service + ".client";
    pid_t pid = Spawn({"/bin/sh", "-c",
                       absl::StrCat("'", settings.identity_binary, "' create-service-client ",
                                    service, " | tail -n 1 > '", out_file, "'")},
                      ChildEnvironment(env));
    int status = 0;
    waitpid(pid, &status, 0);
    std::ifstream in(out_file);
    std::string id, secret;
    if (!(in >> id >> secret)) {
      return absl::InternalError("create-service-client " + service + " printed nothing");
    }
    return std::make_pair(id, secret);
  };
  ASSIGN_OR_RETURN(auto directory_client, client_of("directory"));
  ASSIGN_OR_RETURN(auto messaging_client, client_of("messaging"));
  ASSIGN_OR_RETURN(auto content_client, client_of("content"));

  ASSIGN_OR_RETURN(Child directory,
                   StartService(settings.directory_binary,
                                {{"PARTA_PG_URI", p.schemas["directory"]},
                                 {"PARTA_REDIS_URI", settings.redis_uri},
                                 {"PARTA_IDENTITY_ADDR", identity_address},
                                 {"PARTA_DIRECTORY_CLIENT_ID", directory_client.first},
                                 {"PARTA_DIRECTORY_CLIENT_SECRET", directory_client.second},
                                 {"PARTA_DIRECTORY_EVENTS_KEY", directory_events},
                                 {"PARTA_IDENTITY_EVENTS_KEY", identity_events},
                                 {"PARTA_OUTBOX_POLL_INTERVAL", "20ms"}}));
  p.directory_stub = directory_v1::DirectoryService::NewStub(Channel(directory.port()));
  const std::string directory_address = absl::StrCat("127.0.0.1:", directory.port());
  p.directory.emplace(std::move(directory));
  ASSIGN_OR_RETURN(Child messaging,
                   StartService(settings.messaging_binary,
                                {{"PARTA_PG_URI", p.schemas["messaging"]},
                                 {"PARTA_REDIS_URI", settings.redis_uri},
                                 {"PARTA_IDENTITY_ADDR", identity_address},
                                 {"PARTA_DIRECTORY_ADDR", directory_address},
                                 {"PARTA_MESSAGING_CLIENT_ID", messaging_client.first},
                                 {"PARTA_MESSAGING_CLIENT_SECRET", messaging_client.second},
                                 {"PARTA_DIRECTORY_EVENTS_KEY", directory_events},
                                 {"PARTA_IDENTITY_EVENTS_KEY", identity_events}}));
  p.messaging_stub = messaging_v1::MessagingService::NewStub(Channel(messaging.port()));
  const std::string messaging_address = absl::StrCat("127.0.0.1:", messaging.port());
  p.messaging.emplace(std::move(messaging));
  const std::string key_file = content_dir + "/signing.key";
  std::ofstream(key_file) << "bench-signing-key-" << suffix;
  ASSIGN_OR_RETURN(Child content,
                   StartService(settings.content_binary,
                                {{"PARTA_PG_URI", p.schemas["content"]},
                                 {"PARTA_REDIS_URI", settings.redis_uri},
                                 {"PARTA_IDENTITY_ADDR", identity_address},
                                 {"PARTA_DIRECTORY_ADDR", directory_address},
                                 {"PARTA_MESSAGING_ADDR", messaging_address},
                                 {"PARTA_CONTENT_CLIENT_ID", content_client.first},
                                 {"PARTA_CONTENT_CLIENT_SECRET", content_client.second},
                                 {"PARTA_IDENTITY_EVENTS_KEY", identity_events},
                                 {"PARTA_CONTENT_STORE_DIR", content_dir},
                                 {"PARTA_CONTENT_SIGNING_KEY_FILE", key_file},
                                 {"PARTA_CONTENT_SCANNING", "false"},
                                 {"PARTA_CONTENT_PREVIEWS", "false"}}));
  p.content_stub = content_v1::ContentService::NewStub(Channel(content.port()));
  p.content.emplace(std::move(content));

  // The school, its class, and the operator as its admin.
  directory_v1::CreateSchoolRequest create;
  directory_v1::School& fields = *create.mutable_school();
  fields.set_name("Школа № 1");
  fields.set_short_name("Школа № 1");
  fields.set_region_code("77");
  fields.set_time_zone("Europe/Moscow");
  const int64_t salt = static_cast<int64_t>(RandomBytes(2)[0] & 0x7f) * 1000;
  fields.set_inn(ValidNumber(7700000000LL + salt * 10, 10, &directory::ValidInn));
  fields.set_ogrn(ValidNumber(1027700000000LL + salt * 10, 13, &directory::ValidOgrn));
  directory_v1::CreateSchoolResponse school;
  RETURN_IF_ERROR(Check(
      p.directory_stub->CreateSchool(Context(p.operator_token).get(), create, &school),
      "CreateSchool"));
  p.school_id = school.school().id();
  directory_v1::CreateInvitationRequest invite;
  invite.set_school_id(p.school_id);
  invite.set_role(directory_v1::ROLE_ADMIN);
  directory_v1::CreateInvitationResponse invitation;
  RETURN_IF_ERROR(Check(
      p.directory_stub->CreateInvitation(Context(p.operator_token).get(), invite, &invitation),
      "Invite"));
  directory_v1::RedeemInvitationRequest redeem;
  redeem.set_code(invitation.code());
  directory_v1::RedeemInvitationResponse redeemed;
  RETURN_IF_ERROR(Check(
      p.directory_stub->RedeemInvitation(Context(p.operator_token).get(), redeem, &redeemed),
      "Redeem"));
  directory_v1::CreateClassRequest klass;
  klass.set_school_id(p.school_id);
  klass.mutable_class_()->set_grade(6);
  klass.mutable_class_()->set_letter("В");
  klass.mutable_class_()->set_academic_year(2026);
  directory_v1::CreateClassResponse made;
  RETURN_IF_ERROR(Check(
      p.directory_stub->CreateClass(Context(p.operator_token).get(), klass, &made), "Class"));
  p.class_id = made.class_().id();
  return platform;
}

// The reference: the same rows changed by bare statements, one transaction per service's
// database, with nothing numbered, logged or published.
absl::StatusOr<absl::Duration> BareErasure(const Platform& p, const std::string& account_id) {
  const absl::Time start = absl::Now();
  try {
    {
      pqxx::connection connection(p.schemas.at("messaging"));
      pqxx::work tx(connection);
      tx.exec_params(
          "UPDATE messages SET content = NULL, body = NULL, deleted_at = now(), deleted_by = $1 "
          "WHERE author_id = $1 AND deleted_at IS NULL",
          account_id);
      tx.exec_params("UPDATE chat_members SET active = false WHERE user_id = $1", account_id);
      tx.commit();
    }
    {
      pqxx::connection connection(p.schemas.at("directory"));
      pqxx::work tx(connection);
      tx.exec_params("DELETE FROM class_students WHERE user_id = $1", account_id);
      tx.exec_params("DELETE FROM memberships WHERE user_id = $1", account_id);
      tx.commit();
    }
    {
      pqxx::connection connection(p.schemas.at("content"));
      pqxx::work tx(connection);
      tx.exec_params("DELETE FROM items WHERE owner_user_id = $1", account_id);
      tx.commit();
    }
    {
      pqxx::connection connection(p.schemas.at("identity"));
      pqxx::work tx(connection);
      tx.exec_params("DELETE FROM sessions WHERE account_id = $1", account_id);
      tx.exec_params(
          "UPDATE accounts SET state = 'deleted', email = NULL, password_hash = '', "
          "display_name = 'Удалённый пользователь' WHERE id = $1",
          account_id);
      tx.commit();
    }
  } catch (const std::exception& error) {
    return absl::InternalError(error.what());
  }
  return absl::Now() - start;
}

// The reference of an export: the same rows read as JSON by bare statements, one query per kind
// on each service's database, with nothing checked, paged, packed or stored.
absl::StatusOr<absl::Duration> BareExport(const Platform& p, const std::string& account_id) {
  const std::map<std::string, std::vector<std::string>> reads = {
      {"identity",
       {"SELECT row_to_json(a)::text FROM accounts a WHERE id = $1",
        "SELECT coalesce(json_agg(s), '[]')::text FROM sessions s WHERE account_id = $1"}},
      {"directory",
       {"SELECT coalesce(json_agg(m), '[]')::text FROM memberships m WHERE user_id = $1",
        "SELECT coalesce(json_agg(c), '[]')::text FROM class_students c WHERE user_id = $1"}},
      {"messaging",
       {"SELECT coalesce(json_agg(c), '[]')::text FROM chat_members c WHERE user_id = $1",
        "SELECT coalesce(json_agg(json_build_object('id', id, 'chat', chat_id, 'body', body, "
        "'at', created_at) ORDER BY created_at, id), '[]')::text FROM messages "
        "WHERE author_id = $1 AND deleted_at IS NULL"}},
      {"content",
       {"SELECT coalesce(json_agg(i), '[]')::text FROM items i WHERE owner_user_id = $1"}}};
  const absl::Time start = absl::Now();
  int64_t bytes = 0;
  try {
    for (const auto& [service, queries] : reads) {
      pqxx::connection connection(p.schemas.at(service));
      pqxx::work tx(connection);
      for (const std::string& sql : queries) {
        const pqxx::result rows = tx.exec_params(sql, account_id);
        if (!rows.empty() && !rows[0][0].is_null()) bytes += rows[0][0].size();
      }
      tx.commit();
    }
  } catch (const std::exception& error) {
    return absl::InternalError(error.what());
  }
  if (bytes == 0) return absl::InternalError("the bare export read nothing");
  return absl::Now() - start;
}

// Asks for the pupil's own export and waits until it is built: the time it took.
absl::StatusOr<absl::Duration> PartaExport(Platform& p, const std::string& token) {
  content_v1::RequestDataExportRequest request;
  content_v1::RequestDataExportResponse asked;
  const absl::Time start = absl::Now();
  RETURN_IF_ERROR(Check(p.content_stub->RequestDataExport(Context(token).get(), request, &asked),
                        "RequestDataExport"));
  const absl::Time deadline = start + absl::Minutes(5);
  while (absl::Now() < deadline) {
    content_v1::GetDataExportRequest get;
    get.set_export_id(asked.export_().id());
    content_v1::GetDataExportResponse got;
    RETURN_IF_ERROR(
        Check(p.content_stub->GetDataExport(Context(token).get(), get, &got), "GetDataExport"));
    if (got.export_().state() == content_v1::DATA_EXPORT_STATE_READY) return absl::Now() - start;
    if (got.export_().state() != content_v1::DATA_EXPORT_STATE_PENDING) {
      return absl::InternalError("the export failed: " + got.export_().failure());
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  return absl::DeadlineExceededError("the export was not built within 5 minutes");
}

}  // namespace

int BenchPeople(const Settings& settings) {
  const int messages = settings.quick ? 1000 : 10'000;
  Report report(absl::StrCat("People's data: a pupil's export and erasure with ", messages,
                             " messages; password-recovery requests"));
  const std::string dir = absl::StrCat("/tmp/parta-bench-people-", NewUuidV7(absl::Now()));
  std::filesystem::create_directories(dir);
  absl::StatusOr<std::unique_ptr<Platform>> started = StartPlatform(settings, dir);
  if (!started.ok()) return Fail(started.status());
  Platform& p = **started;

  Row parta{.scenario = absl::StrCat("erasure of a pupil with ", messages, " messages"),
            .system = "parta, until every service is done"};
  Row bare{.scenario = parta.scenario, .system = "bare SQL, the same rows"};
  Row parta_export{.scenario = absl::StrCat("export of a pupil with ", messages, " messages"),
                   .system = "parta, asked until built"};
  Row bare_export{.scenario = parta_export.scenario, .system = "bare SQL reads of the same rows"};
  std::map<std::string, std::vector<double>> per_service;
  for (int run = 0; run < settings.runs; ++run) {
    // Two pupils alike: one erased through Parta, one by the bare statements.
    std::vector<std::pair<std::string, std::string>> pupils;
    for (int i = 0; i < 2; ++i) {
      absl::StatusOr<std::pair<std::string, std::string>> pupil = p.NewPupil();
      if (!pupil.ok()) return Fail(pupil.status());
      absl::StatusOr<std::string> chat = p.ClassChatOf(pupil->first);
      if (!chat.ok()) return Fail(chat.status());
      if (absl::Status wrote = p.Write(pupil->first, *chat, messages); !wrote.ok()) {
        return Fail(wrote);
      }
      if (absl::Status uploaded = p.Upload(pupil->first, kFiles); !uploaded.ok()) {
        return Fail(uploaded);
      }
      pupils.push_back(*pupil);
    }
    // His export first: every service's part and his files, packed and stored.
    absl::StatusOr<absl::Duration> exported = PartaExport(p, pupils[0].first);
    if (!exported.ok()) return Fail(exported.status());
    parta_export.per_second.push_back(1 / absl::ToDoubleSeconds(*exported));
    parta_export.note = absl::StrCat("last run ", absl::FormatDuration(*exported));
    absl::StatusOr<absl::Duration> read = BareExport(p, pupils[1].second);
    if (!read.ok()) return Fail(read.status());
    bare_export.per_second.push_back(1 / absl::ToDoubleSeconds(*read));
    bare_export.note = absl::StrCat("last run ", absl::FormatDuration(*read));

    const std::string& erased = pupils[0].second;
    // What is left of him in each service's database.
    const std::map<std::string, std::string> checks = {
        {"identity", "SELECT count(*) FROM accounts WHERE id = $1 AND state <> 'deleted'"},
        {"directory", "SELECT count(*) FROM memberships WHERE user_id = $1"},
        {"messaging",
         "SELECT (SELECT count(*) FROM messages WHERE author_id = $1 AND deleted_at IS NULL) + "
         "(SELECT count(*) FROM chat_members WHERE user_id = $1 AND active)"},
        {"content", "SELECT count(*) FROM items WHERE owner_user_id = $1"}};
    // Every service watched at once: each one's time is when it was first seen done.
    std::map<std::string, std::unique_ptr<pqxx::connection>> watchers;
    for (const auto& [name, sql] : checks) {
      watchers[name] = std::make_unique<pqxx::connection>(p.schemas[name]);
    }
    identity_v1::RequestAccountErasureRequest request;
    request.set_account_id(erased);
    request.set_reason("Заявление родителя");
    identity_v1::RequestAccountErasureResponse closed;
    const absl::Time start = absl::Now();
    if (absl::Status asked = Check(p.identity_stub->RequestAccountErasure(
                                       Context(p.operator_token).get(), request, &closed),
                                   "RequestAccountErasure");
        !asked.ok()) {
      return Fail(asked);
    }
    std::map<std::string, absl::Duration> done_after;
    const absl::Time deadline = start + absl::Minutes(5);
    while (done_after.size() < checks.size()) {
      if (absl::Now() > deadline) {
        return Fail(absl::DeadlineExceededError("the erasure did not finish within 5 minutes"));
      }
      for (const auto& [name, sql] : checks) {
        if (done_after.count(name)) continue;
        absl::StatusOr<int64_t> left = Count(*watchers[name], sql, erased);
        if (!left.ok()) return Fail(left.status());
        if (*left == 0) done_after[name] = absl::Now() - start;
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    absl::Duration all = absl::ZeroDuration();
    for (const auto& [name, took] : done_after) {
      per_service[name].push_back(Ms(took));
      all = std::max(all, took);
    }
    parta.per_second.push_back(1 / absl::ToDoubleSeconds(all));
    parta.note = absl::StrCat("last run ", absl::FormatDuration(all));
    absl::StatusOr<absl::Duration> reference = BareErasure(p, pupils[1].second);
    if (!reference.ok()) return Fail(reference.status());
    bare.per_second.push_back(1 / absl::ToDoubleSeconds(*reference));
    bare.note = absl::StrCat("last run ", absl::FormatDuration(*reference));
  }
  report.Add(std::move(parta_export));
  report.Add(std::move(bare_export));
  report.AddRatio("exports per second vs bare SQL reads", "parta, asked until built",
                  "bare SQL reads of the same rows", 0);
  report.Add(std::move(parta));
  report.Add(std::move(bare));
  report.AddRatio("erasures per second vs bare SQL", "parta, until every service is done",
                  "bare SQL, the same rows", 0);
  for (const auto& [service, ms] : per_service) {
    report.AddNote(absl::StrCat(service, " done after ", Report::Median(ms), " ms (median)"));
  }

  // Password recovery: every request from one client address (its bucket of 30 empties, then
  // each is refused with ADDRESS_THROTTLED: an answer too), and each from an address and login
  // of its own (each counted in a transaction, as a real request is), beside the bare echo.
  absl::StatusOr<Child> echo = Child::Start({settings.self, "serve-bare-echo"}, {});
  if (!echo.ok()) return Fail(echo.status());
  auto identity = std::shared_ptr<identity_v1::IdentityService::Stub>(
      identity_v1::IdentityService::NewStub(Channel(p.identity->port())));
  auto recovery = [identity](bool one_address) {
    auto next = std::make_shared<std::atomic<int64_t>>(0);
    return AsyncOperation([identity, next, one_address](Done done) {
      using ResetCall = Call<identity_v1::RequestPasswordResetRequest,
                             identity_v1::RequestPasswordResetResponse>;
      auto* call = new ResetCall();
      const int64_t n = next->fetch_add(1);
      call->context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
      call->context.AddMetadata(
          "x-forwarded-for",
          one_address ? "10.1.0.1"
                      : absl::StrCat("10.", (n >> 16) & 0xff, ".", (n >> 8) & 0xff, ".", n & 0xff));
      // Phone logins: the development SMS provider is what this identity sends with.
      call->request.set_login(absl::StrCat("+7916", 1'000'000 + n % 9'000'000));
      identity->async()->RequestPasswordReset(
          &call->context, &call->request, &call->response, [call, done](::grpc::Status status) {
            // A refusal for the address is the answer asked for, not a failure.
            done(status.ok() || status.error_code() == ::grpc::StatusCode::RESOURCE_EXHAUSTED);
            delete call;
          });
    });
  };
  auto echo_stub = std::shared_ptr<parta::testing::v1::EchoService::Stub>(
      parta::testing::v1::EchoService::NewStub(Channel(echo->port())));
  AsyncOperation echo_op([echo_stub](Done done) {
    using EchoCall = Call<parta::testing::v1::UserEchoRequest, parta::testing::v1::EchoResponse>;
    auto* call = new EchoCall();
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    call->request.set_payload("+79161234567");
    echo_stub->async()->UserEcho(&call->context, &call->request, &call->response,
                                 [call, done](::grpc::Status status) {
                                   done(status.ok());
                                   delete call;
                                 });
  });
  const std::vector<std::tuple<std::string, pid_t, AsyncOperation>> systems = {
      {"parta RequestPasswordReset, one address", p.identity->pid(), recovery(true)},
      {"parta RequestPasswordReset, many addresses", p.identity->pid(), recovery(false)},
      {"bare gRPC callback echo", echo->pid(), echo_op}};
  for (const auto& [system, pid, operation] : systems) {
    // Latency at half of what the system itself peaks at.
    const double rate = RunClosedLoop(operation, kInFlight, absl::Seconds(1)).PerSecond() / 2;
    Row row;
    std::vector<double> runs;
    for (int run = 0; run < settings.runs; ++run) {
      Measure("password-recovery requests", system, pid, operation, settings, rate, runs, row);
    }
    report.Add(std::move(row));
  }
  report.AddRatio("recovery requests from many addresses vs the bare echo",
                  "parta RequestPasswordReset, many addresses", "bare gRPC callback echo", 0);
  report.AddRatio("from one address vs many", "parta RequestPasswordReset, one address",
                  "parta RequestPasswordReset, many addresses", 0);

  report.Print();
  report.WriteJson(settings.results_dir + "/people.json");
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace parta::bench
