#include "services/gateway/events/presence_api.h"

#include <utility>

#include "libs/core/status.h"
#include "parta/gateway/v1/presence.pb.h"

namespace parta::gateway {

void PresenceApi::Call(const Route& route, std::unique_ptr<google::protobuf::Message> request,
                       const std::string& subject, Done done) {
  auto* asked = dynamic_cast<v1::GetPresenceRequest*>(request.get());
  if (route.method->full_name() != "parta.gateway.v1.PresenceService.GetPresence" ||
      asked == nullptr) {
    return done(Error(absl::StatusCode::kUnimplemented, "UNIMPLEMENTED",
                      "the gateway does not serve " + route.method->full_name()));
  }
  if (asked->user_ids_size() > kMaxUsers) {
    return done(InvalidArgument("TOO_MANY_USERS", "ask for at most 200 users at a time"));
  }
  std::vector<std::string> users(asked->user_ids().begin(), asked->user_ids().end());
  auto shared_done = std::make_shared<Done>(std::move(done));
  const bool queued = worker_.TrySubmit([this, users = std::move(users), subject, shared_done] {
    // The visibility rule: only the caller himself, until the directory answers for others.
    std::vector<std::string> visible;
    for (const std::string& user : users) {
      if (user == subject) visible.push_back(user);
    }
    absl::StatusOr<std::vector<UserPresence>> presences = store_.Get(visible);
    if (!presences.ok()) {
      return (*shared_done)(Unavailable("REDIS_UNAVAILABLE", "presence cannot be read now"));
    }
    auto response = std::make_unique<v1::GetPresenceResponse>();
    size_t next_visible = 0;
    for (const std::string& user : users) {
      v1::Presence& presence = *response->add_presences();
      presence.set_user_id(user);
      if (user != subject) continue;
      const UserPresence& found = (*presences)[next_visible++];
      presence.set_visible(true);
      presence.set_online(found.online);
      if (found.online) {
        presence.mutable_online_until()->set_seconds(absl::ToUnixSeconds(found.online_until));
      }
    }
    (*shared_done)(std::unique_ptr<google::protobuf::Message>(std::move(response)));
  });
  if (!queued) {
    (*shared_done)(WithRetryAfter(Unavailable("OVERLOADED", "the gateway is overloaded"),
                                  absl::Seconds(1)));
  }
}

}  // namespace parta::gateway
