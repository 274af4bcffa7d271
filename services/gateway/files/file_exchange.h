#pragma once

// One file transfer request as the tus and download handlers see it: the plain request, the
// streamed exchange, who asks (request id, trace, client address, verified token and subject)
// and the answer's common duties: `x-request-id`, CORS for listed origins (exposing the
// transfer headers), the request counted in the metrics by route template, and the access log
// line. An answer is recorded once, when its head goes out (or when the client goes away).

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/gateway/files/content_calls.h"
#include "services/gateway/gateway_metrics.h"
#include "services/gateway/http/transfer.h"
#include "services/gateway/rest/cors_policy.h"

namespace parta::gateway {

// What every file answer exposes to scripts of allowed origins.
inline constexpr absl::string_view kExposedFileHeaders =
    "Upload-Offset, Location, Upload-Length, Tus-Version, Tus-Resumable, Tus-Max-Size, "
    "Tus-Extension, Upload-Metadata, Upload-Expires, Parta-Item-Id, Parta-Version-Id, "
    "Content-Range, Content-Disposition, Content-Length, ETag, Accept-Ranges";

// The HTTP status the access log and metrics record for a client that went away midway.
inline constexpr int kClientClosedRequest = 499;

class FileExchange {
 public:
  struct Duties {
    const CorsPolicy& cors;
    GatewayMetrics& metrics;
    bool access_log = true;
  };
  FileExchange(HttpRequest request, std::shared_ptr<TransferExchange> transfer,
               CallerMetadata caller, Duties duties);
  ~FileExchange();

  const HttpRequest& request() const { return request_; }
  TransferExchange& transfer() { return *transfer_; }
  const CallerMetadata& caller() const { return caller_; }
  CallerMetadata& mutable_caller() { return caller_; }
  const std::string& request_id() const { return caller_.request_id; }

  // Set once known: the route's template for metrics ("PATCH /v1/uploads/{id}"), the subject.
  void set_route_label(std::string label) { route_label_ = std::move(label); }
  void set_subject(std::string subject) { subject_ = std::move(subject); }
  const std::string& subject() const { return subject_; }

  // Headers every answer of this exchange carries (Tus-Resumable on tus answers).
  void AddCommonHeader(std::string name, std::string value);

  void Respond(HttpResponse response);
  // The standard error answer for `status` (`http_status` replaces the table's code).
  void Fail(const absl::Status& status, int http_status = 0);
  void StartResponse(HttpResponse head, uint64_t content_length, TransferExchange::WriteDone done);
  // The client went away or the answer was cut short: recorded, nothing sent.
  void RecordAbandoned();

 private:
  void Decorate(HttpResponse& response) const;
  void Record(int status);

  HttpRequest request_;
  std::shared_ptr<TransferExchange> transfer_;
  CallerMetadata caller_;
  Duties duties_;
  absl::Time start_ = absl::Now();
  std::string route_label_ = "unmatched";
  std::string subject_;
  std::vector<std::pair<std::string, std::string>> common_headers_;
  bool recorded_ = false;
};

}  // namespace parta::gateway
