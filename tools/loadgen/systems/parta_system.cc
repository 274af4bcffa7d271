#include "tools/loadgen/systems/parta_system.h"

#include <sys/wait.h>

#include <future>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "parta/messaging/v1/messaging.grpc.pb.h"
#include "tools/bench/grpc_bench.h"
#include "tools/loadgen/wire/websocket.h"

namespace parta::loadgen {
namespace {

namespace msg = parta::messaging::v1;

constexpr int kPostConnections = 128;
constexpr int kHistoryPage = 1000;

std::unique_ptr<::grpc::ClientContext> Context(const std::string& authorization) {
  auto context = std::make_unique<::grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  context->AddMetadata("authorization", authorization);
  return context;
}

// The integer after `key` (a proto3 JSON int64, quoted) from `from` on; -1 when absent.
int64_t JsonInt64After(absl::string_view json, absl::string_view key, size_t& from) {
  const size_t at = json.find(key, from);
  if (at == absl::string_view::npos) return -1;
  const size_t begin = at + key.size();
  const size_t end = json.find('"', begin);
  int64_t value = -1;
  if (end == absl::string_view::npos ||
      !absl::SimpleAtoi(json.substr(begin, end - begin), &value)) {
    return -1;
  }
  from = end;
  return value;
}

constexpr absl::string_view kStreamKey = "\"stream\":\"chat/";
constexpr absl::string_view kSequenceKey = "\"sequence\":\"";

// One receiver's socket: the upgrade, then `ready` and the events of his chat.
class PartaSocket final : public Session {
 public:
  PartaSocket(int receiver, const std::string& chat, Deliveries& deliveries, Readiness& readiness)
      : receiver_(receiver), chat_(chat), deliveries_(deliveries), readiness_(readiness) {}

  void Received(std::string& in, std::string& out) override {
    if (!upgraded_) {
      bool accepted = false;
      const size_t size = ParseUpgradeAnswer(in, accepted);
      if (size == 0) return;
      if (!accepted) return Refuse(in);
      in.erase(0, size);
      upgraded_ = true;
    }
    size_t at = 0;
    ServerFrame frame;
    int64_t size = 0;
    while ((size = ParseServerFrame(absl::string_view(in).substr(at), frame)) > 0) {
      at += static_cast<size_t>(size);
      switch (frame.opcode) {
        case Opcode::kPing:
          out += ClientFrame(Opcode::kPong, frame.payload);
          break;
        case Opcode::kText:
        case Opcode::kContinuation:
          message_.append(frame.payload.data(), frame.payload.size());
          if (frame.fin) {
            OnMessage(message_);
            message_.clear();
          }
          break;
        default:
          break;
      }
    }
    if (size < 0) return Refuse(in);
    in.erase(0, at);
  }

  void Closed() override { Refuse(); }

 private:
  void Refuse(std::string& in) {
    in.clear();
    Refuse();
  }
  void Refuse() {
    if (!ready_seen_) readiness_.refused.fetch_add(1);
    ready_seen_ = true;  // counted once
  }

  void OnMessage(absl::string_view text) {
    if (!absl::StartsWith(text, "{\"type\":\"event\"")) {
      // Other frames are small JSON objects whose keys come in any order.
      if (absl::StrContains(text, "\"type\":\"ready\"") && !ready_seen_) {
        readiness_.ready.fetch_add(1);
        ready_seen_ = true;
      }
      return;
    }
    const size_t stream = text.find(kStreamKey);
    if (stream == absl::string_view::npos ||
        text.substr(stream + kStreamKey.size(), chat_.size()) != chat_) {
      return;  // another of his chats
    }
    size_t from = stream;
    const int64_t sequence = JsonInt64After(text, kSequenceKey, from);
    const size_t body = text.find("\"body\":\"", from);
    PayloadFields fields;
    if (sequence < 0 || body == absl::string_view::npos ||
        !ParsePayload(text.substr(body + 8), fields)) {
      return;  // a change that is not a post of the run
    }
    deliveries_.Received(receiver_, sequence, fields.scheduled_ns, fields.sender,
                         absl::GetCurrentTimeNanos());
  }

