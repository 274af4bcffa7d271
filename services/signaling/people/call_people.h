#pragma once

// The people around a call as the rest of Parta knows them: whether someone administers the
// call's school and the school itself (directory, asked with the caller's own token), people's
// display names and guest accounts (identity, asked with the service's own token).

#include <functional>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "parta/directory/v1/directory.grpc.pb.h"
#include "parta/identity/v1/identity.grpc.pb.h"

namespace parta::signaling {

// A guest account made for a guest link, with its session.
struct GuestAccount {
  std::string user_id;
  std::string access_token;
  std::string refresh_token;
  absl::Time expires_at;
};

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
  // The school as the caller may read it (its time zone, whether it allows guests).
  virtual absl::StatusOr<directory::v1::School> SchoolOf(const std::string& bearer,
                                                         const std::string& school_id);
  // A person's display name; empty when his account is gone. UNAVAILABLE
  // `IDENTITY_UNAVAILABLE` when identity does not answer.
  virtual absl::StatusOr<std::string> DisplayName(const std::string& user_id);
  // A guest account named `display_name` whose session ends after `valid_for`. INVALID_ARGUMENT
  // `INVALID_DISPLAY_NAME` as identity judges the name.
  virtual absl::StatusOr<GuestAccount> CreateGuest(const std::string& display_name,
                                                   absl::Duration valid_for);

 private:
  std::unique_ptr<directory::v1::DirectoryService::Stub> directory_;
  std::unique_ptr<identity::v1::IdentityService::Stub> identity_;
  TokenSource service_tokens_;
};

}  // namespace parta::signaling
