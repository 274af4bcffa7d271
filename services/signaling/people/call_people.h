#pragma once

// The people around a call as the rest of Parta knows them: whether someone administers the
// call's school and the school's time zone (directory, asked with the caller's own token), and
// people's display names (identity, asked with the service's own token).

#include <functional>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "parta/directory/v1/directory.grpc.pb.h"
#include "parta/identity/v1/identity.grpc.pb.h"

namespace parta::signaling {

class CallPeople {
 public:
  using TokenSource = std::function<absl::StatusOr<std::string>()>;

  CallPeople(std::shared_ptr<::grpc::Channel> directory,
             std::shared_ptr<::grpc::Channel> identity, TokenSource service_tokens);
  virtual ~CallPeople() = default;

  // Whether the caller (`bearer`, his token) administers the school. UNAVAILABLE
  // `DIRECTORY_UNAVAILABLE` when the directory does not answer.
  virtual absl::StatusOr<bool> AdministersSchool(const std::string& bearer,
                                                 const std::string& school_id);
  // The school's IANA time zone, as the caller may read it.
  virtual absl::StatusOr<std::string> SchoolTimeZone(const std::string& bearer,
                                                     const std::string& school_id);
  // A person's display name; empty when his account is gone. UNAVAILABLE
  // `IDENTITY_UNAVAILABLE` when identity does not answer.
  virtual absl::StatusOr<std::string> DisplayName(const std::string& user_id);

 private:
  std::unique_ptr<directory::v1::DirectoryService::Stub> directory_;
  std::unique_ptr<identity::v1::IdentityService::Stub> identity_;
  TokenSource service_tokens_;
};

}  // namespace parta::signaling
