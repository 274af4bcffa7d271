#include "services/gateway/events/events_handler.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "libs/core/log.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/realtime/channels.h"
#include "libs/realtime/publish.h"
#include "services/gateway/events/frames.h"
#include "services/gateway/rest/rest_handler.h"

namespace parta::gateway {
namespace {

constexpr absl::string_view kProtocol = "parta.v1";
constexpr absl::string_view kBearerPrefix = "bearer.";

}  // namespace

EventsHandler::EventsHandler(EventsOptions options, redis::Endpoint redis_endpoint,
                             redis::Pool& redis, Backends& backends,
                             Authenticator& authenticator, auth::RevocationList& revocations,
                             PresenceStore& presence, BoundedExecutor& worker,
                             GatewayMetrics& metrics)
    : options_(std::move(options)),
      redis_(redis),
      authenticator_(authenticator),
      revocations_(revocations),
      presence_(presence),
      worker_(worker),
      metrics_(metrics),
      hub_(std::move(redis_endpoint),
           ChannelHub::Callbacks{
               .on_control = [this](const std::string& channel,
                                    const events::v1::Control& control) {
                 OnControl(channel, control);
               },
               .on_resubscribed = [this] { OnResubscribed(); }}) {
  for (const std::string& backend : options_.subscription_backends) {
    if (auto channel = backends.Channel(backend)) {
      subscription_sources_.emplace_back(backend,
                                         events::v1::SubscriptionService::NewStub(channel));
    } else {
      log::Warning("subscription backend not configured").With("backend", backend);
    }
  }
  if (!options_.signal_backend.empty()) {
    if (auto channel = backends.Channel(options_.signal_backend)) {
      signals_ = events::v1::ClientSignalService::NewStub(channel);
    }
  }
  sweeper_ =
      std::make_unique<PeriodicTask>("socket-sweeper", absl::Seconds(1), [this] { Sweep(); });
}

EventsHandler::~EventsHandler() { Stop(); }

void EventsHandler::Stop() {
  if (sweeper_) sweeper_->Stop();
  hub_.Stop();
}

void EventsHandler::Upgrade(const HttpRequest& request, std::function<void(Decision)> decide) {
  bool offers_protocol = false;
  std::string token;
  for (absl::string_view offered : absl::StrSplit(request.websocket_protocols, ',')) {
    offered = absl::StripAsciiWhitespace(offered);
    if (offered == kProtocol) offers_protocol = true;
    if (absl::StartsWithIgnoreCase(offered, kBearerPrefix)) {
      token = std::string(offered.substr(kBearerPrefix.size()));
    }
  }
  if (!request.websocket_protocols.empty() && !offers_protocol) {
    Decision refusal;
    refusal.refusal = ErrorResponse(
        InvalidArgument("SUBPROTOCOL_REQUIRED", "offer the subprotocol parta.v1"), "");
    return decide(std::move(refusal));
  }
  const std::string subprotocol = offers_protocol ? std::string(kProtocol) : "";
  if (token.empty()) {
    Decision decision;
    decision.subprotocol = subprotocol;
    decision.open = [this](std::shared_ptr<WebSocketConnection> connection) {
      return Open(std::move(connection), std::nullopt, "");
    };
    return decide(std::move(decision));
  }
  authenticator_.Authenticate(token, [this, token, subprotocol, decide = std::move(decide)](
                                         absl::StatusOr<auth::Claims> claims) {
    if (claims.ok() && claims->IsService()) {
      claims = PermissionDenied("USER_TOKEN_REQUIRED", "events are for signed-in people");
    }
    Decision decision;
    if (!claims.ok()) {
      decision.refusal = ErrorResponse(claims.status(), "");
      return decide(std::move(decision));
    }
    decision.subprotocol = subprotocol;
    decision.open = [this, claims = *std::move(claims),
                     token](std::shared_ptr<WebSocketConnection> connection) {
      return Open(std::move(connection), claims, token);
    };
    decide(std::move(decision));
  });
}

std::shared_ptr<WebSocketListener> EventsHandler::Open(
    std::shared_ptr<WebSocketConnection> connection, std::optional<auth::Claims> claims,
    std::string token) {
  auto socket = std::make_shared<EventSocket>(*this, std::move(connection),
                                              NewUuidV7(absl::Now()),
                                              absl::Now() + options_.auth_timeout);
  {
    absl::MutexLock lock(&mu_);
    sockets_.emplace(socket.get(), socket);
  }
  metrics_.SocketOpened();
  if (claims) socket->Begin(*std::move(claims), std::move(token));
  return socket;
}

bool EventsHandler::Registered(const std::shared_ptr<EventSocket>& socket,
                               const std::string& user_id) {
  absl::MutexLock lock(&mu_);
  if (!sockets_.contains(socket.get())) return false;
  by_user_[user_id].push_back(socket);
  return true;
}

void EventsHandler::Unregistered(EventSocket* socket, const std::string& user_id) {
  {
    absl::MutexLock lock(&mu_);
    if (sockets_.erase(socket) == 0) return;
    if (auto it = by_user_.find(user_id); it != by_user_.end()) {
      auto& list = it->second;
      list.erase(std::remove_if(list.begin(), list.end(),
                                [socket](const auto& s) { return s.get() == socket; }),
                 list.end());
      if (list.empty()) by_user_.erase(it);
    }
  }
  metrics_.SocketClosed();
}

std::vector<std::shared_ptr<EventSocket>> EventsHandler::SocketsOf(
    const std::string& user_id) const {
  absl::MutexLock lock(&mu_);
  auto it = by_user_.find(user_id);
  return it == by_user_.end() ? std::vector<std::shared_ptr<EventSocket>>() : it->second;
}

std::vector<std::shared_ptr<EventSocket>> EventsHandler::AllSockets() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<EventSocket>> all;
  all.reserve(sockets_.size());
  for (const auto& [raw, socket] : sockets_) all.push_back(socket);
  return all;
}

