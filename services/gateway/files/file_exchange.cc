#include "services/gateway/files/file_exchange.h"

#include <utility>

#include "libs/core/log.h"
#include "services/gateway/rest/rest_handler.h"

namespace parta::gateway {

FileExchange::FileExchange(HttpRequest request, std::shared_ptr<TransferExchange> transfer,
                           CallerMetadata caller, Duties duties)
    : request_(std::move(request)),
      transfer_(std::move(transfer)),
      caller_(std::move(caller)),
      duties_(duties) {}

FileExchange::~FileExchange() {
  // Ended without an answer: the client went away (or a read failed) before one was due.
  if (!recorded_) Record(kClientClosedRequest);
}

void FileExchange::AddCommonHeader(std::string name, std::string value) {
  common_headers_.emplace_back(std::move(name), std::move(value));
}

void FileExchange::Decorate(HttpResponse& response) const {
  // The security headers are the server's: it adds them to every answer.
  response.headers.emplace_back("x-request-id", caller_.request_id);
  for (const auto& header : common_headers_) response.headers.push_back(header);
  duties_.cors.Decorate(request_.origin, response, kExposedFileHeaders);
}

void FileExchange::Respond(HttpResponse response) {
  Decorate(response);
  Record(response.status);
  transfer_->Respond(std::move(response));
}

void FileExchange::Fail(const absl::Status& status, int http_status) {
  Respond(ErrorResponse(status, caller_.request_id, http_status));
}

void FileExchange::StartResponse(HttpResponse head, uint64_t content_length,
                                 TransferExchange::WriteDone done) {
  Decorate(head);
  Record(head.status);
  transfer_->StartResponse(std::move(head), content_length, std::move(done));
}

void FileExchange::RecordAbandoned() { Record(kClientClosedRequest); }

void FileExchange::Record(int status) {
  if (recorded_) return;
  recorded_ = true;
  const absl::Duration latency = absl::Now() - start_;
  duties_.metrics.CountRequest(route_label_, status, latency);
  if (duties_.access_log) {
    // The path, never the query string (a signed link is a secret); the subject, never a token.
    log::Info("http")
        .With("method", request_.method)
        .With("path", request_.path())
        .With("route", route_label_)
        .With("status", status)
        .With("ms", absl::ToDoubleMilliseconds(latency))
        .With("request_id", caller_.request_id)
        .With("client", caller_.client_address)
        .With("user", subject_);
  }
}

}  // namespace parta::gateway
