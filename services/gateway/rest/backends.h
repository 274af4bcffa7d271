#pragma once

// The gRPC channels to the services behind the gateway, by short name ("identity"). Calls are
// generic: the gateway serialises the request message itself, so it needs no generated stub.

#include <memory>
#include <string>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace parta::gateway {

class Backends {
 public:
  // Short name → target ("127.0.0.1:7101", "dns:///identity:7101").
  explicit Backends(const absl::flat_hash_map<std::string, std::string>& targets);

  // Null when no such backend is configured.
  ::grpc::GenericStub* Stub(absl::string_view backend);
  std::shared_ptr<::grpc::Channel> Channel(absl::string_view backend);

  bool Has(absl::string_view backend) const { return backends_.contains(backend); }

 private:
  struct Backend {
    std::shared_ptr<::grpc::Channel> channel;
    std::unique_ptr<::grpc::GenericStub> stub;
  };
  absl::flat_hash_map<std::string, Backend> backends_;
};

}  // namespace parta::gateway
