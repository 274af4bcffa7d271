#include "services/gateway/linked_services.h"

#include "parta/content/v1/content.pb.h"
#include "parta/directory/v1/directory.pb.h"
#include "parta/gateway/v1/presence.pb.h"
#include "parta/identity/v1/identity.pb.h"
#include "parta/messaging/v1/messaging.pb.h"
#include "parta/signaling/v1/signaling.pb.h"
#include "parta/testing/v1/echo.pb.h"
#include "parta/testing/v1/transcoding.pb.h"

namespace parta::gateway {

std::vector<const google::protobuf::ServiceDescriptor*> LinkedServices() {
  // A message of each file is named so that the linker keeps the file's descriptor.
  const google::protobuf::FileDescriptor* files[] = {
      identity::v1::GetMeRequest::descriptor()->file(),
      directory::v1::GetSchoolRequest::descriptor()->file(),
      messaging::v1::GetChatRequest::descriptor()->file(),
      signaling::v1::GetCallRequest::descriptor()->file(),
      content::v1::GetItemRequest::descriptor()->file(),
      // The gateway's own API (backend "gateway", served in-process).
      gateway::v1::GetPresenceRequest::descriptor()->file(),
      // Test services: routed only where a `testing` backend is configured (tests, benchmarks).
      testing::v1::PublicEchoRequest::descriptor()->file(),
      testing::v1::GetClassRequest::descriptor()->file(),
  };
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const google::protobuf::FileDescriptor* file : files) {
    for (int i = 0; i < file->service_count(); ++i) services.push_back(file->service(i));
  }
  return services;
}

}  // namespace parta::gateway
