#include "services/content/exports/person_data_sources.h"

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "libs/grpc/client.h"
#include "libs/grpc/status.h"
#include "parta/directory/v1/directory.grpc.pb.h"
#include "parta/identity/v1/identity.grpc.pb.h"
#include "parta/messaging/v1/messaging.grpc.pb.h"

namespace parta::content {
namespace {

// A page of messages takes longer than a permission check.
constexpr absl::Duration kExportCallTimeout = absl::Seconds(60);

// A failed call: UNAVAILABLE `<SERVICE>_UNAVAILABLE` when the service did not answer, its own
// error otherwise.
absl::Status CallFailed(absl::string_view service, const ::grpc::Status& status) {
  if (status.error_code() == ::grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == ::grpc::StatusCode::DEADLINE_EXCEEDED) {
    return Unavailable(absl::StrCat(service, "_UNAVAILABLE"),
                       absl::StrCat(service, " did not answer: ", status.error_message()));
  }
  return grpc::FromGrpcStatus(status);
}

template <typename Response>
void Append(Response& response, std::vector<api::v1::ExportFile>& files) {
  for (api::v1::ExportFile& file : *response.mutable_files()) files.push_back(std::move(file));
}

}  // namespace

absl::StatusOr<std::vector<api::v1::ExportFile>> GrpcPersonDataSources::Gather(
    const std::string& person_id) {
  ASSIGN_OR_RETURN(const std::string token, token_());
  const grpc::OutgoingCall call{.timeout = kExportCallTimeout, .bearer_token = token};
  std::vector<api::v1::ExportFile> files;

  identity::v1::ExportAccountDataRequest account_request;
  account_request.set_account_id(person_id);
  identity::v1::ExportAccountDataResponse account;
  const ::grpc::Status identity_status =
      identity::v1::IdentityService::NewStub(identity_)->ExportAccountData(
          grpc::MakeClientContext(call).get(), account_request, &account);
  if (identity_status.error_code() == ::grpc::StatusCode::NOT_FOUND) {
    return NotFound("PERSON_NOT_FOUND", "identity knows no such account");
  }
  if (!identity_status.ok()) return CallFailed("IDENTITY", identity_status);
  Append(account, files);

  directory::v1::ExportPersonDataRequest person_request;
  person_request.set_person_id(person_id);
  directory::v1::ExportPersonDataResponse person;
  const ::grpc::Status directory_status =
      directory::v1::DirectoryService::NewStub(grpc::MakeChannel(directory_address_))
          ->ExportPersonData(grpc::MakeClientContext(call).get(), person_request, &person);
  if (!directory_status.ok()) return CallFailed("DIRECTORY", directory_status);
  Append(person, files);

  const auto messaging =
      messaging::v1::MessagingService::NewStub(grpc::MakeChannel(messaging_address_()));
  messaging::v1::ExportAuthorDataRequest page_request;
  page_request.set_person_id(person_id);
  do {
    messaging::v1::ExportAuthorDataResponse page;
    const ::grpc::Status status =
        messaging->ExportAuthorData(grpc::MakeClientContext(call).get(), page_request, &page);
    if (!status.ok()) return CallFailed("MESSAGING", status);
    Append(page, files);
    page_request.set_page_token(page.next_page_token());
  } while (!page_request.page_token().empty());
  return files;
}

}  // namespace parta::content
