#include "tools/bench/janus_direct.h"

#include <atomic>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/core/random.h"
#include "libs/janus/protocol.h"
#include "nlohmann/json.hpp"

namespace parta::bench {

using json = nlohmann::json;

struct JanusDirect::Participant {
  uint64_t session = 0;
  uint64_t handle = 0;
  Done done;
};

namespace {

std::string PostRequest(const std::string& path, const std::string& body) {
  return absl::StrCat("POST ", path,
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      "Content-Length: ",
                      body.size(), "\r\n\r\n", body);
}

// How long a join waits for Janus's event before it counts as failed.
constexpr absl::Duration kEventTimeout = absl::Seconds(30);

json Parse(const std::string& body) { return json::parse(body, nullptr, false); }

bool IsA(const json& answer, const char* kind) {
  return answer.is_object() && answer.value("janus", "") == kind;
}

// The id in an answer's data ("create" and "attach"); 0 when absent.
uint64_t DataId(const json& answer) {
  if (!IsA(answer, "success") || !answer.contains("data") || !answer["data"].is_object()) return 0;
  const json& id = answer["data"]["id"];
  return id.is_number_unsigned() ? id.get<uint64_t>() : 0;
}

// The plugin's data of an event; null when it has none.
json PluginData(const json& event) {
  if (!event.is_object() || !event.contains("plugindata") || !event["plugindata"].is_object()) {
    return nullptr;
  }
  return event["plugindata"].value("data", json(nullptr));
}

}  // namespace

absl::StatusOr<std::unique_ptr<JanusDirect>> JanusDirect::Connect(const JanusProcess& janus,
                                                                  int connections) {
  std::unique_ptr<JanusDirect> direct(new JanusDirect());
  direct->api_secret_ = janus.api_secret();
  direct->room_secret_ = absl::BytesToHexString(RandomBytes(16));
  direct->room_pin_ = absl::BytesToHexString(RandomBytes(8));
  absl::StatusOr<std::unique_ptr<janus::JanusAdmin>> admin = janus::JanusAdmin::Create(
      {.url = janus.admin_url(), .admin_secret = janus.admin_secret(),
       .admin_key = janus.admin_key()});
  if (!admin.ok()) return admin.status();
  direct->admin_ = *std::move(admin);
  absl::StatusOr<std::unique_ptr<HttpLoad>> http = HttpLoad::Connect(janus.api_port(), connections);
  if (!http.ok()) return http.status();
  direct->http_ = *std::move(http);
  return direct;
}

JanusDirect::~JanusDirect() = default;

std::string JanusDirect::Failures() {
  absl::MutexLock lock(&mu_);
  std::string text;
  for (const std::string& failure : failures_) {
    absl::StrAppend(&text, text.empty() ? "" : " | ", failure);
  }
  return text;
}

absl::Status JanusDirect::CreateRooms(int rooms, int per_room) {
  {
    absl::MutexLock lock(&mu_);
    failures_.clear();
  }
  per_room_ = per_room;
  tokens_.clear();
  participants_.clear();
  for (int r = 0; r < rooms; ++r) {
    std::vector<std::string> allowed;
    for (int p = 0; p < per_room; ++p) {
      tokens_.push_back(absl::BytesToHexString(RandomBytes(16)));
      allowed.push_back(tokens_.back());
      participants_.push_back(std::make_unique<Participant>());
    }
    absl::StatusOr<uint64_t> room = admin_->CreateRoom({.description = "parta bench",
                                                        .secret = room_secret_,
                                                        .pin = room_pin_,
                                                        .publishers = 100,
                                                        .allowed = allowed,
                                                        .notify_joining = false});
    if (!room.ok()) return room.status();
    rooms_.push_back(*room);
  }
  return absl::OkStatus();
}

void JanusDirect::Post(const std::string& path, std::string json_body,
                       std::function<void(bool ok, const std::string& body)> then) {
  http_->SendForReply(PostRequest(path, json_body),
                      [then = std::move(then)](HttpLoad::Reply reply) {
                        then(reply.status == 200, reply.body);
                      });
}

void JanusDirect::Poll(Participant& participant, const std::string& transaction,
                       std::function<void(bool ok, const std::string& event)> then,
                       absl::Time deadline) {
  if (deadline == absl::InfinitePast()) deadline = absl::Now() + kEventTimeout;
  const std::string request =
      HttpGet(absl::StrCat("/janus/", participant.session, "?maxev=10&apisecret=", api_secret_));
  http_->SendForReply(request, [this, &participant, transaction, deadline,
                                then = std::move(then)](HttpLoad::Reply reply) mutable {
    if (reply.status != 200) return then(false, "");
    json events = Parse(reply.body);
    if (events.is_object()) events = json::array({events});
    if (!events.is_array()) return then(false, "");
    for (const json& event : events) {
      if (IsA(event, "event") && event.value("transaction", "") == transaction) {
        return then(true, event.dump());
      }
    }
    if (absl::Now() > deadline) return then(false, "no answer within 30 s");
    Poll(participant, transaction, std::move(then), deadline);  // others' news, or a keepalive
  });
}

void JanusDirect::Join(int index, const std::string& offer, Done done) {
  Participant& p = *participants_[static_cast<size_t>(index)];
  p.done = std::move(done);
  // Notes what failed (the first few), then ends the join.
  auto fail = [this, &p](const char* step, const std::string& what) {
    {
      absl::MutexLock lock(&mu_);
      if (failures_.size() < 3) failures_.push_back(absl::StrCat(step, ": ", what.substr(0, 200)));
    }
    p.done(false);
  };
  const uint64_t room = rooms_[static_cast<size_t>(index / per_room_)];
  const std::string token = tokens_[static_cast<size_t>(index)];
  const json create = {
      {"janus", "create"}, {"transaction", janus::NewTransaction()}, {"apisecret", api_secret_}};
  Post("/janus", create.dump(), [this, &p, fail, room, token, offer](bool ok,
                                                                        const std::string& body) {
    p.session = ok ? DataId(Parse(body)) : 0;
    if (p.session == 0) return fail("create", body);
    const std::string session_path = absl::StrCat("/janus/", p.session);
    const json attach = {{"janus", "attach"},
                         {"plugin", janus::kVideoRoomPlugin},
                         {"transaction", janus::NewTransaction()},
                         {"apisecret", api_secret_}};
    Post(session_path, attach.dump(), [this, &p, fail, room, token, offer, session_path](
                                             bool ok, const std::string& body) {
      p.handle = ok ? DataId(Parse(body)) : 0;
      if (p.handle == 0) return fail("attach", body);
      const std::string handle_path = absl::StrCat(session_path, "/", p.handle);
      const std::string joining = janus::NewTransaction();
      const json join = {{"janus", "message"},
                         {"transaction", joining},
                         {"apisecret", api_secret_},
                         {"body",
                          {{"request", "join"},
                           {"ptype", "publisher"},
                           {"room", room},
                           {"pin", room_pin_},
                           {"token", token},
                           {"display", "bench"}}}};
      Post(handle_path, join.dump(), [this, &p, fail, offer, handle_path, joining](
                                            bool ok, const std::string& body) {
        if (!ok || !IsA(Parse(body), "ack")) return fail("join", body);
        Poll(p, joining, [this, &p, fail, offer, handle_path](bool ok, const std::string& event) {
          const json joined = PluginData(Parse(event));
          if (!ok || !joined.is_object() || joined.value("videoroom", "") != "joined") {
            return fail("joined", event);
          }
          const std::string publishing = janus::NewTransaction();
          const json publish = {{"janus", "message"},
                                {"transaction", publishing},
                                {"apisecret", api_secret_},
                                {"body", {{"request", "publish"}}},
                                {"jsep", {{"type", "offer"}, {"sdp", offer}}}};
          Post(handle_path, publish.dump(), [this, &p, fail, publishing](
                                                   bool ok, const std::string& body) {
            if (!ok || !IsA(Parse(body), "ack")) return fail("publish", body);
            Poll(p, publishing, [&p, fail](bool ok, const std::string& event) {
              const json answered = Parse(event);
              const bool answer = ok && answered.is_object() && answered.contains("jsep") &&
                                  answered["jsep"].is_object() &&
                                  answered["jsep"].value("type", "") == "answer" &&
                                  answered["jsep"].value("sdp", "").rfind("v=0", 0) == 0;
              if (!answer) return fail("answer", event);
              p.done(true);
            });
          });
        });
      });
    });
  });
}

absl::Status JanusDirect::Clear() {
  absl::Mutex mu;
  int pending = 0;
  for (const auto& participant : participants_) {
    if (participant->session == 0) continue;
    {
      absl::MutexLock lock(&mu);
      ++pending;
    }
    const json destroy = {
        {"janus", "destroy"}, {"transaction", janus::NewTransaction()}, {"apisecret", api_secret_}};
    Post(absl::StrCat("/janus/", participant->session), destroy.dump(),
         [&mu, &pending](bool, const std::string&) {
           absl::MutexLock lock(&mu);
           --pending;
         });
  }
  {
    absl::MutexLock lock(&mu);
    auto none = [&pending] { return pending == 0; };
    if (!mu.AwaitWithTimeout(absl::Condition(&none), absl::Seconds(60))) {
      return absl::DeadlineExceededError("Janus did not destroy the sessions within 60 s");
    }
  }
  absl::Status status;
  for (uint64_t room : rooms_) status.Update(admin_->DestroyRoom(room, room_secret_));
  rooms_.clear();
  participants_.clear();
  tokens_.clear();
  return status;
}

}  // namespace parta::bench
