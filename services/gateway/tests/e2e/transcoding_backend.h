#pragma once

// A real gRPC server of parta.testing.v1.TranscodingTestService on 127.0.0.1:0 that answers
// with what it received (fields and metadata), so gateway tests can see the mapping.

#include <memory>

#include <grpcpp/grpcpp.h>

namespace parta::gateway::testing {

class TranscodingBackend {
 public:
  TranscodingBackend();
  ~TranscodingBackend();
  int port() const { return port_; }

 private:
  class Service;
  std::unique_ptr<Service> service_;
  std::unique_ptr<::grpc::Server> server_;
  int port_ = 0;
};

}  // namespace parta::gateway::testing
