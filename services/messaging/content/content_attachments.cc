#include "services/messaging/content/content_attachments.h"

#include "absl/container/flat_hash_set.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "libs/grpc/client.h"
#include "libs/grpc/status.h"

namespace parta::messaging {
namespace {

// A send waits for this answer: long enough for a busy content service, short enough that the
// author's retry (same request id) comes soon.
constexpr absl::Duration kTimeout = absl::Seconds(3);

absl::Status ContentUnavailable() {
  return Unavailable("CONTENT_UNAVAILABLE",
                     "the content service cannot check the attachments now; retry");
}

}  // namespace

ContentAttachments::ContentAttachments(std::shared_ptr<::grpc::Channel> content)
    : stub_(content ? content::v1::ContentService::NewStub(std::move(content)) : nullptr) {}

absl::Status ContentAttachments::Check(const std::string& bearer_token,
                                       const std::string& request_id,
                                       const std::vector<std::string>& version_ids) const {
  if (!stub_) {
    return FailedPrecondition("CONTENT_SERVICE_UNAVAILABLE",
                              "attachments cannot be checked: no content service is configured");
  }
  // Each version once: a message may name one twice, content describes it once.
  content::v1::DescribeAttachmentsRequest request;
  absl::flat_hash_set<std::string> pending;
  for (const std::string& id : version_ids) {
    if (pending.insert(id).second) request.add_version_ids(id);
  }
  content::v1::DescribeAttachmentsResponse response;
  auto context = grpc::MakeClientContext(
      {.timeout = kTimeout, .bearer_token = bearer_token, .request_id = request_id});
  const ::grpc::Status status = stub_->DescribeAttachments(context.get(), request, &response);
  if (!status.ok()) {
    absl::Status refused = grpc::FromGrpcStatus(status);
    // A refusal of content's carries its reason; anything else means content did not answer.
    if (refused.code() == absl::StatusCode::kUnavailable ||
        refused.code() == absl::StatusCode::kDeadlineExceeded || ReasonOf(refused).empty()) {
      log::Warning("content service did not check attachments")
          .With("code", static_cast<int>(refused.code()))
          .With("error", refused.message());
      return ContentUnavailable();
    }
    return refused;
  }
  for (const content::v1::Version& version : response.versions()) pending.erase(version.id());
  if (!pending.empty()) {
    // Content answers every version or refuses; an answer leaving one out is not trusted.
    log::Error("content service left attachments out of its answer")
        .With("missing", static_cast<int>(pending.size()));
    return ContentUnavailable();
  }
  return absl::OkStatus();
}

}  // namespace parta::messaging
