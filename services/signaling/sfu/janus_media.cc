#include "services/signaling/sfu/janus_media.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/core/log.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/http/client.h"
#include "libs/janus/errors.h"
#include "libs/janus/protocol.h"

namespace parta::signaling {
namespace {

using nlohmann::json;

// A call's SFU records outlive a lost Redis write at most this long.
constexpr int kRecordTtlSeconds = 7 * 24 * 3600;

std::string SessionKey(absl::string_view server) {
  return absl::StrCat("parta:signaling:janus-session:", server);
}
// room → call id, per instance: the rooms to clean up when the instance is lost.
std::string RoomsKey(absl::string_view server) {
  return absl::StrCat("parta:signaling:janus-rooms:", server);
}
// handle → owner, per instance: routes events after a restart.
std::string HandlesKey(absl::string_view server) {
  return absl::StrCat("parta:signaling:janus-handles:", server);
}
// "p:<user id>" → his publisher record, "s:<subscription id>" → a subscription.
std::string CallKey(absl::string_view call_id) {
  return absl::StrCat("parta:call:{", call_id, "}:sfu");
}
std::string PublisherField(absl::string_view user_id) { return absl::StrCat("p:", user_id); }
std::string SubscriptionField(absl::string_view id) { return absl::StrCat("s:", id); }

std::string Hmac(const std::string& key, const std::string& message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t size = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac,
                sizeof(mac), &size) == nullptr) {
    std::abort();  // an OpenSSL without HMAC-SHA256 cannot run this service at all
  }
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(mac), size));
}

// A random positive id below 2^52: exact in JavaScript numbers (Janus's admin tools, logs).
uint64_t RandomId() {
  const std::string bytes = RandomBytes(sizeof(uint64_t));
  uint64_t id = 0;
  std::memcpy(&id, bytes.data(), sizeof(id));
  id &= (uint64_t{1} << 52) - 1;
  return id == 0 ? 1 : id;
}

// A random (version 4) UUID.
std::string RandomUuid() {
  std::string bytes = RandomBytes(16);
  bytes[6] = static_cast<char>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<char>((bytes[8] & 0x3f) | 0x80);
  const std::string hex = absl::BytesToHexString(bytes);
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                      hex.substr(16, 4), "-", hex.substr(20));
}

absl::Status ServerUnavailable(absl::string_view what) {
  return Unavailable("MEDIA_SERVER_UNAVAILABLE", absl::StrCat("the media server ", what));
}

// A Janus failure as the API tells it; the cause goes to the log only.
absl::Status MediaFailure(const absl::Status& cause, absl::string_view what) {
  log::Warning("a media server request failed")
      .With("request", what)
      .With("error", cause.ToString());
  return ServerUnavailable(absl::StrCat("did not ", what));
}

bool HasReason(const absl::Status& status, absl::string_view reason) {
  return ReasonOf(status) == reason;
}

// The mids of the audio m-lines of an SDP.
std::vector<std::string> AudioMids(absl::string_view sdp) {
  std::vector<std::string> mids;
  bool audio = false;
  for (absl::string_view line : absl::StrSplit(sdp, '\n')) {
    line = absl::StripTrailingAsciiWhitespace(line);
    if (absl::StartsWith(line, "m=")) {
      audio = absl::StartsWith(line, "m=audio ");
    } else if (audio && absl::StartsWith(line, "a=mid:")) {
      mids.emplace_back(line.substr(6));
    }
  }
  return mids;
}

// The mids of the audio streams in a `configured` event, or those of the offer.
std::vector<std::string> AudioMidsOf(const json& configured, const std::string& offer_sdp) {
  std::vector<std::string> mids;
  if (configured.contains("streams") && configured["streams"].is_array()) {
    for (const json& stream : configured["streams"]) {
      if (stream.is_object() && janus::StringField(stream, "type") == "audio") {
        const std::string mid = janus::StringField(stream, "mid");
        if (!mid.empty()) mids.push_back(mid);
      }
    }
  }
  return mids.empty() ? AudioMids(offer_sdp) : mids;
}

// An SDP from Janus's jsep of the expected type, or why not.
absl::StatusOr<v1::SessionDescription> DescriptionOf(const std::optional<json>& jsep,
                                                     absl::string_view type) {
  if (!jsep || !jsep->is_object() || janus::StringField(*jsep, "type") != type ||
      janus::StringField(*jsep, "sdp").empty()) {
    return janus::BadResponse(absl::StrCat("no SDP ", type, " from the media server"));
  }
  v1::SessionDescription description;
  description.set_type(type == "offer" ? v1::SDP_TYPE_OFFER : v1::SDP_TYPE_ANSWER);
  description.set_sdp(janus::StringField(*jsep, "sdp"));
  return description;
}

absl::Status Corrupt() {
  return Internal("CALL_STATE_CORRUPT", "a call's media record does not parse");
}

}  // namespace

