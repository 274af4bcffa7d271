#include "services/directory/tests/api/directory_with_identity.h"

#include "absl/strings/str_cat.h"

namespace parta::directory::testing {

DirectoryWithIdentity StartDirectoryWithIdentity(
    const std::function<void(identity::IdentityConfig&)>& adjust_identity) {
  DirectoryWithIdentity services;
  services.identity = identity::testing::IdentityFixture::Start(adjust_identity);
  if (!services.identity) return services;
  identity::testing::IdentityFixture::ServiceClient client =
      services.identity->CreateServiceClient("directory");
  const int port = services.identity->app().grpc_port();
  services.directory = DirectoryFixture::Start([&](DirectoryConfig& config) {
    config.identity_address = absl::StrCat("127.0.0.1:", port);
    config.identity_client_id = client.id;
    config.identity_client_secret = client.secret;
  });
  return services;
}

}  // namespace parta::directory::testing
