#include "services/gateway/events/event_socket.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"

#include "libs/core/log.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/grpc/client.h"
#include "libs/grpc/status.h"
#include "libs/realtime/channels.h"
#include "libs/text/json_nesting.h"
#include "nlohmann/json.hpp"
#include "services/gateway/events/events_handler.h"
#include "services/gateway/events/frames.h"

namespace parta::gateway {
namespace {

// Starts an asynchronous unary call whose context and buffers live until it completes.
// `start` is the stub's `async()->Method` bound as a callable.
template <typename Response, typename Request, typename Start>
void CallAsync(std::unique_ptr<::grpc::ClientContext> context, Request request, Start start,
               std::function<void(const ::grpc::Status&, const Response&)> done) {
  struct Call {
    std::unique_ptr<::grpc::ClientContext> context;
    Request request;
    Response response;
  };
  auto call = std::make_shared<Call>(Call{std::move(context), std::move(request), Response()});
  start(call->context.get(), &call->request, &call->response,
        [call, done = std::move(done)](::grpc::Status status) { done(status, call->response); });
}

// Channels asked for per page of a backend's listing: the most SubscriptionService gives.
constexpr int kSubscriptionsPerPage = 1000;
// A listing of more pages than this is taken for a backend that loops: it counts as unavailable.
constexpr int kMaxSubscriptionPages = 100;

// One backend's listing of the user's channels, walked page after page.
struct SubscriptionWalk {
  events::v1::SubscriptionService::StubInterface::async_interface* async;
  std::string bearer;
  absl::Duration timeout;
  std::weak_ptr<EventSocket> socket;  // no further pages once it is gone
  std::vector<std::string> channels;
  int pages = 0;
  // Every channel of every page, or the first failure.
  std::function<void(const ::grpc::Status&, std::vector<std::string>)> done;
};

// Asks for the page after `page_token` (a call of its own, with the call timeout), then for the
// next, until a page comes without a next token.
void ListPagesFrom(std::shared_ptr<SubscriptionWalk> walk, std::string page_token) {
  events::v1::ListMySubscriptionsRequest request;
  request.set_page_size(kSubscriptionsPerPage);
  request.set_page_token(std::move(page_token));
  auto* async = walk->async;
  CallAsync<events::v1::ListMySubscriptionsResponse>(
      grpc::MakeClientContext({.timeout = walk->timeout,
                               .bearer_token = walk->bearer,
                               .request_id = NewRequestId(absl::Now())}),
      std::move(request), [async](auto&&... args) { async->ListMySubscriptions(args...); },
      [walk](const ::grpc::Status& status,
             const events::v1::ListMySubscriptionsResponse& response) {
        if (!status.ok()) return walk->done(status, {});
        for (const std::string& channel : response.channels()) walk->channels.push_back(channel);
        if (response.next_page_token().empty()) {
          return walk->done(status, std::move(walk->channels));
        }
        if (++walk->pages >= kMaxSubscriptionPages) {
          return walk->done(::grpc::Status(::grpc::StatusCode::UNAVAILABLE,
                                           "the listing of channels did not end"),
                            {});
        }
        if (walk->socket.expired()) return;
        ListPagesFrom(walk, response.next_page_token());
      });
}

// A string member of a client frame, "" when absent or not a string.
std::string StringField(const nlohmann::json& frame, const char* name) {
  auto it = frame.find(name);
  return it != frame.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

EventSocket::EventSocket(EventsHandler& handler, std::shared_ptr<WebSocketConnection> connection,
                         std::string id, absl::Time auth_deadline)
    : handler_(handler),
      connection_(std::move(connection)),
      id_(std::move(id)),
      auth_deadline_(auth_deadline) {}

std::string EventSocket::user_id() const {
  absl::MutexLock lock(&mu_);
  return claims_ ? claims_->subject : "";
}

std::string EventSocket::session_id() const {
  absl::MutexLock lock(&mu_);
  return claims_ ? claims_->session_id : "";
}

void EventSocket::Begin(auth::Claims claims, std::string token) {
  const std::string user_id = claims.subject;
  const std::string bearer = token;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    claims_ = std::move(claims);
    token_ = std::move(token);
    last_presence_ = absl::Now();
  }
  // Closed meanwhile: the close has already unregistered it.
  if (!handler_.Registered(shared_from_this(), user_id)) return;
  handler_.PresenceConnected(user_id, id_);

  // The user's own channel first: once Redis confirms it, every follow or unfollow published
  // after the services list his channels reaches this socket, so none falls between the
  // listing and the subscription.
  const std::string own = realtime::UserChannel(user_id);
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    channels_ = {own};
  }
  std::weak_ptr<EventSocket> weak = shared_from_this();
  Follow({own}, [weak, user_id] {
    auto self = weak.lock();
    if (!self) return;
    self->Reconcile([weak, user_id](size_t channels, const std::vector<std::string>& unavailable) {
      if (auto socket = weak.lock()) socket->Send(ReadyFrame(user_id, channels, unavailable));
    });
  });
}

void EventSocket::Refresh() {
  std::weak_ptr<EventSocket> weak = shared_from_this();
  Reconcile([weak](size_t, const std::vector<std::string>&) {
    if (auto self = weak.lock()) self->Send(ResyncFrame());
  });
}

void EventSocket::Reconcile(Reconciled then) {
  std::string bearer;
  {
    absl::MutexLock lock(&mu_);
    if (closed_ || !claims_) return;
    bearer = token_;
    ++listings_;
  }
  struct Gathering {
    absl::Mutex mu;
    std::vector<std::string> channels;
    std::vector<std::string> unavailable;
    size_t pending = 0;
  };
  auto gathering = std::make_shared<Gathering>();
  gathering->pending = handler_.subscription_sources_.size();
  if (gathering->pending == 0) return ApplyListing({}, {}, std::move(then));

  auto shared_then = std::make_shared<Reconciled>(std::move(then));
  for (auto& [backend, stub] : handler_.subscription_sources_) {
    std::weak_ptr<EventSocket> weak = shared_from_this();
    auto walk = std::make_shared<SubscriptionWalk>();
    walk->async = stub->async();
    walk->bearer = bearer;
    walk->timeout = handler_.options_.call_timeout;
    walk->socket = weak;
    walk->done =
        [weak, gathering, shared_then, backend = backend](const ::grpc::Status& status,
                                                          std::vector<std::string> listed) {
          std::vector<std::string> channels;
          std::vector<std::string> unavailable;
          {
            absl::MutexLock lock(&gathering->mu);
            if (status.ok()) {
              for (std::string& channel : listed) {
                gathering->channels.push_back(std::move(channel));
              }
            } else {
              log::Warning("subscriptions unavailable")
                  .With("backend", backend)
                  .With("error", status.error_message());
              gathering->unavailable.push_back(backend);
            }
            if (--gathering->pending > 0) return;
            channels = gathering->channels;
            unavailable = gathering->unavailable;
          }
          if (auto self = weak.lock()) {
            self->ApplyListing(std::move(channels), std::move(unavailable), *shared_then);
          }
        };
    ListPagesFrom(std::move(walk), "");
  }
}

void EventSocket::ApplyListing(std::vector<std::string> listed,
                               std::vector<std::string> unavailable, const Reconciled& then) {
  std::vector<std::string> added;
  std::vector<std::string> removed;
  size_t count = 0;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    const std::string own = realtime::UserChannel(claims_->subject);
    absl::flat_hash_set<std::string> target(listed.begin(), listed.end());
    target.insert(own);
    // What the user's channel said while the services were asked is newer than their answer,
    // or agrees with it.
    for (const auto& [channel, followed] : changed_while_listing_) {
      if (followed) {
        target.insert(channel);
      } else if (channel != own) {
        target.erase(channel);
      }
    }
    if (--listings_ == 0) changed_while_listing_.clear();
    for (const std::string& channel : target) {
      if (std::find(channels_.begin(), channels_.end(), channel) == channels_.end()) {
        added.push_back(channel);
      }
    }
    // A service that did not answer may still list what the socket follows: keep it.
    if (unavailable.empty()) {
      for (const std::string& channel : channels_) {
        if (!target.contains(channel)) removed.push_back(channel);
      }
    }
    std::vector<std::string> kept;
    for (std::string& channel : channels_) {
      if (std::find(removed.begin(), removed.end(), channel) == removed.end()) {
        kept.push_back(std::move(channel));
      }
    }
    kept.insert(kept.end(), added.begin(), added.end());
    channels_ = std::move(kept);
    count = channels_.size();
  }
  if (!removed.empty()) handler_.hub_.Unfollow(this, removed);
  if (added.empty()) return then(count, unavailable);
  Follow(added, [then, count, unavailable = std::move(unavailable)] { then(count, unavailable); });
}

