#include "services/signaling/signaling_app.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "libs/grpc/client.h"
#include "libs/identity_client/service_token.h"
#include "libs/pg/migrations.h"
#include "libs/service_host/service_host.h"
#include "services/signaling/api/signaling_grpc.h"
#include "services/signaling/calls/call_store.h"
#include "services/signaling/calls/live_state.h"
#include "services/signaling/chats/call_chats.h"

#ifndef PARTA_SIGNALING_MIGRATIONS_DIR
#error "the build defines PARTA_SIGNALING_MIGRATIONS_DIR"
#endif

namespace parta::signaling {
namespace {

std::vector<std::string> List(Config& env, absl::string_view name) {
  return absl::StrSplit(env.String(name, ""), ',', absl::SkipWhitespace());
}

// A secret kept in a file (one line; surrounding white space ignored).
absl::StatusOr<std::string> SecretFromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError("cannot read the secret file " + path);
  std::stringstream text;
  text << in.rdbuf();
  std::string secret(absl::StripAsciiWhitespace(text.str()));
  if (secret.empty()) return absl::InvalidArgumentError("the secret file " + path + " is empty");
  return secret;
}

}  // namespace

absl::StatusOr<SignalingConfig> SignalingConfigFromEnvironment(Config& env) {
  SignalingConfig config;
  const absl::Status common =
      grpc::ReadServiceSettings(env, DefaultMigrationsDir(), 4, config);
  config.messaging_address = env.RequiredString("PARTA_MESSAGING_ADDR");
  config.directory_address = env.RequiredString("PARTA_DIRECTORY_ADDR");
  config.identity_client_id = env.String("PARTA_SIGNALING_CLIENT_ID", "");
  config.identity_client_secret = env.String("PARTA_SIGNALING_CLIENT_SECRET", "");
  config.calls.heartbeat_interval =
      env.Duration("PARTA_SIGNALING_HEARTBEAT_INTERVAL", config.calls.heartbeat_interval);
  config.heartbeats_key = env.String("PARTA_SIGNALING_HEARTBEATS_KEY", config.heartbeats_key);
  config.calls.sfu_capacity = static_cast<int>(
      env.Int("PARTA_SIGNALING_SFU_CAPACITY", config.calls.sfu_capacity, 3, 1000));
  config.ice.stun_urls = List(env, "PARTA_SIGNALING_STUN_URLS");
  config.ice.turn_urls = List(env, "PARTA_SIGNALING_TURN_URLS");
  config.ice.ttl = env.Duration("PARTA_SIGNALING_TURN_TTL", config.ice.ttl);
  const std::string turn_secret_file = env.String("PARTA_SIGNALING_TURN_SECRET_FILE", "");
  const std::vector<std::string> janus_urls = List(env, "PARTA_SIGNALING_JANUS_URLS");
  const std::vector<std::string> janus_admin_urls = List(env, "PARTA_SIGNALING_JANUS_ADMIN_URLS");
  const std::string janus_api_secret_file = env.String("PARTA_SIGNALING_JANUS_API_SECRET_FILE", "");
  const std::string janus_admin_secret_file =
      env.String("PARTA_SIGNALING_JANUS_ADMIN_SECRET_FILE", "");
  const std::string janus_admin_key_file = env.String("PARTA_SIGNALING_JANUS_ADMIN_KEY_FILE", "");
  RETURN_IF_ERROR(env.Validate());
  RETURN_IF_ERROR(common);
  if (!turn_secret_file.empty()) {
    ASSIGN_OR_RETURN(config.ice.turn_secret, SecretFromFile(turn_secret_file));
  }
  if (!config.ice.turn_urls.empty() && config.ice.turn_secret.empty()) {
    return absl::InvalidArgumentError(
        "invalid configuration: PARTA_SIGNALING_TURN_URLS needs PARTA_SIGNALING_TURN_SECRET_FILE");
  }
  if (janus_urls.size() != janus_admin_urls.size()) {
    return absl::InvalidArgumentError(
        "invalid configuration: PARTA_SIGNALING_JANUS_ADMIN_URLS needs one admin URL for each of "
        "PARTA_SIGNALING_JANUS_URLS, in the same order");
  }
  if (!janus_urls.empty()) {
    if (janus_api_secret_file.empty() || janus_admin_secret_file.empty() ||
        janus_admin_key_file.empty()) {
      return absl::InvalidArgumentError(
          "invalid configuration: PARTA_SIGNALING_JANUS_URLS needs "
          "PARTA_SIGNALING_JANUS_API_SECRET_FILE, PARTA_SIGNALING_JANUS_ADMIN_SECRET_FILE and "
          "PARTA_SIGNALING_JANUS_ADMIN_KEY_FILE");
    }
    for (size_t i = 0; i < janus_urls.size(); ++i) {
      config.janus.servers.push_back({.api_url = janus_urls[i], .admin_url = janus_admin_urls[i]});
    }
    ASSIGN_OR_RETURN(config.janus.api_secret, SecretFromFile(janus_api_secret_file));
    ASSIGN_OR_RETURN(config.janus.admin_secret, SecretFromFile(janus_admin_secret_file));
    ASSIGN_OR_RETURN(config.janus.admin_key, SecretFromFile(janus_admin_key_file));
  }
  return config;
}

