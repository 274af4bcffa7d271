#pragma once

// What the other services hold about a person, for his data export: identity's account,
// sessions and account audit; the directory's memberships, parent links and consents;
// messaging's chats, messages, reactions and votes. Asked with content's own service token
// (scopes identity.accounts.export, directory.people.export, messaging.people.export).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "parta/api/v1/export.pb.h"

namespace parta::content {

class PersonDataSources {
 public:
  virtual ~PersonDataSources() = default;
  // Every service's files, identity's first. NOT_FOUND `PERSON_NOT_FOUND` when identity knows no
  // such account; UNAVAILABLE `IDENTITY_UNAVAILABLE`, `DIRECTORY_UNAVAILABLE`,
  // `MESSAGING_UNAVAILABLE` when one does not answer.
  virtual absl::StatusOr<std::vector<api::v1::ExportFile>> Gather(
      const std::string& person_id) = 0;
};

class GrpcPersonDataSources final : public PersonDataSources {
 public:
  using TokenSource = std::function<absl::StatusOr<std::string>()>;

  GrpcPersonDataSources(std::shared_ptr<::grpc::Channel> identity,
                        std::string directory_address,
                        std::function<std::string()> messaging_address, TokenSource token)
      : identity_(std::move(identity)),
        directory_address_(std::move(directory_address)),
        messaging_address_(std::move(messaging_address)),
        token_(std::move(token)) {}

  absl::StatusOr<std::vector<api::v1::ExportFile>> Gather(const std::string& person_id) override;

 private:
  std::shared_ptr<::grpc::Channel> identity_;
  const std::string directory_address_;
  const std::function<std::string()> messaging_address_;
  const TokenSource token_;
};

}  // namespace parta::content
