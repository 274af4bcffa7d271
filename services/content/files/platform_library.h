#pragma once

// The platform library («Библиотека ЦОК»): owners offer items, library editors (named by
// operators) publish or reject them, everyone signed in searches what is published and reports
// what is wrong, and editors resolve the reports.

#include <string>

#include "absl/status/statusor.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "libs/grpc/call.h"
#include "parta/content/v1/content.pb.h"
#include "services/content/store/content_store.h"
#include "services/content/store/platform_store.h"

namespace parta::content {

class PlatformLibrary {
 public:
  PlatformLibrary(ContentStore& items, PlatformStore& store, const Clock& clock, IdGenerator& ids)
      : items_(items), store_(store), clock_(clock), ids_(ids) {}

  absl::StatusOr<v1::Item> Submit(const std::string& caller, const std::string& item_id);
  absl::StatusOr<v1::Item> Withdraw(const std::string& caller, const std::string& item_id);
  absl::StatusOr<v1::SearchPlatformLibraryResponse> Search(
      const std::string& caller, const v1::SearchPlatformLibraryRequest& req);

  // For editors.
  absl::StatusOr<v1::ListPlatformSubmissionsResponse> ListSubmissions(
      const std::string& caller, const v1::ListPlatformSubmissionsRequest& req);
  absl::StatusOr<v1::Item> Review(const std::string& caller,
                                  const v1::ReviewPlatformSubmissionRequest& req);
  absl::StatusOr<v1::ListItemReportsResponse> ListReports(const std::string& caller,
                                                          const v1::ListItemReportsRequest& req);
  absl::StatusOr<v1::ItemReport> Resolve(const std::string& caller,
                                         const v1::ResolveItemReportRequest& req);

  absl::StatusOr<v1::ItemReport> Report(const std::string& caller,
                                        const v1::ReportItemRequest& req);

  // For operators (the caller's token says whether he is one).
  absl::Status GrantEditor(const grpc::CallContext& call, const std::string& user_id);
  absl::Status RevokeEditor(const grpc::CallContext& call, const std::string& user_id);

 private:
  static v1::Item ForEditor(v1::Item item);
  absl::Status CheckEditor(const std::string& caller);

  ContentStore& items_;
  PlatformStore& store_;
  const Clock& clock_;
  IdGenerator& ids_;
};

}  // namespace parta::content