void EventSocket::Follow(const std::vector<std::string>& channels,
                         std::function<void()> confirmed) {
  handler_.hub_.Follow(shared_from_this(), channels, std::move(confirmed));
  // A close that ran while the hub was being told has already unfollowed what it knew of.
  bool closed;
  {
    absl::MutexLock lock(&mu_);
    closed = closed_;
  }
  if (closed) handler_.hub_.Unfollow(this, channels);
}

void EventSocket::FollowMore(const std::vector<std::string>& channels) {
  std::vector<std::string> added;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    for (const std::string& channel : channels) {
      if (listings_ > 0) changed_while_listing_[channel] = true;
      if (std::find(channels_.begin(), channels_.end(), channel) == channels_.end()) {
        channels_.push_back(channel);
        added.push_back(channel);
      }
    }
  }
  if (!added.empty()) Follow(added, nullptr);
}

void EventSocket::Leave(const std::vector<std::string>& channels) {
  std::vector<std::string> removed;
  {
    absl::MutexLock lock(&mu_);
    // The user's own channel is never left.
    const std::string own = claims_ ? realtime::UserChannel(claims_->subject) : "";
    for (const std::string& channel : channels) {
      if (listings_ > 0) changed_while_listing_[channel] = false;
      auto it = std::find(channels_.begin(), channels_.end(), channel);
      if (it != channels_.end() && channel != own) {
        channels_.erase(it);
        removed.push_back(channel);
      }
    }
  }
  if (!removed.empty()) handler_.hub_.Unfollow(this, removed);
}

