#include "services/gateway/files/file_transfers.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/grpc/call.h"
#include "services/gateway/files/tus_headers.h"
#include "services/gateway/rest/request_identity.h"

namespace parta::gateway {
namespace {

constexpr absl::string_view kUploadsPath = "/v1/uploads";
constexpr absl::string_view kFilesPrefix = "/v1/files/";

// One path segment of an id: not empty, no further segments.
bool IsSegment(absl::string_view text) {
  return !text.empty() && text.find('/') == absl::string_view::npos;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A query parameter's value, percent-decoded ("" when absent). `+` stays as it is: link tokens
// are URL-safe and never use it for a space.
std::string QueryValue(absl::string_view query, absl::string_view name) {
  for (absl::string_view pair : absl::StrSplit(query, '&')) {
    const size_t equals = pair.find('=');
    if (pair.substr(0, equals) != name || equals == absl::string_view::npos) continue;
    const absl::string_view raw = pair.substr(equals + 1);
    std::string decoded;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '%' && i + 2 < raw.size() && HexValue(raw[i + 1]) >= 0 &&
          HexValue(raw[i + 2]) >= 0) {
        decoded.push_back(static_cast<char>(HexValue(raw[i + 1]) * 16 + HexValue(raw[i + 2])));
        i += 2;
      } else {
        decoded.push_back(raw[i]);
      }
    }
    return decoded;
  }
  return std::string();
}

Route RateRoute(const char* method) {
  Route route;
  route.http_method = method;
  route.access = api::v1::ACCESS_USER;
  return route;
}

}  // namespace

FileTransfers::FileTransfers(std::shared_ptr<::grpc::Channel> content, Authenticator& authenticator,
                             Admission* admission, GatewayMetrics& metrics,
                             FileTransferOptions options)
    : options_(std::move(options)),
      cors_(options_.cors_origins),
      authenticator_(authenticator),
      admission_(admission),
      metrics_(metrics),
      content_(std::move(content), options_.backend_timeout),
      local_blobs_(options_.content_store_dir.empty()
                       ? nullptr
                       : std::make_unique<LocalBlobs>(options_.content_store_dir)),
      uploads_(content_, cors_, options_.max_file_bytes),
      downloads_(content_, local_blobs_.get(), cors_),
      write_route_(RateRoute("PATCH")),
      read_route_(RateRoute("GET")) {}

FileTransfers::~FileTransfers() { Shutdown(); }

void FileTransfers::Shutdown() { content_.Shutdown(); }

FileTransfers::Match FileTransfers::MatchPath(absl::string_view path) {
  if (path == kUploadsPath) return {Target::kUploads, ""};
  absl::string_view rest = path;
  if (absl::ConsumePrefix(&rest, kUploadsPath) && absl::ConsumePrefix(&rest, "/") &&
      IsSegment(rest)) {
    return {Target::kUpload, std::string(rest)};
  }
  rest = path;
  if (absl::ConsumePrefix(&rest, kFilesPrefix) && IsSegment(rest)) {
    return {Target::kFile, std::string(rest)};
  }
  return {};
}

bool FileTransfers::IsTransfer(absl::string_view method, absl::string_view path) const {
  switch (MatchPath(path).target) {
    case Target::kUploads:
      return method == "POST" || method == "OPTIONS";
    case Target::kUpload:
      return method == "HEAD" || method == "PATCH" || method == "DELETE" || method == "OPTIONS";
    case Target::kFile:
      return method == "GET" || method == "HEAD" || method == "OPTIONS";
    case Target::kNone:
      return false;
  }
  return false;
}

void FileTransfers::HandleTransfer(HttpRequest request,
                                   std::shared_ptr<TransferExchange> transfer) {
  const absl::Time now = absl::Now();
  CallerMetadata caller;
  caller.request_id = IsSaneRequestId(request.request_id) ? request.request_id : NewRequestId(now);
  caller.traceparent =
      IsValidTraceparent(request.traceparent) ? request.traceparent : NewTraceparent();
  caller.client_address =
      grpc::ClientAddress(request.peer_address, request.forwarded_for, options_.trusted_proxies);
  const Match match = MatchPath(request.path());
  auto exchange = std::make_shared<FileExchange>(
      std::move(request), std::move(transfer), std::move(caller),
      FileExchange::Duties{.cors = cors_, .metrics = metrics_, .access_log = options_.access_log});
  const HttpRequest& http = exchange->request();
  const std::string method = http.method;
  switch (match.target) {
    case Target::kUploads:
      exchange->set_route_label(absl::StrCat(method, " /v1/uploads"));
      break;
    case Target::kUpload:
      exchange->set_route_label(absl::StrCat(method, " /v1/uploads/{id}"));
      break;
    case Target::kFile:
      exchange->set_route_label(absl::StrCat(method, " /v1/files/{version_id}"));
      break;
    case Target::kNone:
      return exchange->Fail(NotFound("ROUTE_NOT_FOUND", "no route"));
  }
  const bool tus = match.target != Target::kFile;
  if (tus) exchange->AddCommonHeader("Tus-Resumable", std::string(kTusVersion));
  if (method == "OPTIONS") {
    return tus ? uploads_.Options(exchange) : downloads_.Options(exchange);
  }
  if (tus && !uploads_.CheckVersion(exchange)) return;

  const std::string link = tus ? std::string() : QueryValue(http.query(), "link");
  absl::StatusOr<std::optional<std::string>> token = BearerToken(http.authorization);
  if (!token.ok()) return exchange->Fail(token.status());
  if (!token->has_value()) {
    if (tus || link.empty()) {
      return exchange->Fail(Unauthenticated("TOKEN_REQUIRED", "sign in first"));
    }
    return Dispatch(exchange, match, link);  // the signed link is checked by the service
  }
  exchange->mutable_caller().token = **token;
  authenticator_.Authenticate(
      **std::move(token), [this, exchange, match, link, tus](absl::StatusOr<auth::Claims> claims) {
        if (!claims.ok()) return exchange->Fail(claims.status());
        if (tus && claims->IsService()) {
          return exchange->Fail(
              PermissionDenied("USER_TOKEN_REQUIRED", "uploads are made by a signed-in person"));
        }
        exchange->set_subject(claims->subject);
        Dispatch(exchange, match, link);
      });
}

void FileTransfers::Dispatch(const std::shared_ptr<FileExchange>& exchange, const Match& match,
                             const std::string& link) {
  const std::string& method = exchange->request().method;
  const bool reads = method == "GET" || method == "HEAD";
  if (admission_ != nullptr) {
    absl::Status admitted = admission_->Admit(
        reads ? read_route_ : write_route_, exchange->subject(), exchange->caller().client_address);
    if (!admitted.ok()) return exchange->Fail(admitted);
  }
  switch (match.target) {
    case Target::kUploads:
      return uploads_.Create(exchange);
    case Target::kUpload:
      if (method == "HEAD") return uploads_.Head(exchange, match.id);
      if (method == "PATCH") return uploads_.Patch(exchange, match.id);
      return uploads_.Terminate(exchange, match.id);
    case Target::kFile:
      return downloads_.Download(exchange, match.id, link,
                                 QueryValue(exchange->request().query(), "rendition"));
    case Target::kNone:
      return;
  }
}

}  // namespace parta::gateway
