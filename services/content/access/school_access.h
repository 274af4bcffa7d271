#pragma once

// What schools allow, as the directory answers for the caller (asked with his own token):
// reading a school (its members), publishing in its library (its teachers and admins), and
// exporting a child's data (his confirmed parents).

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "parta/directory/v1/directory.grpc.pb.h"

namespace parta::content {

class SchoolAccess {
 public:
  virtual ~SchoolAccess() = default;
  // Whether the bearer of `token` may do `permission` on `resource` ("schools/{id}",
  // "schools/{id}/members/{id}"). UNAVAILABLE `DIRECTORY_UNAVAILABLE` when the directory does
  // not answer.
  virtual absl::StatusOr<bool> AllowedOn(const std::string& token, const std::string& resource,
                                         const std::string& permission) = 0;
  // AllowedOn the school ("school.read", "school.library.publish").
  absl::StatusOr<bool> Allowed(const std::string& token, const std::string& school_id,
                               const std::string& permission) {
    return AllowedOn(token, "schools/" + school_id, permission);
  }
};

class DirectorySchoolAccess final : public SchoolAccess {
 public:
  explicit DirectorySchoolAccess(std::string address) : address_(std::move(address)) {}
  absl::StatusOr<bool> AllowedOn(const std::string& token, const std::string& resource,
                                 const std::string& permission) override;

 private:
  const std::string address_;
  std::once_flag once_;
  std::unique_ptr<directory::v1::DirectoryService::Stub> stub_;
};

}  // namespace parta::content