void EventSocket::Deliver(const std::string& frame) {
  {
    absl::MutexLock lock(&mu_);
    if (closed_ || !claims_) return;
  }
  Send(frame);
}

void EventSocket::Send(std::string frame) {
  if (connection_->Send(std::move(frame))) return;
  absl::MutexLock lock(&mu_);
  if (!slow_ && !closed_) {
    slow_ = true;
    handler_.metrics_.SlowConsumerDropped();
    log::Info("slow consumer cut off").With("socket", id_);
  }
}

void EventSocket::Close(uint16_t code, const std::string& reason) {
  connection_->Close(code, reason);
}

void EventSocket::CloseIfExpired(absl::Time now) {
  bool expired = false;
  bool unauthenticated = false;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    if (claims_) {
      expired = now >= claims_->expires_at;
    } else {
      unauthenticated = now >= auth_deadline_;
    }
  }
  if (expired) Close(kCloseTokenExpired, "token expired");
  if (unauthenticated) Close(kCloseUnauthenticated, "no token");
}

void EventSocket::OnText(std::string text) {
  if (!parta::text::JsonNestingWithin(text)) {
    return Send(ErrorFrame(
        InvalidArgument("JSON_TOO_DEEP", "a frame nests arrays and objects too deeply"), ""));
  }
  nlohmann::json frame = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!frame.is_object() || !frame.contains("type") || !frame["type"].is_string()) {
    return Send(
        ErrorFrame(InvalidArgument("MALFORMED_FRAME", "a frame is a JSON object with a type"), ""));
  }
  const std::string type = frame["type"];
  const std::string frame_id = StringField(frame, "id");
  bool authenticated;
  {
    absl::MutexLock lock(&mu_);
    authenticated = claims_.has_value();
  }
  if (type == "auth") {
    const std::string token = StringField(frame, "token");
    if (token.empty()) {
      return Send(ErrorFrame(InvalidArgument("TOKEN_REQUIRED", "auth needs a token"), frame_id));
    }
    return Authenticate(token, frame_id);
  }
  if (!authenticated) return Close(kCloseUnauthenticated, "authenticate first");
  if (type == "ping") return Send(PongFrame());
  if (type == "typing" || type == "ack") return Forward(type, frame_id, frame);
  Send(ErrorFrame(InvalidArgument("UNKNOWN_FRAME_TYPE", "unknown frame type " + type), frame_id));
}