struct JanusMedia::Server {
  size_t index = 0;
  JanusServer urls;
  std::unique_ptr<janus::JanusAdmin> admin;
  // Set by the session's on_lost (its poll thread); the upkeep takes the session down.
  std::atomic<bool> lost{false};
  bool down_logged = false;  // upkeep thread only: "not connected" is logged once per outage
  absl::Mutex mu;
  // Shared with requests in flight: the upkeep may drop a lost session while they use it.
  std::shared_ptr<janus::JanusSession> session ABSL_GUARDED_BY(mu);
};

// What a participant has on Janus.
struct JanusMedia::Publisher {
  std::string server;  // the instance's API URL
  uint64_t handle = 0;
  uint64_t feed = 0;  // his id in the room
  uint64_t private_id = 0;
  std::string token;  // his join token in the room's allowed list
  bool published = false;
  std::vector<std::string> audio_mids;

  json ToJson() const {
    return {{"server", server}, {"handle", handle},       {"feed", feed},       {"pvt", private_id},
            {"token", token},   {"published", published}, {"audio", audio_mids}};
  }
  static std::optional<Publisher> FromJson(const std::string& text) {
    json j = json::parse(text, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    Publisher p;
    p.server = janus::StringField(j, "server");
    p.token = janus::StringField(j, "token");
    p.handle = j.value("handle", uint64_t{0});
    p.feed = j.value("feed", uint64_t{0});
    p.private_id = j.value("pvt", uint64_t{0});
    p.published = j.value("published", false);
    if (j.contains("audio") && j["audio"].is_array()) {
      for (const json& mid : j["audio"]) {
        if (mid.is_string()) p.audio_mids.push_back(mid.get<std::string>());
      }
    }
    if (p.server.empty() || p.handle == 0 || p.feed == 0) return std::nullopt;
    return p;
  }
};

// A participant's subscription to another's media.
struct JanusMedia::Subscription {
  std::string id;
  std::string server;
  uint64_t handle = 0;
  std::string user_id;  // the subscriber
  std::string publisher_id;

