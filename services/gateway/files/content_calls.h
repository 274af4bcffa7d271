#pragma once

// The byte-level calls of parta.content.v1.ContentService the file transfers make, each
// asynchronous (gRPC's callback API: no thread waits), with the backend deadline and the
// caller's metadata (authorization, x-request-id, traceparent, x-forwarded-for) like every
// REST call. Shutdown cancels what is in flight and waits for the callbacks.

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "parta/content/v1/content.grpc.pb.h"

namespace parta::gateway {

// Who a call is made for.
struct CallerMetadata {
  std::string token;  // the verified bearer token; empty for a signed link alone
  std::string request_id;
  std::string traceparent;
  std::string client_address;
};

class ContentCalls {
 public:
  template <typename Response>
  using Done = std::function<void(absl::StatusOr<Response>)>;

  ContentCalls(std::shared_ptr<::grpc::Channel> channel, absl::Duration timeout);
  ~ContentCalls();

  void CreateUpload(const CallerMetadata& caller, content::v1::CreateUploadRequest request,
                    Done<content::v1::CreateUploadResponse> done);
  void GetUpload(const CallerMetadata& caller, content::v1::GetUploadRequest request,
                 Done<content::v1::GetUploadResponse> done);
  void AppendUpload(const CallerMetadata& caller, content::v1::AppendUploadRequest request,
                    Done<content::v1::AppendUploadResponse> done);
  void ConfirmUpload(const CallerMetadata& caller, content::v1::ConfirmUploadRequest request,
                     Done<content::v1::ConfirmUploadResponse> done);
  void CancelUpload(const CallerMetadata& caller, content::v1::CancelUploadRequest request,
                    Done<content::v1::CancelUploadResponse> done);
  void OpenDownload(const CallerMetadata& caller, content::v1::OpenDownloadRequest request,
                    Done<content::v1::OpenDownloadResponse> done);
  void ReadContent(const CallerMetadata& caller, content::v1::ReadContentRequest request,
                   Done<content::v1::ReadContentResponse> done);

  // Cancels the calls in flight and waits until each callback has run; later calls fail at
  // once with UNAVAILABLE (SHUTTING_DOWN).
  void Shutdown();

 private:
  template <typename Request, typename Response, typename Start>
  void Call(const CallerMetadata& caller, Request request, Done<Response> done, Start start);

  std::unique_ptr<content::v1::ContentService::Stub> stub_;
  const absl::Duration timeout_;
  absl::Mutex mu_;
  absl::flat_hash_set<::grpc::ClientContext*> calls_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace parta::gateway
