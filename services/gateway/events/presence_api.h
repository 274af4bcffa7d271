#pragma once

// parta.gateway.v1.PresenceService, served by the gateway itself: the presence of the users
// the caller may see. Who may see whom is the directory's (FilterVisibleMembers with
// `member.see_presence`, asked with the caller's own token, in the school the request names);
// without a school, a caller sees only himself.

#include <grpcpp/grpcpp.h>

#include <memory>

#include "libs/core/executor.h"
#include "parta/directory/v1/directory.grpc.pb.h"
#include "services/gateway/events/presence_store.h"
#include "services/gateway/rest/rest_handler.h"

namespace parta::gateway {

class PresenceApi final : public LocalBackend {
 public:
  static constexpr int kMaxUsers = 200;

  // `directory` null: no directory is configured (school-scoped requests are UNAVAILABLE).
  PresenceApi(PresenceStore& store, BoundedExecutor& worker,
              std::shared_ptr<::grpc::Channel> directory);

  void Call(const Route& route, std::unique_ptr<google::protobuf::Message> request,
            const std::string& subject, const std::string& token, Done done) override;

 private:
  // The caller and whom of `users` the directory lets him see in `school_id`.
  absl::StatusOr<std::vector<std::string>> Visible(const std::string& subject,
                                                   const std::string& token,
                                                   const std::string& school_id,
                                                   const std::vector<std::string>& users);

  PresenceStore& store_;
  BoundedExecutor& worker_;
  std::unique_ptr<parta::directory::v1::DirectoryService::Stub> directory_;
};

}  // namespace parta::gateway