  const int receiver_;
  const std::string& chat_;
  Deliveries& deliveries_;
  Readiness& readiness_;
  bool upgraded_ = false;
  bool ready_seen_ = false;
  std::string message_;
};

std::string RawToken(const std::string& authorization) {
  return authorization.substr(std::string("Bearer ").size());
}

}  // namespace

absl::StatusOr<std::unique_ptr<PartaCluster>> PartaCluster::Start(const Environment& environment) {
  std::unique_ptr<PartaCluster> cluster(new PartaCluster());
  ASSIGN_OR_RETURN(cluster->keys_, bench::KeyServer::Start(cluster->signer_));
  ASSIGN_OR_RETURN(redis::Endpoint endpoint, redis::Endpoint::Parse(environment.redis_uri));
  cluster->redis_ =
      std::make_unique<redis::Pool>(redis::Pool::Options{.endpoint = endpoint, .size = 1});
  cluster->events_key_ = "parta:events:directory:loadgen-" + NewUuidV7(absl::Now());
  const std::string schema_uri = bench::NewSchema(environment.pg_uri);
  const std::map<std::string, std::string> messaging_env = {
      {"PARTA_PG_URI", schema_uri},
      {"PARTA_REDIS_URI", environment.redis_uri},
      {"PARTA_IDENTITY_ADDR", absl::StrCat("127.0.0.1:", cluster->keys_->port())},
      {"PARTA_DIRECTORY_ADDR", "127.0.0.1:1"},
      {"PARTA_DIRECTORY_EVENTS_KEY", cluster->events_key_},
      {"PARTA_GRPC_LISTEN", "127.0.0.1:0"},
      {"PARTA_METRICS_LISTEN", ""},
      {"PARTA_LOG_LEVEL", "warning"}};
  const pid_t migrate = bench::Spawn({environment.messaging_binary, "migrate"},
                                     bench::ChildEnvironment(messaging_env));
  int status = 0;
  waitpid(migrate, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError("parta-messaging migrate failed");
  }
  ASSIGN_OR_RETURN(bench::Child messaging,
                   bench::Child::Start({environment.messaging_binary}, messaging_env));
  cluster->messaging_ = std::make_unique<bench::Child>(std::move(messaging));
  ASSIGN_OR_RETURN(
      bench::Child gateway,
      bench::Child::Start(
          {environment.gateway_binary},
          {{"PARTA_IDENTITY_ADDR", absl::StrCat("127.0.0.1:", cluster->keys_->port())},
           {"PARTA_MESSAGING_ADDR", absl::StrCat("127.0.0.1:", cluster->messaging_->port())},
           {"PARTA_SUBSCRIPTION_BACKENDS", "messaging"},
           {"PARTA_SIGNAL_BACKEND", "messaging"},
           {"PARTA_REDIS_URI", environment.redis_uri},
           {"PARTA_HTTP_LISTEN", "127.0.0.1:0"},
           {"PARTA_METRICS_LISTEN", ""},
           {"PARTA_ACCESS_LOG", "false"},
           {"PARTA_RATE_LIMITS_ENABLED", "false"},
           {"PARTA_LOG_LEVEL", "warning"}},
          "PARTA_HTTP_PORT_FILE"));
  cluster->gateway_ = std::make_unique<bench::Child>(std::move(gateway));
  return cluster;
}

absl::StatusOr<bench::SeededSchool> PartaCluster::Seed(const bench::SchoolPlan& plan) {
  return bench::SeedSchool(*redis_, events_key_, plan);
}

absl::StatusOr<std::string> PartaCluster::ChatOf(const std::string& user, int kind) {
  auto stub = msg::MessagingService::NewStub(bench::Channel(messaging_->port()));
  const absl::Time deadline = absl::Now() + absl::Minutes(5);
  while (absl::Now() < deadline) {
    msg::ListChatsResponse response;
    const ::grpc::Status status =
        stub->ListChats(Context(signer_.User(user)).get(), msg::ListChatsRequest(), &response);
    for (const msg::Chat& chat : response.chats()) {
      if (status.ok() && chat.kind() == kind) return chat.id();
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError("messaging did not make the roster's chats in time");
}

absl::StatusOr<int64_t> PartaCluster::LastSequence(const std::string& chat,
                                                   const std::string& user) {
  auto stub = msg::MessagingService::NewStub(bench::Channel(messaging_->port()));
  msg::GetChatRequest request;
  request.set_chat_id(chat);
  msg::GetChatResponse response;
  const ::grpc::Status status =
      stub->GetChat(Context(signer_.User(user)).get(), request, &response);
  if (!status.ok()) return absl::UnavailableError("GetChat: " + status.error_message());
  return response.chat().last_sequence();
}

PartaFanout::PartaFanout(PartaCluster& cluster, PartaAudience audience)
    : cluster_(cluster),
      audience_(std::move(audience)),
      members_per_group_(static_cast<int>(audience_.members.front().size())),
      run_id_(NewUuidV7(absl::Now()).substr(24)) {
  for (const auto& members : audience_.members) {
    for (const std::string& user : members) tokens_.push_back(cluster.signer().User(user));
  }
  for (const std::string& user : audience_.posters) {
    poster_tokens_.push_back(cluster.signer().User(user));
  }
}

PartaFanout::~PartaFanout() = default;

absl::StatusOr<std::vector<int64_t>> PartaFanout::Baselines() {
  std::vector<int64_t> baselines;
  for (size_t group = 0; group < audience_.chats.size(); ++group) {
    ASSIGN_OR_RETURN(int64_t last,
                     cluster_.LastSequence(audience_.chats[group], audience_.members[group][0]));
    baselines.push_back(last);
  }
  return baselines;
}

absl::Status PartaFanout::Connect(Deliveries& deliveries) {
  loop_ = std::make_unique<ClientLoop>();
  readiness_ = std::make_unique<Readiness>();
  RETURN_IF_ERROR(ConnectAll(
      *loop_, cluster_.gateway_port(), static_cast<int>(tokens_.size()), *readiness_, [&](int r) {
        const std::string& chat = audience_.chats[static_cast<size_t>(r / members_per_group_)];
        return std::make_pair(
            std::make_unique<PartaSocket>(r, chat, deliveries, *readiness_),
            WebSocketUpgrade("/v1/events",
                             "parta.v1, bearer." + RawToken(tokens_[static_cast<size_t>(r)])));
      }));
  // Opened last, so that no keep-alive connection idles while the audience connects.
  ASSIGN_OR_RETURN(http_, bench::HttpLoad::Connect(cluster_.gateway_port(), kPostConnections));
  return absl::OkStatus();
}

void PartaFanout::Send(int group, int sender, int64_t scheduled_ns,
                       std::function<void(int64_t sequence)> acked) {
  const std::string& token = sender >= 0 ? tokens_[static_cast<size_t>(sender)]
                                         : poster_tokens_[static_cast<size_t>(-1 - sender)];
  const std::string body =
      absl::StrCat(R"({"requestId":")", run_id_, "-", requests_.fetch_add(1),
                   R"(","text":{"body":")", MakePayload(scheduled_ns, sender, 0), R"("}})");
  std::string request = absl::StrCat(
      "POST /v1/chats/", audience_.chats[static_cast<size_t>(group)],
      "/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ", token,
      "\r\nContent-Type: application/json\r\nContent-Length: ", body.size(), "\r\n\r\n", body);
  http_->Send(std::move(request), [this, acked = std::move(acked)](int status, std::string answer) {
    size_t from = 0;
    const int64_t sequence = status == 200 ? JsonInt64After(answer, kSequenceKey, from) : -1;
    if (sequence < 0) {
      const size_t reason = answer.find("\"reason\":\"");
      const std::string why =
          reason == std::string::npos
              ? ""
              : answer.substr(reason + 10, answer.find('"', reason + 10) - reason - 10);
      absl::MutexLock lock(&failures_mu_);
      ++failures_[absl::StrCat("HTTP ", status, " ", why)];
    }
    acked(sequence);
  });
}

std::optional<std::vector<int64_t>> PartaFanout::History(int receiver, int64_t after) {
  const std::string& chat = audience_.chats[static_cast<size_t>(receiver / members_per_group_)];
  std::vector<int64_t> sequences;
  while (true) {
    auto answered = std::make_shared<std::promise<std::pair<int, std::string>>>();
    std::future<std::pair<int, std::string>> answer = answered->get_future();
    http_->Send(bench::HttpGet(absl::StrCat("/v1/chats/", chat, "/changes?afterSequence=", after,
                                            "&pageSize=", kHistoryPage),
                               RawToken(tokens_[static_cast<size_t>(receiver)])),
                [answered](int status, std::string body) {
                  answered->set_value({status, std::move(body)});
                });
    if (answer.wait_for(std::chrono::seconds(10)) != std::future_status::ready) break;
    auto [status, body] = answer.get();
    if (status != 200) break;
    int page = 0;
    size_t from = 0;
    while ((from = absl::string_view(body).find(kStreamKey, from)) != absl::string_view::npos) {
      const int64_t sequence = JsonInt64After(body, kSequenceKey, from);
      if (sequence < 0) break;
      sequences.push_back(sequence);
      after = std::max(after, sequence);
      ++page;
    }
    if (page < kHistoryPage) break;
  }
  return sequences;
}

void PartaFanout::Disconnect() { loop_.reset(); }

std::string PartaFanout::TakeFailures() {
  absl::MutexLock lock(&failures_mu_);
  std::string summary;
  for (const auto& [why, count] : failures_) {
    absl::StrAppend(&summary, summary.empty() ? "" : "; ", why, " x ", count);
  }
  failures_.clear();
  return summary;
}

std::vector<pid_t> PartaFanout::Processes() const {
  return {cluster_.gateway_pid(), cluster_.messaging_pid()};
}

}  // namespace parta::loadgen
