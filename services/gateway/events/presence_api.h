#pragma once

// parta.gateway.v1.PresenceService, served by the gateway itself: the presence of the users
// the caller may see. Until the directory's visibility table exists, a caller sees only
// himself; everyone else comes back as not visible.

#include "libs/core/executor.h"
#include "services/gateway/events/presence_store.h"
#include "services/gateway/rest/rest_handler.h"

namespace parta::gateway {

class PresenceApi final : public LocalBackend {
 public:
  static constexpr int kMaxUsers = 200;

  PresenceApi(PresenceStore& store, BoundedExecutor& worker) : store_(store), worker_(worker) {}

  void Call(const Route& route, std::unique_ptr<google::protobuf::Message> request,
            const std::string& subject, Done done) override;

 private:
  PresenceStore& store_;
  BoundedExecutor& worker_;
};

}  // namespace parta::gateway
