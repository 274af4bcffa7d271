#pragma once

// Asks the content service whether an author may attach content versions to a message
// (parta.content.v1.ContentService/DescribeAttachments), with the author's own token: content
// decides by what he may read and whether each version may be served. A send makes this call
// before it takes its chat's lock, never under it.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "parta/content/v1/content.grpc.pb.h"

namespace parta::messaging {

class ContentAttachments {
 public:
  // `content` null: no content service is configured, and every attachment is refused with
  // FAILED_PRECONDITION `CONTENT_SERVICE_UNAVAILABLE`.
  explicit ContentAttachments(std::shared_ptr<::grpc::Channel> content);

  // OK when content describes every version for the bearer of `bearer_token`. Content's
  // refusals come back with their codes and reasons (NOT_FOUND `VERSION_NOT_FOUND`,
  // FAILED_PRECONDITION `VERSION_QUARANTINED`, …); content out of reach, or answering without a
  // reason, is UNAVAILABLE `CONTENT_UNAVAILABLE`. Blocks for one RPC (3 s at most).
  absl::Status Check(const std::string& bearer_token, const std::string& request_id,
                     const std::vector<std::string>& version_ids) const;

 private:
  std::unique_ptr<content::v1::ContentService::Stub> stub_;  // null: no content service
};

}  // namespace parta::messaging
