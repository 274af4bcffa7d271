#include "tools/bench/calls_cluster.h"

#include <grpcpp/grpcpp.h>
#include <sys/wait.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "parta/directory/v1/directory.grpc.pb.h"
#include "parta/messaging/v1/messaging.grpc.pb.h"
#include "services/directory/domain/validation.h"
#include "tools/bench/grpc_bench.h"
#include "tools/bench/roster_seed.h"

namespace parta::bench {
namespace {

namespace dir = parta::directory::v1;
namespace msg = parta::messaging::v1;

std::unique_ptr<::grpc::ClientContext> Context(const std::string& authorization) {
  auto context = std::make_unique<::grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  context->AddMetadata("authorization", authorization);
  return context;
}

absl::StatusOr<std::unique_ptr<Child>> StartServer(const std::string& binary,
                                                   const std::map<std::string, std::string>& env,
                                                   const std::string& port_file_variable) {
  ASSIGN_OR_RETURN(Child child, Child::Start({binary}, env, port_file_variable));
  return std::make_unique<Child>(std::move(child));
}

// Runs `binary migrate`, then starts it with `env`.
absl::StatusOr<std::unique_ptr<Child>> MigrateAndStart(
    const std::string& binary, const std::map<std::string, std::string>& env) {
  pid_t pid = Spawn({binary, "migrate"}, ChildEnvironment(env));
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat(binary, " migrate failed"));
  }
  return StartServer(binary, env, "PARTA_GRPC_PORT_FILE");
}

}  // namespace

absl::StatusOr<std::unique_ptr<CallsCluster>> CallsCluster::Start(
    const Settings& settings, absl::Duration heartbeat_interval) {
  std::unique_ptr<CallsCluster> cluster(new CallsCluster());
  ASSIGN_OR_RETURN(cluster->keys_, KeyServer::Start(cluster->signer_));
  ASSIGN_OR_RETURN(cluster->janus_, JanusProcess::Start());
  ASSIGN_OR_RETURN(redis::Endpoint endpoint, redis::Endpoint::Parse(settings.redis_uri));
  cluster->redis_ =
      std::make_unique<redis::Pool>(redis::Pool::Options{.endpoint = endpoint, .size = 1});
  const std::string run = NewUuidV7(absl::Now());
  cluster->events_key_ = "parta:events:directory:bench-" + run;
  const std::string identity = absl::StrCat("127.0.0.1:", cluster->keys_->port());
  // Every service asks the key server for its service token: any client id and secret do.
  auto common = [&](const std::string& service) {
    std::map<std::string, std::string> env = {
        {"PARTA_PG_URI", NewSchema(settings.pg_uri)},
        {"PARTA_REDIS_URI", settings.redis_uri},
        {"PARTA_IDENTITY_ADDR", identity},
        {"PARTA_DIRECTORY_EVENTS_KEY", cluster->events_key_},
        {"PARTA_GRPC_LISTEN", "127.0.0.1:0"},
        {"PARTA_METRICS_LISTEN", ""},
        {"PARTA_TRUSTED_PROXIES", "127.0.0.1"},
        {"PARTA_LOG_LEVEL", "warning"}};
    env["PARTA_" + service + "_CLIENT_ID"] = "bench-" + service;
    env["PARTA_" + service + "_CLIENT_SECRET"] = "bench";
    return env;
  };
  ASSIGN_OR_RETURN(cluster->directory_,
                   MigrateAndStart(settings.directory_binary, common("DIRECTORY")));
  const std::string directory = absl::StrCat("127.0.0.1:", cluster->directory_->port());
  std::map<std::string, std::string> messaging_env = common("MESSAGING");
  messaging_env["PARTA_DIRECTORY_ADDR"] = directory;
  ASSIGN_OR_RETURN(cluster->messaging_,
                   MigrateAndStart(settings.messaging_binary, messaging_env));
  const std::string messaging = absl::StrCat("127.0.0.1:", cluster->messaging_->port());

  const JanusProcess& janus = *cluster->janus_;
  std::map<std::string, std::string> signaling_env = common("SIGNALING");
  signaling_env["PARTA_MESSAGING_ADDR"] = messaging;
  signaling_env["PARTA_DIRECTORY_ADDR"] = directory;
  signaling_env["PARTA_SIGNALING_HEARTBEAT_INTERVAL"] =
      absl::StrCat(absl::ToInt64Seconds(heartbeat_interval), "s");
  signaling_env["PARTA_SIGNALING_HEARTBEATS_KEY"] = "parta:calls:heartbeats:bench-" + run;
  signaling_env["PARTA_SIGNALING_JANUS_URLS"] = janus.api_url();
  signaling_env["PARTA_SIGNALING_JANUS_ADMIN_URLS"] = janus.admin_url();
  signaling_env["PARTA_SIGNALING_JANUS_API_SECRET_FILE"] =
      janus.SecretFile("api-secret", janus.api_secret());
  signaling_env["PARTA_SIGNALING_JANUS_ADMIN_SECRET_FILE"] =
      janus.SecretFile("admin-secret", janus.admin_secret());
  signaling_env["PARTA_SIGNALING_JANUS_ADMIN_KEY_FILE"] =
      janus.SecretFile("admin-key", janus.admin_key());
  ASSIGN_OR_RETURN(cluster->signaling_,
                   MigrateAndStart(settings.signaling_binary, signaling_env));

  ASSIGN_OR_RETURN(
      cluster->gateway_,
      StartServer(settings.gateway_binary,
                   {{"PARTA_IDENTITY_ADDR", identity},
                    {"PARTA_DIRECTORY_ADDR", directory},
                    {"PARTA_MESSAGING_ADDR", messaging},
                    {"PARTA_SIGNALING_ADDR",
                     absl::StrCat("127.0.0.1:", cluster->signaling_->port())},
                    {"PARTA_SUBSCRIPTION_BACKENDS", "messaging"},
                    {"PARTA_SIGNAL_BACKEND", "messaging"},
                    {"PARTA_REDIS_URI", settings.redis_uri},
                    {"PARTA_HTTP_LISTEN", "127.0.0.1:0"},
                    {"PARTA_METRICS_LISTEN", ""},
                    {"PARTA_ACCESS_LOG", "false"},
                    {"PARTA_RATE_LIMITS_ENABLED", "false"},
                    {"PARTA_LOG_LEVEL", "warning"}},
                   "PARTA_HTTP_PORT_FILE"));
  return cluster;
}

