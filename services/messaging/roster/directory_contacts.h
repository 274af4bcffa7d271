#pragma once

// Asks the directory whether one person may contact another in a school (its visibility
// table's `member.contact`), with the service's own token: direct chats and groups follow it.

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "parta/directory/v1/directory.grpc.pb.h"

namespace parta::messaging {

class DirectoryContacts {
 public:
  using TokenSource = std::function<absl::StatusOr<std::string>()>;

  DirectoryContacts(std::shared_ptr<::grpc::Channel> directory, TokenSource tokens)
      : stub_(directory::v1::DirectoryService::NewStub(std::move(directory))),
        tokens_(std::move(tokens)) {}

  absl::StatusOr<bool> MayContact(const std::string& school_id, const std::string& subject,
                                  const std::string& user_id);

 private:
  std::unique_ptr<directory::v1::DirectoryService::Stub> stub_;
  const TokenSource tokens_;
};

}  // namespace parta::messaging