struct SignalingApp::Parts {
  std::unique_ptr<auth::KeySource> keys;  // given by tests; otherwise the host asks identity
  std::unique_ptr<ServiceHost> host;      // before the service's parts: destroyed after them
  std::unique_ptr<identity_client::ServiceTokenSource> service_tokens;
  std::unique_ptr<CallStore> store;
  std::unique_ptr<LiveState> live;
  std::unique_ptr<CallChats> chats;
  std::unique_ptr<CallPeople> people;
  std::unique_ptr<IceServers> ice;
  std::unique_ptr<Calls> calls;
  // After the calls: destroyed (its events drained into them) while they still exist.
  std::unique_ptr<JanusMedia> media;
  std::unique_ptr<SignalingGrpcService> service;
  PeriodicTask* notices_task = nullptr;
};

std::string DefaultMigrationsDir() { return PARTA_SIGNALING_MIGRATIONS_DIR; }

absl::Status MigrateSignaling(const std::string& pg_uri, const std::string& migrations_dir) {
  return pg::MigrateDatabase(pg_uri, migrations_dir);
}

absl::StatusOr<std::unique_ptr<SignalingApp>> SignalingApp::Start(
    const SignalingConfig& config, const Clock& clock, std::unique_ptr<auth::KeySource> keys,
    TokenSource service_tokens) {
  auto parts = std::make_unique<Parts>();
  Parts* p = parts.get();
  parts->keys = std::move(keys);
  ASSIGN_OR_RETURN(parts->host,
                   ServiceHost::Start(config, clock,
                                      {.name = "signaling",
                                       .services = {"parta.signaling.v1.SignalingService"}}));
  ServiceHost& host = *parts->host;
  if (!service_tokens) {
    if (!config.identity_client_id.empty()) {
      parts->service_tokens = std::make_unique<identity_client::ServiceTokenSource>(
          host.identity_channel(), config.identity_client_id, config.identity_client_secret,
          clock);
      identity_client::ServiceTokenSource* source = parts->service_tokens.get();
      service_tokens = [source] { return source->Token(); };
    } else {
      service_tokens = []() -> absl::StatusOr<std::string> {
        return Unavailable("IDENTITY_CLIENT_NOT_CONFIGURED",
                           "PARTA_SIGNALING_CLIENT_ID is not set: signaling cannot post the "
                           "calls' notices in their chats");
      };
    }
  }
  parts->store = std::make_unique<CallStore>(host.pool());
  parts->live =
      std::make_unique<LiveState>(host.redis(), config.heartbeats_key, clock, host.ids());
  parts->chats =
      std::make_unique<CallChats>(grpc::MakeChannel(config.messaging_address), service_tokens);
  parts->people = std::make_unique<CallPeople>(grpc::MakeChannel(config.directory_address),
                                               host.identity_channel(), service_tokens);
  parts->ice = std::make_unique<IceServers>(config.ice, clock);
  if (config.janus.enabled()) {
    JanusSettings janus = config.janus;
    janus.publishers = config.calls.sfu_capacity;
    // The media server's news goes to the calls, which exist before Start() below.
    JanusMediaCallbacks callbacks{
        .on_publishing =
            [p](const std::string& call_id, const std::string& user_id, bool publishing) {
              p->calls->MediaChanged(call_id, user_id, publishing);
            },
        .on_server_lost = [p](const std::string& server) { p->calls->MediaServerLost(server); }};
    ASSIGN_OR_RETURN(parts->media,
                     JanusMedia::Create(std::move(janus), host.redis(), std::move(callbacks)));
  }
  parts->calls = std::make_unique<Calls>(
      *parts->store, *parts->live, *parts->chats, *parts->people, *parts->ice,
      parts->media.get(), clock,
      host.ids(), config.calls, [p] {
        if (p->notices_task) p->notices_task->Wake();
      });
  if (parts->media) {
    parts->media->Start();
    JanusMedia* media = parts->media.get();
    host.OnShutdown([media] { media->Stop(); });
  }

  host.CheckTokens(parts->keys.get(), nullptr, host.TokenOptions());
  parts->service = std::make_unique<SignalingGrpcService>(*parts->calls, host.runtime());

  Calls* calls = parts->calls.get();
  host.Every("vanished-participants", config.sweep_interval, [calls] {
    if (absl::StatusOr<int> dropped = calls->DropVanished(); !dropped.ok()) {
      log::Warning("vanished participants not dropped").With("error", dropped.status().ToString());
    }
  });
  parts->notices_task = &host.Every("call-notices", absl::Seconds(5), [calls] {
    if (absl::StatusOr<int> left = calls->PostNotices(); !left.ok()) {
      log::Warning("call notices not posted").With("error", left.status().ToString());
    }
  });

  // A failed start stops the background tasks before the parts they use are destroyed.
  if (absl::Status served = host.Serve({parts->service.get()}); !served.ok()) {
    host.Shutdown(absl::ZeroDuration());
    return served;
  }
  return std::unique_ptr<SignalingApp>(new SignalingApp(std::move(parts)));
}

SignalingApp::SignalingApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

SignalingApp::~SignalingApp() { Shutdown(absl::ZeroDuration()); }

int SignalingApp::grpc_port() const { return parts_->host->grpc_port(); }

void SignalingApp::Shutdown(absl::Duration grace) { parts_->host->Shutdown(grace); }

}  // namespace parta::signaling