void EventSocket::Authenticate(const std::string& token, const std::string& frame_id) {
  {
    absl::MutexLock lock(&mu_);
    if (authenticating_) return;
    authenticating_ = true;
  }
  std::weak_ptr<EventSocket> weak = shared_from_this();
  handler_.authenticator_.Authenticate(token, [weak, token, frame_id](
                                                  absl::StatusOr<auth::Claims> claims) {
    auto self = weak.lock();
    if (!self) return;
    std::optional<auth::Claims> current;
    {
      absl::MutexLock lock(&self->mu_);
      self->authenticating_ = false;
      current = self->claims_;
    }
    if (claims.ok() && claims->IsService()) {
      claims = PermissionDenied("USER_TOKEN_REQUIRED", "events are for signed-in people");
    }
    if (!current) {
      if (!claims.ok()) return self->Close(kCloseUnauthenticated, ReasonOf(claims.status()));
      self->Send(AuthenticatedFrame(claims->expires_at));
      return self->Begin(*std::move(claims), token);
    }
    // Renewal: the same person, a fresh expiry.
    if (claims.ok() && claims->subject != current->subject) {
      claims = PermissionDenied("ANOTHER_USER", "a socket stays with the user who opened it");
    }
    if (!claims.ok()) return self->Send(ErrorFrame(claims.status(), frame_id));
    {
      absl::MutexLock lock(&self->mu_);
      self->claims_ = *claims;
      self->token_ = token;
    }
    self->Send(AuthenticatedFrame(claims->expires_at));
  });
}

void EventSocket::Forward(const std::string& type, const std::string& frame_id,
                          const nlohmann::json& frame) {
  events::v1::ClientSignalService::Stub* stub = handler_.signals_.get();
  if (stub == nullptr) {
    return Send(ErrorFrame(Unavailable("SIGNALS_UNAVAILABLE", "no service takes client signals"),
                           frame_id));
  }
  std::string token;
  {
    absl::MutexLock lock(&mu_);
    token = token_;
  }
  auto context = grpc::MakeClientContext({.timeout = handler_.options_.call_timeout,
                                          .bearer_token = token,
                                          .request_id = NewRequestId(absl::Now())});
  std::weak_ptr<EventSocket> weak = shared_from_this();
  auto answer = [weak, frame_id](const ::grpc::Status& status, const auto&) {
    auto self = weak.lock();
    if (!self) return;
    if (!status.ok()) return self->Send(ErrorFrame(grpc::FromGrpcStatus(status), frame_id));
    if (!frame_id.empty()) self->Send(DoneFrame(frame_id));
  };
  auto* async = stub->async();
  if (type == "typing") {
    events::v1::SendTypingRequest request;
    request.set_chat_id(StringField(frame, "chatId"));
    if (request.chat_id().empty()) {
      return Send(ErrorFrame(InvalidArgument("INVALID_FRAME", "typing needs a chatId string"),
                             frame_id));
    }
    return CallAsync<events::v1::SendTypingResponse>(
        std::move(context), std::move(request),
        [async](auto&&... args) { async->SendTyping(args...); }, answer);
  }
  events::v1::AcknowledgeRequest request;
  request.set_stream(StringField(frame, "stream"));
  auto sequence = frame.find("sequence");
  if (request.stream().empty() || sequence == frame.end() || !sequence->is_number_integer()) {
    return Send(ErrorFrame(
        InvalidArgument("INVALID_FRAME", "ack needs a stream string and an integer sequence"),
        frame_id));
  }
  request.set_sequence(sequence->get<int64_t>());
  CallAsync<events::v1::AcknowledgeResponse>(
      std::move(context), std::move(request),
      [async](auto&&... args) { async->Acknowledge(args...); }, answer);
}

void EventSocket::OnAlive() {
  std::string user_id;
  {
    absl::MutexLock lock(&mu_);
    if (closed_ || !claims_) return;
    const absl::Time now = absl::Now();
    // Renew well before the presence entry expires, without a Redis call per frame.
    if (now - last_presence_ < handler_.presence_.ttl() / 3) return;
    last_presence_ = now;
    user_id = claims_->subject;
  }
  handler_.PresenceConnected(user_id, id_);
}

void EventSocket::OnClosed() {
  std::vector<std::string> channels;
  std::string user_id;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    closed_ = true;
    channels.swap(channels_);
    if (claims_) user_id = claims_->subject;
  }
  handler_.hub_.Unfollow(this, channels);
  handler_.Unregistered(this, user_id);
  if (!user_id.empty()) handler_.PresenceDisconnected(user_id, id_);
}

}  // namespace parta::gateway
