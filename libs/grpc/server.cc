#include "libs/grpc/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "libs/core/port_file.h"
#include "libs/core/status.h"
#include "libs/grpc/interceptors.h"
#include "libs/grpc/transport_security.h"

namespace parta::grpc {

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const ServerOptions& options, const std::vector<::grpc::Service*>& services,
    std::shared_ptr<prometheus::Registry> registry) {
  ::grpc::EnableDefaultHealthCheckService(true);
  ::grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  ::grpc::ServerBuilder builder;
  int port = 0;
  const TransportSecurity security = CurrentTransportSecurity();
  builder.AddListeningPort(options.listen_address, ServerCredentialsFor(security), &port);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  for (::grpc::Service* service : services) builder.RegisterService(service);
  std::vector<std::unique_ptr<::grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(MakeObservabilityInterceptorFactory(std::move(registry)));
  builder.experimental().SetInterceptorCreators(std::move(factories));
  std::unique_ptr<::grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    return Unavailable("LISTEN_FAILED",
                       absl::StrCat("cannot listen for gRPC on ", options.listen_address));
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  if (!options.port_file.empty()) WritePortFile(options.port_file, port);
  log::Info("grpc serving")
      .With("address", options.listen_address)
      .With("port", port)
      .With("tls", security.enabled());
  return std::unique_ptr<Server>(new Server(std::move(server), port));
}

Server::Server(std::unique_ptr<::grpc::Server> server, int port)
    : server_(std::move(server)), port_(port) {}

Server::~Server() { Shutdown(absl::ZeroDuration()); }

void Server::Shutdown(absl::Duration grace) {
  if (stopped_) return;
  stopped_ = true;
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
}

}  // namespace parta::grpc