size_t EventsHandler::open_sockets() const {
  absl::MutexLock lock(&mu_);
  return sockets_.size();
}

void EventsHandler::OnControl(const std::string& channel, const events::v1::Control& control) {
  const std::string user_id(realtime::UserOfChannel(channel));
  if (user_id.empty()) return;  // control is only taken from users' own channels
  const std::vector<std::string> follow(control.follow().channels().begin(),
                                        control.follow().channels().end());
  const std::vector<std::string> unfollow(control.unfollow().channels().begin(),
                                          control.unfollow().channels().end());
  for (const auto& socket : SocketsOf(user_id)) {
    switch (control.action_case()) {
      case events::v1::Control::kFollow: socket->FollowMore(follow); break;
      case events::v1::Control::kUnfollow: socket->Leave(unfollow); break;
      case events::v1::Control::kSessionEnded:
        if (socket->session_id() == control.session_ended().session_id()) {
          socket->Close(kCloseSessionRevoked, control.session_ended().reason().empty()
                                                  ? "session ended"
                                                  : control.session_ended().reason());
        }
        break;
      default: break;
    }
  }
}

void EventsHandler::OnResubscribed() {
  std::vector<std::shared_ptr<EventSocket>> sockets = AllSockets();
  // Follows and unfollows published while Redis was away were missed: each socket lists its
  // channels again and says `resync` once it follows exactly those.
  for (const auto& socket : sockets) {
    if (!socket->user_id().empty()) socket->Refresh();
  }
  // Revocations published while Redis was away were missed: look each session up.
  const bool queued = worker_.TrySubmit([this, sockets = std::move(sockets)] {
    for (const auto& socket : sockets) {
      const std::string session_id = socket->session_id();
      if (session_id.empty()) continue;
      absl::StatusOr<bool> revoked = revocations_.IsRevoked(session_id);
      if (revoked.ok() && *revoked) socket->Close(kCloseSessionRevoked, "session ended");
    }
  });
  if (!queued) log::Warning("revocation re-check skipped: worker queue full");
}

void EventsHandler::Sweep() {
  const absl::Time now = absl::Now();
  for (const auto& socket : AllSockets()) socket->CloseIfExpired(now);
}

void EventsHandler::PresenceConnected(const std::string& user_id, const std::string& socket_id) {
  UpdatePresence(user_id, socket_id, /*connected=*/true);
}

void EventsHandler::PresenceDisconnected(const std::string& user_id,
                                         const std::string& socket_id) {
  UpdatePresence(user_id, socket_id, /*connected=*/false);
}

void EventsHandler::UpdatePresence(const std::string& user_id, const std::string& socket_id,
                                   bool connected) {
  const bool queued = worker_.TrySubmit([this, user_id, socket_id, connected] {
    absl::StatusOr<bool> changed = connected ? presence_.Connect(user_id, socket_id)
                                             : presence_.Disconnect(user_id, socket_id);
    if (!changed.ok()) {
      log::Warning("presence not updated").With("error", changed.status().ToString());
      return;
    }
    if (!*changed) return;
    events::v1::Envelope envelope;
    events::v1::Event& event = *envelope.mutable_event();
    const absl::Time now = absl::Now();
    event.set_id(NewUuidV7(now));
    event.mutable_time()->set_seconds(absl::ToUnixSeconds(now));
    event.mutable_presence_changed()->set_user_id(user_id);
    event.mutable_presence_changed()->set_online(connected);
    absl::Status published =
        realtime::Publish(redis_, realtime::PresenceChannel(user_id), envelope);
    if (!published.ok()) {
      log::Warning("presence change not published").With("error", published.ToString());
    }
  });
  if (!queued) log::Warning("presence update skipped: worker queue full");
}

}  // namespace parta::gateway
