#include "services/gateway/rest/backends.h"

#include "libs/grpc/client.h"

namespace parta::gateway {

Backends::Backends(const absl::flat_hash_map<std::string, std::string>& targets) {
  for (const auto& [name, target] : targets) {
    Backend backend;
    backend.channel = grpc::MakeChannel(target);
    backend.stub = std::make_unique<::grpc::GenericStub>(backend.channel);
    backends_.emplace(name, std::move(backend));
  }
}

::grpc::GenericStub* Backends::Stub(absl::string_view backend) {
  auto it = backends_.find(backend);
  return it == backends_.end() ? nullptr : it->second.stub.get();
}

std::shared_ptr<::grpc::Channel> Backends::Channel(absl::string_view backend) {
  auto it = backends_.find(backend);
  return it == backends_.end() ? nullptr : it->second.channel;
}

}  // namespace parta::gateway
