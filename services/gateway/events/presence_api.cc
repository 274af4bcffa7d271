#include "services/gateway/events/presence_api.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "libs/core/status.h"
#include "libs/grpc/client.h"
#include "libs/grpc/status.h"
#include "parta/gateway/v1/presence.pb.h"

namespace parta::gateway {

PresenceApi::PresenceApi(PresenceStore& store, BoundedExecutor& worker,
                         std::shared_ptr<::grpc::Channel> directory)
    : store_(store), worker_(worker) {
  if (directory) directory_ = parta::directory::v1::DirectoryService::NewStub(directory);
}

absl::StatusOr<std::vector<std::string>> PresenceApi::Visible(
    const std::string& subject, const std::string& token, const std::string& school_id,
    const std::vector<std::string>& users) {
  std::vector<std::string> visible;
  if (school_id.empty()) {
    for (const std::string& user : users) {
      if (user == subject) visible.push_back(user);
    }
    return visible;
  }
  if (!directory_) {
    return Unavailable("DIRECTORY_UNAVAILABLE", "the directory service is not configured");
  }
  parta::directory::v1::FilterVisibleMembersRequest request;
  request.set_school_id(school_id);
  request.set_permission("member.see_presence");
  for (const std::string& user : users) request.add_user_ids(user);
  parta::directory::v1::FilterVisibleMembersResponse response;
  auto context = grpc::MakeClientContext({.timeout = absl::Seconds(3), .bearer_token = token});
  ::grpc::Status status = directory_->FilterVisibleMembers(context.get(), request, &response);
  if (!status.ok()) {
    absl::Status failed = grpc::FromGrpcStatus(status);
    if (failed.code() == absl::StatusCode::kUnavailable ||
        failed.code() == absl::StatusCode::kDeadlineExceeded) {
      return Unavailable("DIRECTORY_UNAVAILABLE", "the directory cannot answer now");
    }
    return failed;  // SCHOOL_NOT_FOUND and the like are the caller's to see
  }
  visible.assign(response.user_ids().begin(), response.user_ids().end());
  return visible;
}

void PresenceApi::Call(const Route& route, std::unique_ptr<google::protobuf::Message> request,
                       const std::string& subject, const std::string& token, Done done) {
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
  const bool queued = worker_.TrySubmit([this, users = std::move(users), subject, token,
                                         school_id = asked->school_id(), shared_done] {
    absl::StatusOr<std::vector<std::string>> allowed = Visible(subject, token, school_id, users);
    if (!allowed.ok()) return (*shared_done)(allowed.status());
    absl::flat_hash_set<std::string> visible_set(allowed->begin(), allowed->end());
    std::vector<std::string> visible;
    for (const std::string& user : users) {
      if (visible_set.contains(user)) visible.push_back(user);
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
      if (!visible_set.contains(user)) continue;
      const UserPresence& found = (*presences)[next_visible++];
      presence.set_visible(true);
      presence.set_online(found.online);
      if (found.online) {
        presence.mutable_online_expire_time()->set_seconds(
            absl::ToUnixSeconds(found.online_expire_time));
      }
    }
    (*shared_done)(std::unique_ptr<google::protobuf::Message>(std::move(response)));
  });
  if (!queued) {
    (*shared_done)(
        WithRetryAfter(Unavailable("OVERLOADED", "the gateway is overloaded"), absl::Seconds(1)));
  }
}

}  // namespace parta::gateway