  json ToJson() const {
    return {{"server", server}, {"handle", handle}, {"user", user_id}, {"publisher", publisher_id}};
  }
  static std::optional<Subscription> FromJson(const std::string& id, const std::string& text) {
    json j = json::parse(text, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    Subscription s;
    s.id = id;
    s.server = janus::StringField(j, "server");
    s.handle = j.value("handle", uint64_t{0});
    s.user_id = janus::StringField(j, "user");
    s.publisher_id = janus::StringField(j, "publisher");
    if (s.server.empty() || s.handle == 0 || s.user_id.empty()) return std::nullopt;
    return s;
  }
};

struct JanusMedia::CallRecords {
  absl::flat_hash_map<std::string, Publisher> publishers;  // by user id
  std::vector<Subscription> subscriptions;
};

std::string JanusMedia::RoomSecret(const std::string& admin_key, int64_t room) {
  return Hmac(admin_key, absl::StrCat("parta-videoroom-secret:", room));
}

std::string JanusMedia::RoomPin(const std::string& admin_key, int64_t room) {
  return Hmac(admin_key, absl::StrCat("parta-videoroom-pin:", room)).substr(0, 32);
}

absl::StatusOr<std::unique_ptr<JanusMedia>> JanusMedia::Create(JanusSettings settings,
                                                               redis::Pool& redis,
                                                               JanusMediaCallbacks callbacks) {
  if (settings.api_secret.empty() || settings.admin_secret.empty() || settings.admin_key.empty()) {
    return InvalidArgument("JANUS_SECRETS_MISSING",
                           "Janus needs its API secret, admin secret and VideoRoom admin key");
  }
  std::vector<std::unique_ptr<Server>> servers;
  for (const JanusServer& urls : settings.servers) {
    RETURN_IF_ERROR(http::Url::Parse(urls.api_url, janus::kHttpReasons).status());
    ASSIGN_OR_RETURN(std::unique_ptr<janus::JanusAdmin> admin,
                     janus::JanusAdmin::Create({.url = urls.admin_url,
                                                .admin_secret = settings.admin_secret,
                                                .admin_key = settings.admin_key,
                                                .timeout = settings.request_timeout}));
    auto server = std::make_unique<Server>();
    server->index = servers.size();
    server->urls = urls;
    server->admin = std::move(admin);
    servers.push_back(std::move(server));
  }
  return std::unique_ptr<JanusMedia>(
      new JanusMedia(std::move(settings), redis, std::move(callbacks), std::move(servers)));
}

JanusMedia::JanusMedia(JanusSettings settings, redis::Pool& redis, JanusMediaCallbacks callbacks,
                       std::vector<std::unique_ptr<Server>> servers)
    : settings_(std::move(settings)),
      redis_(redis),
      callbacks_(std::move(callbacks)),
      servers_(std::move(servers)),
      events_(std::make_unique<BoundedExecutor>("janus-events", 1, settings_.event_queue)) {}

JanusMedia::~JanusMedia() { Stop(); }

void JanusMedia::Start() {
  Maintain();
  upkeep_ = std::make_unique<PeriodicTask>("janus-sessions", settings_.reconnect_interval,
                                           [this] { Maintain(); });
  upkeep_wake_.store(upkeep_.get());
}

void JanusMedia::Stop() {
  if (stopped_.exchange(true)) return;
  upkeep_wake_.store(nullptr);
  if (upkeep_) upkeep_->Stop();
  for (auto& server : servers_) {
    std::shared_ptr<janus::JanusSession> session;
    {
      absl::MutexLock lock(&server->mu);
      session = server->session;
    }
    if (session) session->Stop();  // stays on Janus for the next process to resume
  }
  events_->Stop();
}

JanusMedia::Server* JanusMedia::ServerOf(const std::string& media_server) {
  for (auto& server : servers_) {
    if (server->urls.api_url == media_server) return server.get();
  }
  return nullptr;
}

absl::StatusOr<std::shared_ptr<janus::JanusSession>> JanusMedia::SessionOf(Server& server) {
  absl::MutexLock lock(&server.mu);
  if (!server.session || server.session->lost()) return ServerUnavailable("is not connected");
  return server.session;
}

void JanusMedia::Maintain() {
  for (auto& server_ptr : servers_) {
    if (stopped_.load()) return;
    Server& server = *server_ptr;
    bool forgotten = false;
    if (server.lost.exchange(false)) {
      std::shared_ptr<janus::JanusSession> lost;
      {
        absl::MutexLock lock(&server.mu);
        lost = std::move(server.session);
      }
      if (lost) lost->Stop();
      log::Warning("a media server was lost: its calls end")
          .With("media_server", server.urls.api_url);
      // Not taken up again even if Janus still has it (a network outage): its calls are over,
      // and unpolled it times out on Janus with its handles.
      if (absl::Status dropped = redis_.Command({"DEL", SessionKey(server.urls.api_url)}).status();
          !dropped.ok()) {
        log::Warning("a lost media server session id stays").With("error", dropped.ToString());
      }
      Forget(server);
      forgotten = true;
    }
    {
      absl::MutexLock lock(&server.mu);
      if (server.session) continue;
    }
    std::optional<Connection> connection = Connect(server);
    if (!connection) continue;
    // A new session: what was placed there before is gone. Forgotten before the session is in
    // use, so no new call lands there meanwhile.
    if (!connection->resumed && !forgotten) Forget(server);
    absl::MutexLock lock(&server.mu);
    server.session = std::move(connection->session);
  }
}

std::optional<JanusMedia::Connection> JanusMedia::Connect(Server& server) {
  const std::string& url = server.urls.api_url;
  janus::SessionOptions options{
      .url = url, .api_secret = settings_.api_secret, .request_timeout = settings_.request_timeout};
  Server* s = &server;
  janus::SessionCallbacks callbacks{
      .on_event =
          [this, s](janus::Event event) {
            // The poll thread must not block: the event thread takes it from here.
            if (!events_->TrySubmit([this, s, event = std::move(event)]() mutable {
                  OnEvent(*s, std::move(event));
                })) {
              log::Warning("a media server event was dropped: the event queue is full");
            }
          },
      .on_lost =
          [this, s](absl::Status status) {
            log::Warning("a media server session ended").With("error", status.ToString());
            s->lost.store(true);
            if (PeriodicTask* upkeep = upkeep_wake_.load()) upkeep->Wake();
          }};
  server.lost.store(false);

  std::unique_ptr<janus::JanusSession> session;
  bool resumed = false;
  absl::StatusOr<redis::Value> stored = redis_.Command({"GET", SessionKey(url)});
  if (!stored.ok()) {
    // Without the stored id a new session would end calls that may still be fine: wait.
    log::Warning("the media server session id cannot be read")
        .With("error", stored.status().ToString());
    return std::nullopt;
  }
  uint64_t id = 0;
  if (!stored->is_nil() && absl::SimpleAtoi(stored->text, &id) && id != 0) {
    absl::StatusOr<std::unique_ptr<janus::JanusSession>> taken =
        janus::JanusSession::Resume(options, id, callbacks);
    if (taken.ok()) {
      session = *std::move(taken);
      resumed = true;
    } else if (taken.status().code() != absl::StatusCode::kNotFound) {
      if (!server.down_logged) {
        log::Warning("a media server does not answer")
            .With("media_server", url)
            .With("error", taken.status().ToString());
        server.down_logged = true;
      }
      return std::nullopt;
    }
  }
  if (!session) {
    absl::StatusOr<std::unique_ptr<janus::JanusSession>> created =
        janus::JanusSession::Create(options, callbacks);
    if (!created.ok()) {
      if (!server.down_logged) {
        log::Warning("a media server does not answer")
            .With("media_server", url)
            .With("error", created.status().ToString());
        server.down_logged = true;
      }
      return std::nullopt;
    }
    session = *std::move(created);
    if (absl::Status saved =
            redis_.Command({"SET", SessionKey(url), absl::StrCat(session->id())}).status();
        !saved.ok()) {
      log::Warning("the media server session id was not saved").With("error", saved.ToString());
    }
  }
  server.down_logged = false;
  log::Info(resumed ? "media server session resumed" : "media server session opened")
      .With("media_server", url);
  return Connection{.session = std::move(session), .resumed = resumed};
}

void JanusMedia::Forget(Server& server) {
  const std::string& url = server.urls.api_url;
  absl::StatusOr<redis::Value> rooms = redis_.Command({"HGETALL", RoomsKey(url)});
  if (rooms.ok()) {
    const bool answers = server.admin->Ping().ok();
    std::vector<std::string> del = {"DEL", RoomsKey(url), HandlesKey(url)};
    for (size_t i = 0; i + 1 < rooms->elements.size(); i += 2) {
      int64_t room = 0;
      if (answers && absl::SimpleAtoi(rooms->elements[i].text, &room)) {
        // Nobody is in it any more (the session and its handles are gone).
        (void)server.admin->DestroyRoom(room, RoomSecret(settings_.admin_key, room));
      }
      del.push_back(CallKey(rooms->elements[i + 1].text));
    }
    if (absl::Status dropped = redis_.Command(del).status(); !dropped.ok()) {
      log::Warning("a lost media server's records stay").With("error", dropped.ToString());
    }
  } else {
    log::Warning("a lost media server's rooms are unknown")
        .With("error", rooms.status().ToString());
  }
  {
    absl::MutexLock lock(&owners_mu_);
    for (auto it = owners_.begin(); it != owners_.end();) {
      if (it->first.first == server.index) {
        owners_.erase(it++);
      } else {
        ++it;
      }
    }
  }
  if (callbacks_.on_server_lost) callbacks_.on_server_lost(url);
}

void JanusMedia::OnEvent(Server& server, janus::Event event) {
  const bool up = event.janus == "webrtcup";
  const bool down =
      event.janus == "hangup" ||
      (event.janus == "event" && janus::StringField(event.data, "unpublished") == "ok");
  if ((!up && !down) || event.handle_id == 0) return;
  std::optional<Owner> owner = OwnerOf(server, event.handle_id);
  if (!owner || !owner->publisher) return;
  if (callbacks_.on_publishing) callbacks_.on_publishing(owner->call_id, owner->user_id, up);
}

absl::Status JanusMedia::Own(Server& server, uint64_t handle, const Owner& owner) {
  {
    absl::MutexLock lock(&owners_mu_);
    owners_[{server.index, handle}] = owner;
  }
  const json record = {{"call", owner.call_id}, {"user", owner.user_id}, {"pub", owner.publisher}};
  return redis_
      .Command({"HSET", HandlesKey(server.urls.api_url), absl::StrCat(handle), record.dump()})
      .status();
}

void JanusMedia::Disown(Server& server, uint64_t handle) {
  {
    absl::MutexLock lock(&owners_mu_);
    owners_.erase({server.index, handle});
  }
  (void)redis_.Command({"HDEL", HandlesKey(server.urls.api_url), absl::StrCat(handle)});
}

std::optional<JanusMedia::Owner> JanusMedia::OwnerOf(Server& server, uint64_t handle) {
  {
    absl::MutexLock lock(&owners_mu_);
    auto it = owners_.find({server.index, handle});
    if (it != owners_.end()) return it->second;
  }
  // Attached before a restart of this process.
  absl::StatusOr<redis::Value> stored =
      redis_.Command({"HGET", HandlesKey(server.urls.api_url), absl::StrCat(handle)});
  if (!stored.ok() || stored->is_nil()) return std::nullopt;
  json record = json::parse(stored->text, nullptr, false);
  if (!record.is_object()) return std::nullopt;
  Owner owner{.call_id = janus::StringField(record, "call"),
              .user_id = janus::StringField(record, "user"),
              .publisher = record.value("pub", false)};
  absl::MutexLock lock(&owners_mu_);
  owners_[{server.index, handle}] = owner;
  return owner;
}

void JanusMedia::DetachAll(Server& server, const std::vector<uint64_t>& handles) {
  if (handles.empty()) return;
  absl::StatusOr<std::shared_ptr<janus::JanusSession>> session = SessionOf(server);
  for (uint64_t handle : handles) {
    // Forgotten first: the hangup that the detach causes is nobody's news.
    Disown(server, handle);
    if (!session.ok()) continue;
    if (absl::Status detached = (*session)->Detach(handle);
        !detached.ok() && detached.code() != absl::StatusCode::kNotFound) {
      log::Warning("a media server handle was not detached").With("error", detached.ToString());
    }
  }
}

absl::StatusOr<JanusMedia::CallRecords> JanusMedia::ReadCall(const std::string& call_id) {
  ASSIGN_OR_RETURN(redis::Value all, redis_.Command({"HGETALL", CallKey(call_id)}));
  CallRecords records;
  for (size_t i = 0; i + 1 < all.elements.size(); i += 2) {
    const std::string& field = all.elements[i].text;
    const std::string& value = all.elements[i + 1].text;
    if (absl::StartsWith(field, "p:")) {
      std::optional<Publisher> publisher = Publisher::FromJson(value);
      if (!publisher) return Corrupt();
      records.publishers.emplace(field.substr(2), *std::move(publisher));
    } else if (absl::StartsWith(field, "s:")) {
      std::optional<Subscription> subscription = Subscription::FromJson(field.substr(2), value);
      if (!subscription) return Corrupt();
      records.subscriptions.push_back(*std::move(subscription));
    }
  }
  return records;
}

absl::Status JanusMedia::WritePublisher(const std::string& call_id, const std::string& user_id,
                                        const Publisher& publisher) {
  const std::string key = CallKey(call_id);
  return redis_
      .Pipeline({{"HSET", key, PublisherField(user_id), publisher.ToJson().dump()},
                 {"EXPIRE", key, absl::StrCat(kRecordTtlSeconds)}})
      .status();
}

absl::StatusOr<RoomPlace> JanusMedia::CreateRoom(const std::string& call_id) {
  struct Candidate {
    Server* server;
    janus::JanusLoad load;
  };
  std::vector<Candidate> candidates;
  for (auto& server : servers_) {
    if (!SessionOf(*server).ok()) continue;
    absl::StatusOr<janus::JanusLoad> load = server->admin->Load();
    if (!load.ok()) {
      log::Warning("a media server's load is unknown")
          .With("media_server", server->urls.api_url)
          .With("error", load.status().ToString());
      continue;
    }
    candidates.push_back({server.get(), *load});
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) {
                     return std::tie(a.load.participants, a.load.rooms) <
                            std::tie(b.load.participants, b.load.rooms);
                   });
  for (const Candidate& candidate : candidates) {
    Server& server = *candidate.server;
    for (int attempt = 0; attempt < 5; ++attempt) {
      const auto room = static_cast<int64_t>(RandomId());
      absl::StatusOr<uint64_t> created =
          server.admin->CreateRoom({.room = static_cast<uint64_t>(room),
                                    .description = absl::StrCat("parta call ", call_id),
                                    .secret = RoomSecret(settings_.admin_key, room),
                                    .pin = RoomPin(settings_.admin_key, room),
                                    .publishers = settings_.publishers,
                                    .allowed = {},
                                    .notify_joining = false});
      if (created.status().code() == absl::StatusCode::kAlreadyExists) continue;
      if (!created.ok()) {
        log::Warning("a media server did not create a room")
            .With("media_server", server.urls.api_url)
            .With("error", created.status().ToString());
        break;
      }
      absl::Status noted =
          redis_.Command({"HSET", RoomsKey(server.urls.api_url), absl::StrCat(room), call_id})
              .status();
      if (!noted.ok()) {
        (void)server.admin->DestroyRoom(room, RoomSecret(settings_.admin_key, room));
        return noted;
      }
      return RoomPlace{.media_server = server.urls.api_url, .room = room};
    }
  }
  return FailedPrecondition("NO_MEDIA_SERVER", "no media server answers");
}

absl::Status JanusMedia::DestroyRoom(const RoomPlace& place) {
  Server* server = ServerOf(place.media_server);
  if (server == nullptr) return ServerUnavailable("of the call is not configured");
  absl::Status destroyed =
      server->admin->DestroyRoom(place.room, RoomSecret(settings_.admin_key, place.room));
  if (HasReason(destroyed, janus::kRoomNotFound)) destroyed = absl::OkStatus();
  const std::string rooms_key = RoomsKey(server->urls.api_url);
  ASSIGN_OR_RETURN(redis::Value call,
                   redis_.Command({"HGET", rooms_key, absl::StrCat(place.room)}));
  if (!call.is_nil()) {
    absl::StatusOr<CallRecords> records = ReadCall(call.text);
    if (records.ok()) {
      std::vector<uint64_t> handles;
      for (const auto& [user, publisher] : records->publishers) handles.push_back(publisher.handle);
      for (const Subscription& subscription : records->subscriptions) {
        handles.push_back(subscription.handle);
      }
      DetachAll(*server, handles);
    }
    RETURN_IF_ERROR(
        redis_
            .Pipeline({{"DEL", CallKey(call.text)}, {"HDEL", rooms_key, absl::StrCat(place.room)}})
            .status());
  }
  if (!destroyed.ok()) return MediaFailure(destroyed, "destroy the room");
  return absl::OkStatus();
}

absl::StatusOr<JanusMedia::Publisher> JanusMedia::Join(Server& server, const RoomPlace& place,
                                                       const std::string& call_id,
                                                       const std::string& user_id) {
  ASSIGN_OR_RETURN(std::shared_ptr<janus::JanusSession> session, SessionOf(server));
  const std::string secret = RoomSecret(settings_.admin_key, place.room);
  Publisher publisher{.server = server.urls.api_url,
                      .feed = RandomId(),
                      .token = absl::BytesToHexString(RandomBytes(16))};
  if (absl::Status allowed =
          server.admin->AllowTokens(place.room, secret, {publisher.token}).status();
      !allowed.ok()) {
    return MediaFailure(allowed, "let the participant in");
  }
  auto undo = [&](const absl::Status& cause, absl::string_view what) {
    if (publisher.handle != 0) DetachAll(server, {publisher.handle});
    (void)server.admin->DisallowTokens(place.room, secret, {publisher.token});
    return MediaFailure(cause, what);
  };
  absl::StatusOr<uint64_t> handle = session->Attach(janus::kVideoRoomPlugin, "parta-call");
  if (!handle.ok()) return undo(handle.status(), "attach a publisher");
  publisher.handle = *handle;
  if (absl::Status owned = Own(server, publisher.handle, {call_id, user_id, true}); !owned.ok()) {
    DetachAll(server, {publisher.handle});
    (void)server.admin->DisallowTokens(place.room, secret, {publisher.token});
    return owned;
  }
  absl::StatusOr<janus::PluginReply> joined =
      session->MessageAndWait(publisher.handle,
                              {{"request", "join"},
                               {"ptype", "publisher"},
                               {"room", place.room},
                               {"id", publisher.feed},
                               {"display", user_id},
                               {"pin", RoomPin(settings_.admin_key, place.room)},
                               {"token", publisher.token}},
                              std::nullopt, settings_.request_timeout);
  if (!joined.ok()) return undo(joined.status(), "join the participant");
  absl::StatusOr<uint64_t> private_id = janus::IdField(joined->data, "private_id");
  if (!private_id.ok()) return undo(private_id.status(), "join the participant");
  publisher.private_id = *private_id;
  return publisher;
}

absl::Status JanusMedia::Enter(const RoomPlace& place, const std::string& call_id,
                               const std::string& user_id) {
  Server* server = ServerOf(place.media_server);
  if (server == nullptr) return ServerUnavailable("of the call is not configured");
  // Again after a rejoin: what he had before goes first.
  RETURN_IF_ERROR(Clear(place, call_id, user_id, /*kick=*/false));
  ASSIGN_OR_RETURN(Publisher publisher, Join(*server, place, call_id, user_id));
  if (absl::Status written = WritePublisher(call_id, user_id, publisher); !written.ok()) {
    DetachAll(*server, {publisher.handle});
    return written;
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::SessionDescription> JanusMedia::Publish(const RoomPlace& place,
                                                           const std::string& call_id,
                                                           const std::string& user_id,
                                                           const v1::SessionDescription& offer,
                                                           bool muted) {
  Server* server = ServerOf(place.media_server);
  if (server == nullptr) return ServerUnavailable("of the call is not configured");
  ASSIGN_OR_RETURN(redis::Value stored,
                   redis_.Command({"HGET", CallKey(call_id), PublisherField(user_id)}));
  std::optional<Publisher> publisher;
  if (!stored.is_nil()) {
    publisher = Publisher::FromJson(stored.text);
    if (!publisher) return Corrupt();
  } else {
    // His record is gone (Redis lost it): he gets a fresh place in the room.
    ASSIGN_OR_RETURN(publisher, Join(*server, place, call_id, user_id));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<janus::JanusSession> session, SessionOf(*server));
  const std::string secret = RoomSecret(settings_.admin_key, place.room);

  // An offer the VideoRoom refused leaves the handle unable to take another: he gets a new one
  // (and, muted or not, nothing of the failed publication is relayed).
  auto renew = [&](const absl::Status& cause, absl::string_view what) -> absl::Status {
    DetachAll(*server, {publisher->handle});
    (void)server->admin->DisallowTokens(place.room, secret, {publisher->token});
    absl::StatusOr<Publisher> fresh = Join(*server, place, call_id, user_id);
    if (fresh.ok()) {
      (void)WritePublisher(call_id, user_id, *fresh);
    } else {
      (void)redis_.Command({"HDEL", CallKey(call_id), PublisherField(user_id)});
    }
    if (HasReason(cause, janus::kInvalidJsep)) {
      log::Warning("the media server refused an offer").With("error", cause.ToString());
      return InvalidArgument("INVALID_SDP", "the media server refused the offer");
    }
    return MediaFailure(cause, what);
  };

  absl::StatusOr<janus::PluginReply> configured = session->MessageAndWait(
      publisher->handle, {{"request", publisher->published ? "configure" : "publish"}},
      json{{"type", "offer"}, {"sdp", offer.sdp()}}, settings_.request_timeout);
  if (!configured.ok()) return renew(configured.status(), "take the offer");
  absl::StatusOr<v1::SessionDescription> answer = DescriptionOf(configured->jsep, "answer");
  if (!answer.ok()) return renew(answer.status(), "answer the offer");
  publisher->published = true;
  publisher->audio_mids = AudioMidsOf(configured->data, offer.sdp());
  if (muted) {
    // Before he has the answer, so nothing he says is relayed before the mute.
    for (const std::string& mid : publisher->audio_mids) {
      absl::Status moderated =
          server->admin->Moderate(place.room, secret, publisher->feed, mid, /*mute=*/true);
      if (!moderated.ok()) return renew(moderated, "mute the participant");
    }
  }
  RETURN_IF_ERROR(WritePublisher(call_id, user_id, *publisher));
  return answer;
}

absl::StatusOr<SubscriptionOffer> JanusMedia::Subscribe(const RoomPlace& place,
                                                        const std::string& call_id,
                                                        const std::string& user_id,
                                                        const std::string& publisher_id) {
  Server* server = ServerOf(place.media_server);
  if (server == nullptr) return ServerUnavailable("of the call is not configured");
  const std::string key = CallKey(call_id);
  ASSIGN_OR_RETURN(redis::Value stored, redis_.Command({"HMGET", key, PublisherField(user_id),
                                                        PublisherField(publisher_id)}));
  if (stored.elements.size() != 2) return Corrupt();
  std::optional<Publisher> theirs;
  if (!stored.elements[1].is_nil()) theirs = Publisher::FromJson(stored.elements[1].text);
  if (!theirs || !theirs->published) {
    return FailedPrecondition("PEER_NOT_PUBLISHING", "that person's media is not on the server");
  }
  std::optional<Publisher> mine;
  if (!stored.elements[0].is_nil()) {
    mine = Publisher::FromJson(stored.elements[0].text);
    if (!mine) return Corrupt();
  } else {
    // A subscriber proves he is in the room with his publisher's private_id.
    ASSIGN_OR_RETURN(mine, Join(*server, place, call_id, user_id));
    RETURN_IF_ERROR(WritePublisher(call_id, user_id, *mine));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<janus::JanusSession> session, SessionOf(*server));

  Subscription subscription{.id = RandomUuid(),
                            .server = server->urls.api_url,
                            .user_id = user_id,
                            .publisher_id = publisher_id};
  absl::StatusOr<uint64_t> handle = session->Attach(janus::kVideoRoomPlugin, "parta-call");
  if (!handle.ok()) return MediaFailure(handle.status(), "attach a subscriber");
  subscription.handle = *handle;
  if (absl::Status owned = Own(*server, subscription.handle, {call_id, user_id, false});
      !owned.ok()) {
    DetachAll(*server, {subscription.handle});
    return owned;
  }
  absl::StatusOr<janus::PluginReply> attached =
      session->MessageAndWait(subscription.handle,
                              {{"request", "join"},
                               {"ptype", "subscriber"},
                               {"room", place.room},
                               {"pin", RoomPin(settings_.admin_key, place.room)},
                               {"private_id", mine->private_id},
                               {"autoupdate", false},
                               {"streams", json::array({{{"feed", theirs->feed}}})}},
                              std::nullopt, settings_.request_timeout);
  absl::StatusOr<v1::SessionDescription> offer =
      attached.ok() ? DescriptionOf(attached->jsep, "offer")
                    : absl::StatusOr<v1::SessionDescription>(attached.status());
  if (!offer.ok()) {
    DetachAll(*server, {subscription.handle});
    if (HasReason(offer.status(), janus::kFeedNotFound)) {
      return FailedPrecondition("PEER_NOT_PUBLISHING", "that person's media is not on the server");
    }
    return MediaFailure(offer.status(), "subscribe");
  }
  if (absl::Status written = redis_
                                 .Pipeline({{"HSET", key, SubscriptionField(subscription.id),
                                             subscription.ToJson().dump()},
                                            {"EXPIRE", key, absl::StrCat(kRecordTtlSeconds)}})
                                 .status();
      !written.ok()) {
    DetachAll(*server, {subscription.handle});
    return written;
  }
  return SubscriptionOffer{.subscription_id = subscription.id, .offer = *std::move(offer)};
}

absl::Status JanusMedia::Answer(const std::string& call_id, const std::string& user_id,
                                const std::string& subscription_id,
                                const v1::SessionDescription& answer) {
  const absl::Status not_found =
      NotFound("SUBSCRIPTION_NOT_FOUND", "the caller has no such subscription in this call");
  if (!IsUuid(subscription_id)) return not_found;
  ASSIGN_OR_RETURN(redis::Value stored,
                   redis_.Command({"HGET", CallKey(call_id), SubscriptionField(subscription_id)}));
  if (stored.is_nil()) return not_found;
  std::optional<Subscription> subscription = Subscription::FromJson(subscription_id, stored.text);
  if (!subscription) return Corrupt();
  if (subscription->user_id != user_id) return not_found;
  Server* server = ServerOf(subscription->server);
  if (server == nullptr) return ServerUnavailable("of the call is not configured");
  ASSIGN_OR_RETURN(std::shared_ptr<janus::JanusSession> session, SessionOf(*server));
  absl::Status started = session
                             ->MessageAndWait(subscription->handle, {{"request", "start"}},
                                              json{{"type", "answer"}, {"sdp", answer.sdp()}},
                                              settings_.request_timeout)
                             .status();
  if (HasReason(started, janus::kInvalidJsep)) {
    return InvalidArgument("INVALID_SDP", "the media server refused the answer");
  }
  if (!started.ok()) return MediaFailure(started, "take the answer");
  return absl::OkStatus();
}

absl::Status JanusMedia::Trickle(const std::string& call_id, const std::string& user_id,
                                 const std::string& subscription_id,
                                 const std::vector<v1::IceCandidate>& candidates) {
  std::string server_url;
  uint64_t handle = 0;
  if (subscription_id.empty()) {
    ASSIGN_OR_RETURN(redis::Value stored,
                     redis_.Command({"HGET", CallKey(call_id), PublisherField(user_id)}));
    if (stored.is_nil()) {
      return NotFound("NOT_PUBLISHING", "the caller has no publication in this call");
    }
    std::optional<Publisher> publisher = Publisher::FromJson(stored.text);
    if (!publisher) return Corrupt();
    server_url = publisher->server;
    handle = publisher->handle;
  } else {
    const absl::Status not_found =
        NotFound("SUBSCRIPTION_NOT_FOUND", "the caller has no such subscription in this call");
    if (!IsUuid(subscription_id)) return not_found;
    ASSIGN_OR_RETURN(redis::Value stored, redis_.Command({"HGET", CallKey(call_id),
                                                          SubscriptionField(subscription_id)}));
    if (stored.is_nil()) return not_found;
    std::optional<Subscription> subscription = Subscription::FromJson(subscription_id, stored.text);
    if (!subscription) return Corrupt();
    if (subscription->user_id != user_id) return not_found;
    server_url = subscription->server;
    handle = subscription->handle;
  }
  Server* server = ServerOf(server_url);
  if (server == nullptr) return ServerUnavailable("of the call is not configured");
  ASSIGN_OR_RETURN(std::shared_ptr<janus::JanusSession> session, SessionOf(*server));
  for (const v1::IceCandidate& candidate : candidates) {
    absl::Status passed =
        candidate.end_of_candidates()
            ? session->TrickleCompleted(handle)
            : session->Trickle(handle, {.sdp_mid = candidate.sdp_mid(),
                                        .sdp_mline_index = candidate.sdp_m_line_index(),
                                        .candidate = candidate.candidate()});
    if (HasReason(passed, janus::kInvalidJsep)) {
      return InvalidArgument("INVALID_CANDIDATE", "the media server refused a candidate");
    }
    if (!passed.ok()) return MediaFailure(passed, "take the candidates");
  }
  return absl::OkStatus();
}

absl::Status JanusMedia::Mute(const RoomPlace& place, const std::string& call_id,
                              const std::string& user_id, bool muted) {
  Server* server = ServerOf(place.media_server);
  if (server == nullptr) return ServerUnavailable("of the call is not configured");
  ASSIGN_OR_RETURN(redis::Value stored,
                   redis_.Command({"HGET", CallKey(call_id), PublisherField(user_id)}));
  // Not publishing yet: his publication will be muted as it starts (Publish's `muted`).
  if (stored.is_nil()) return absl::OkStatus();
  std::optional<Publisher> publisher = Publisher::FromJson(stored.text);
  if (!publisher) return Corrupt();
  if (!publisher->published) return absl::OkStatus();
  const std::string secret = RoomSecret(settings_.admin_key, place.room);
  for (const std::string& mid : publisher->audio_mids) {
    absl::Status moderated =
        server->admin->Moderate(place.room, secret, publisher->feed, mid, muted);
    // A feed that is gone (hung up, not yet republished) has nothing to mute.
    if (HasReason(moderated, janus::kFeedNotFound)) continue;
    if (!moderated.ok()) return MediaFailure(moderated, muted ? "mute" : "unmute");
  }
  return absl::OkStatus();
}

absl::Status JanusMedia::Kick(const RoomPlace& place, const std::string& call_id,
                              const std::string& user_id) {
  return Clear(place, call_id, user_id, /*kick=*/true);
}

absl::Status JanusMedia::Leave(const RoomPlace& place, const std::string& call_id,
                               const std::string& user_id) {
  return Clear(place, call_id, user_id, /*kick=*/false);
}

absl::Status JanusMedia::Clear(const RoomPlace& place, const std::string& call_id,
                               const std::string& user_id, bool kick) {
  Server* server = ServerOf(place.media_server);
  if (server == nullptr) return ServerUnavailable("of the call is not configured");
  ASSIGN_OR_RETURN(CallRecords records, ReadCall(call_id));
  const std::string secret = RoomSecret(settings_.admin_key, place.room);
  std::vector<std::string> forget = {"HDEL", CallKey(call_id)};
  std::vector<uint64_t> handles;
  absl::Status failure;
  auto it = records.publishers.find(user_id);
  if (it != records.publishers.end()) {
    const Publisher& publisher = it->second;
    forget.push_back(PublisherField(user_id));
    handles.push_back(publisher.handle);
    // His token first: a kick does not ban, an unknown token does.
    absl::Status disallowed =
        server->admin->DisallowTokens(place.room, secret, {publisher.token}).status();
    if (!disallowed.ok() && !HasReason(disallowed, janus::kRoomNotFound)) failure = disallowed;
    if (kick) {
      absl::Status kicked = server->admin->Kick(place.room, secret, publisher.feed);
      if (!kicked.ok() && kicked.code() != absl::StatusCode::kNotFound && failure.ok()) {
        failure = kicked;
      }
    }
  }
  for (const Subscription& subscription : records.subscriptions) {
    // His subscriptions, and the others' to him: nothing more comes through them.
    if (subscription.user_id == user_id || subscription.publisher_id == user_id) {
      forget.push_back(SubscriptionField(subscription.id));
      handles.push_back(subscription.handle);
    }
  }
  if (forget.size() > 2) RETURN_IF_ERROR(redis_.Command(forget).status());
  DetachAll(*server, handles);
  if (!failure.ok()) return MediaFailure(failure, kick ? "remove the participant" : "let go");
  return absl::OkStatus();
}

}  // namespace parta::signaling