CallsCluster::~CallsCluster() = default;

std::vector<pid_t> CallsCluster::service_pids() const {
  return {gateway_->pid(), signaling_->pid(), messaging_->pid(), directory_->pid()};
}

absl::StatusOr<std::vector<ClassChat>> CallsCluster::SeedClasses(int classes, int pupils) {
  ASSIGN_OR_RETURN(SeededSchool school,
                   SeedSchool(*redis_, events_key_,
                              {.classes = classes, .students_per_class = pupils,
                               .class_teachers = true}));
  auto stub = msg::MessagingService::NewStub(Channel(messaging_->port()));
  std::vector<ClassChat> chats;
  const absl::Time deadline = absl::Now() + absl::Minutes(2);
  for (int c = 0; c < classes; ++c) {
    ClassChat chat{.teacher = school.class_teachers[c], .pupils = school.class_students[c]};
    // Events are applied in order: once the class's last pupil is in, everyone is.
    while (chat.chat_id.empty()) {
      msg::ListChatsResponse listed;
      const ::grpc::Status status = stub->ListChats(Context(signer_.User(chat.pupils.back())).get(),
                                                    msg::ListChatsRequest(), &listed);
      for (const msg::Chat& found : listed.chats()) {
        if (status.ok() && found.kind() == msg::CHAT_KIND_CLASS_STUDENTS) chat.chat_id = found.id();
      }
      if (!chat.chat_id.empty()) break;
      if (absl::Now() > deadline) {
        return absl::DeadlineExceededError("messaging did not make the class chats in time");
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    chats.push_back(std::move(chat));
  }
  return chats;
}

absl::StatusOr<DirectPair> CallsCluster::SeedDirectPair() {
  auto directory = dir::DirectoryService::NewStub(Channel(directory_->port()));
  const std::string operator_token = signer_.User(NewUuidV7(absl::Now()), /*is_operator=*/true);
  dir::CreateSchoolRequest create;
  dir::School& fields = *create.mutable_school();
  fields.set_name("Школа звонков");
  fields.set_short_name("Школа звонков");
  fields.set_region_code("77");
  fields.set_time_zone("Europe/Moscow");
  const int64_t salt = static_cast<int64_t>(RandomBytes(2)[0]) * 1000 + 999;
  fields.set_inn(ValidNumber(7700000000LL + salt * 10, 10, &directory::ValidInn));
  fields.set_ogrn(ValidNumber(1027700000000LL + salt * 10, 13, &directory::ValidOgrn));
  dir::CreateSchoolResponse created;
  RETURN_IF_ERROR(Check(directory->CreateSchool(Context(operator_token).get(), create, &created),
                        "CreateSchool"));
  const std::string school = created.school().id();
  // Invites `user` with `role` in the name of `inviter`, and redeems the invitation.
  auto join = [&](const std::string& inviter, dir::Role role,
                  const std::string& user) -> absl::Status {
    dir::CreateInvitationRequest invite;
    invite.set_school_id(school);
    invite.set_role(role);
    dir::CreateInvitationResponse invitation;
    RETURN_IF_ERROR(Check(directory->CreateInvitation(Context(inviter).get(), invite, &invitation),
                          "CreateInvitation"));
    dir::RedeemInvitationRequest redeem;
    redeem.set_code(invitation.code());
    dir::RedeemInvitationResponse redeemed;
    return Check(directory->RedeemInvitation(Context(signer_.User(user)).get(), redeem, &redeemed),
                 "RedeemInvitation");
  };
  DirectPair pair{.caller = NewUuidV7(absl::Now()), .callee = NewUuidV7(absl::Now())};
  RETURN_IF_ERROR(join(operator_token, dir::ROLE_ADMIN, pair.caller));
  RETURN_IF_ERROR(join(signer_.User(pair.caller), dir::ROLE_TEACHER, pair.callee));

  // Messaging opens the chat once it has the two as members of the school (from the events).
  auto messaging = msg::MessagingService::NewStub(Channel(messaging_->port()));
  const absl::Time deadline = absl::Now() + absl::Minutes(1);
  while (true) {
    msg::OpenDirectChatRequest open;
    open.set_school_id(school);
    open.set_user_id(pair.callee);
    msg::OpenDirectChatResponse opened;
    const ::grpc::Status status =
        messaging->OpenDirectChat(Context(signer_.User(pair.caller)).get(), open, &opened);
    if (status.ok()) {
      pair.chat_id = opened.chat().id();
      return pair;
    }
    if (absl::Now() > deadline) return Check(status, "OpenDirectChat");
    absl::SleepFor(absl::Milliseconds(100));
  }
}

}  // namespace parta::bench
