#include "services/content/files/platform_library.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/core/page_token.h"
#include "libs/core/status.h"
#include "services/content/domain/catalogue.h"
#include "services/content/domain/scan_state.h"
#include "services/content/domain/validation.h"

namespace parta::content {
namespace {

constexpr absl::string_view kPlatformSearch = "content.platform-library";
constexpr absl::string_view kSubmissionList = "content.platform-submissions";
constexpr absl::string_view kReportList = "content.item-reports";

int64_t MicrosOf(const google::protobuf::Timestamp& time) {
  return time.seconds() * 1000000 + time.nanos() / 1000;
}

}  // namespace

// What an editor sees of an offered item: its place in the platform library, not the owner's
// filing or his schools.
v1::Item PlatformLibrary::ForEditor(v1::Item item) {
  const v1::PlatformState state = item.platform_state();
  std::string reason = item.platform_reason();
  item = ForReader(std::move(item), "");
  item.set_platform_state(state);
  item.set_platform_reason(std::move(reason));
  return item;
}

absl::Status PlatformLibrary::CheckEditor(const std::string& caller) {
  ASSIGN_OR_RETURN(const bool editor, store_.IsEditor(caller));
  if (!editor) return PermissionDenied("EDITORS_ONLY", "only library editors review the library");
  return absl::OkStatus();
}

absl::StatusOr<v1::Item> PlatformLibrary::Submit(const std::string& caller,
                                                 const std::string& item_id) {
  RETURN_IF_ERROR(CheckId(item_id, "INVALID_ITEM_ID"));
  ASSIGN_OR_RETURN(const v1::Item item, items_.GetItem(item_id, caller));
  // Editors review what everyone will read: not what the scanner has not cleared.
  if (item.has_current_version()) {
    RETURN_IF_ERROR(CheckServableToAll(item.current_version().scan_state()));
  }
  // The catalogue is browsed by subject and filtered by age: an item without them is lost in it.
  if (item.subject().empty() || item.age_label() == v1::AGE_LABEL_UNSPECIFIED) {
    return FailedPrecondition("CATALOGUE_INCOMPLETE",
                              "give the item a subject and an age label before offering it");
  }
  return store_.Submit(item_id, caller, clock_.Now());
}

absl::StatusOr<v1::Item> PlatformLibrary::Withdraw(const std::string& caller,
                                                   const std::string& item_id) {
  RETURN_IF_ERROR(CheckId(item_id, "INVALID_ITEM_ID"));
  return store_.Withdraw(item_id, caller);
}

absl::StatusOr<v1::SearchPlatformLibraryResponse> PlatformLibrary::Search(
    const std::string& caller, const v1::SearchPlatformLibraryRequest& req) {
  RETURN_IF_ERROR(CheckQuery(req.query()));
  ASSIGN_OR_RETURN(const int page_size, PageSize(req.page_size(), 20, 100));
  // The page token is bound to the whole query: another query starts over.
  const std::string scope = absl::StrCat(req.query(), "|", req.subject(), "|", req.grade(), "|",
                                         req.max_age_label(), "|", req.kind());
  ASSIGN_OR_RETURN(const std::vector<std::string> key,
                   DecodePageToken(req.page_token(), kPlatformSearch, scope, 1));
  int offset = 0;
  if (!key.empty() && (!absl::SimpleAtoi(key[0], &offset) || offset < 0)) {
    return InvalidPageToken();
  }
  ASSIGN_OR_RETURN(
      std::vector<v1::Item> items,
      store_.Search({.query = req.query(),
                     .subject = req.subject(),
                     .grade = req.grade(),
                     .max_age_label = static_cast<int>(req.max_age_label()),
                     .kind = req.kind() == v1::ITEM_KIND_UNSPECIFIED ? "" : KindName(req.kind()),
                     .offset = offset,
                     .limit = page_size + 1}));
  v1::SearchPlatformLibraryResponse response;
  const bool more = static_cast<int>(items.size()) > page_size;
  if (more) items.resize(static_cast<size_t>(page_size));
  for (v1::Item& item : items) *response.add_items() = ForReader(std::move(item), caller);
  if (more) {
    response.set_next_page_token(
        EncodePageToken(kPlatformSearch, scope, {absl::StrCat(offset + page_size)}));
  }
  return response;
}

absl::StatusOr<v1::ListPlatformSubmissionsResponse> PlatformLibrary::ListSubmissions(
    const std::string& caller, const v1::ListPlatformSubmissionsRequest& req) {
  const v1::PlatformState state =
      req.state() == v1::PLATFORM_STATE_UNSPECIFIED ? v1::PLATFORM_STATE_SUBMITTED : req.state();
  const std::string state_name = PlatformStateName(state);
  if (state_name.empty()) return InvalidArgument("INVALID_STATE", "no such state");
  ASSIGN_OR_RETURN(const int page_size, PageSize(req.page_size(), 50, 100));
  ASSIGN_OR_RETURN(const std::vector<std::string> key,
                   DecodePageToken(req.page_token(), kSubmissionList, state_name, 2));
  std::optional<PlatformStore::EntryKey> after;
  if (!key.empty()) {
    int64_t micros = 0;
    if (!absl::SimpleAtoi(key[0], &micros) || !IsUuid(key[1])) return InvalidPageToken();
    after = PlatformStore::EntryKey{.submit_time = absl::FromUnixMicros(micros), .item_id = key[1]};
  }
  RETURN_IF_ERROR(CheckEditor(caller));
  ASSIGN_OR_RETURN(auto page, store_.ListByState(state_name, after, page_size + 1));
  v1::ListPlatformSubmissionsResponse response;
  const bool more = static_cast<int>(page.size()) > page_size;
  if (more) page.resize(static_cast<size_t>(page_size));
  for (auto& [item, submitted] : page) *response.add_items() = ForEditor(std::move(item));
  if (more) {
    response.set_next_page_token(
        EncodePageToken(kSubmissionList, state_name,
                        {absl::StrCat(absl::ToUnixMicros(page.back().second)),
                         response.items(page_size - 1).id()}));
  }
  return response;
}

absl::StatusOr<v1::Item> PlatformLibrary::Review(const std::string& caller,
                                                 const v1::ReviewPlatformSubmissionRequest& req) {
  RETURN_IF_ERROR(CheckId(req.item_id(), "INVALID_ITEM_ID"));
  if (req.decision() != v1::REVIEW_DECISION_APPROVE &&
      req.decision() != v1::REVIEW_DECISION_REJECT) {
    return InvalidArgument("INVALID_DECISION", "approve or reject");
  }
  const bool publish = req.decision() == v1::REVIEW_DECISION_APPROVE;
  // What is published is what the editor saw: the item as it stood at that update_time.
  std::optional<absl::Time> seen;
  if (req.has_item_update_time()) {
    seen = absl::FromUnixSeconds(req.item_update_time().seconds()) +
           absl::Nanoseconds(req.item_update_time().nanos());
  } else if (publish) {
    return InvalidArgument("UPDATE_TIME_REQUIRED",
                           "say which state of the item you approve: its update_time");
  }
  RETURN_IF_ERROR(CheckRemark(req.reason(), "INVALID_REASON"));
  if (!publish && req.reason().empty()) {
    return InvalidArgument("REASON_REQUIRED", "say why the item is rejected: its owner reads it");
  }
  RETURN_IF_ERROR(CheckEditor(caller));
  ASSIGN_OR_RETURN(v1::Item item,
                   store_.Review(req.item_id(), caller, publish, req.reason(), seen, clock_.Now()));
  return ForEditor(std::move(item));
}

absl::StatusOr<v1::ItemReport> PlatformLibrary::Report(const std::string& caller,
                                                       const v1::ReportItemRequest& req) {
  RETURN_IF_ERROR(CheckId(req.item_id(), "INVALID_ITEM_ID"));
  if (req.category() == v1::REPORT_CATEGORY_UNSPECIFIED ||
      !v1::ReportCategory_IsValid(req.category())) {
    return InvalidArgument("INVALID_CATEGORY", "say what is wrong with the item");
  }
  RETURN_IF_ERROR(CheckRemark(req.comment(), "INVALID_COMMENT"));
  v1::ItemReport report;
  report.set_id(ids_.NewId());
  report.set_item_id(req.item_id());
  report.set_reporter_user_id(caller);
  report.set_category(req.category());
  report.set_comment(req.comment());
  return store_.Report(report, clock_.Now());
}

absl::StatusOr<v1::ListItemReportsResponse> PlatformLibrary::ListReports(
    const std::string& caller, const v1::ListItemReportsRequest& req) {
  ASSIGN_OR_RETURN(const int page_size, PageSize(req.page_size(), 50, 100));
  ASSIGN_OR_RETURN(const std::vector<std::string> key,
                   DecodePageToken(req.page_token(), kReportList, "open", 2));
  std::optional<PlatformStore::ReportKey> after;
  if (!key.empty()) {
    int64_t micros = 0;
    if (!absl::SimpleAtoi(key[0], &micros) || !IsUuid(key[1])) return InvalidPageToken();
    after = PlatformStore::ReportKey{.create_time = absl::FromUnixMicros(micros), .id = key[1]};
  }
  RETURN_IF_ERROR(CheckEditor(caller));
  ASSIGN_OR_RETURN(std::vector<v1::ItemReport> reports, store_.OpenReports(after, page_size + 1));
  v1::ListItemReportsResponse response;
  const bool more = static_cast<int>(reports.size()) > page_size;
  if (more) reports.resize(static_cast<size_t>(page_size));
  for (v1::ItemReport& report : reports) *response.add_reports() = std::move(report);
  if (more) {
    const v1::ItemReport& last = response.reports(page_size - 1);
    response.set_next_page_token(EncodePageToken(
        kReportList, "open", {absl::StrCat(MicrosOf(last.create_time())), last.id()}));
  }
  return response;
}

absl::StatusOr<v1::ItemReport> PlatformLibrary::Resolve(const std::string& caller,
                                                        const v1::ResolveItemReportRequest& req) {
  RETURN_IF_ERROR(CheckId(req.report_id(), "INVALID_REPORT_ID"));
  if (req.decision() != v1::REVIEW_DECISION_APPROVE &&
      req.decision() != v1::REVIEW_DECISION_REJECT) {
    return InvalidArgument("INVALID_DECISION", "dismiss (approve) or uphold (reject)");
  }
  const bool uphold = req.decision() == v1::REVIEW_DECISION_REJECT;
  RETURN_IF_ERROR(CheckRemark(req.resolution(), "INVALID_REASON"));
  if (uphold && req.resolution().empty()) {
    return InvalidArgument("REASON_REQUIRED", "say why the item is taken out: its owner reads it");
  }
  RETURN_IF_ERROR(CheckEditor(caller));
  return store_.Resolve(req.report_id(), caller, uphold, req.resolution(), clock_.Now());
}

absl::Status PlatformLibrary::GrantEditor(const grpc::CallContext& call,
                                          const std::string& user_id) {
  if (!call.caller->is_operator) {
    return PermissionDenied("OPERATORS_ONLY", "only platform operators name library editors");
  }
  RETURN_IF_ERROR(CheckId(user_id, "INVALID_USER_ID"));
  return store_.GrantEditor(user_id, call.user_id(), clock_.Now());
}

absl::Status PlatformLibrary::RevokeEditor(const grpc::CallContext& call,
                                           const std::string& user_id) {
  if (!call.caller->is_operator) {
    return PermissionDenied("OPERATORS_ONLY", "only platform operators name library editors");
  }
  RETURN_IF_ERROR(CheckId(user_id, "INVALID_USER_ID"));
  return store_.RevokeEditor(user_id);
}

}  // namespace parta::content
