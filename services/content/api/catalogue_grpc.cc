#include "libs/core/status.h"
#include "services/content/api/content_grpc.h"

// ContentService's RPCs of folders, the platform library and schools' spaces.

namespace parta::content {

::grpc::ServerUnaryReactor* ContentGrpcService::CreateFolder(::grpc::CallbackServerContext* context,
                                                             const v1::CreateFolderRequest* request,
                                                             v1::CreateFolderResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::CreateFolderRequest& req,
                               v1::CreateFolderResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(*resp.mutable_folder(),
                                           items_.CreateFolder(call.user_id(), req));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::UpdateFolder(::grpc::CallbackServerContext* context,
                                                             const v1::UpdateFolderRequest* request,
                                                             v1::UpdateFolderResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::UpdateFolderRequest& req,
                               v1::UpdateFolderResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(*resp.mutable_folder(),
                                           items_.UpdateFolder(call.user_id(), req));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::DeleteFolder(::grpc::CallbackServerContext* context,
                                                             const v1::DeleteFolderRequest* request,
                                                             v1::DeleteFolderResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::DeleteFolderRequest& req,
                               v1::DeleteFolderResponse&) -> absl::Status {
                          return items_.DeleteFolder(call.user_id(), req.folder_id());
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::SubmitToPlatformLibrary(
    ::grpc::CallbackServerContext* context, const v1::SubmitToPlatformLibraryRequest* request,
    v1::SubmitToPlatformLibraryResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const grpc::CallContext& call, const v1::SubmitToPlatformLibraryRequest& req,
             v1::SubmitToPlatformLibraryResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(*resp.mutable_item(), platform_.Submit(call.user_id(), req.item_id()));
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* ContentGrpcService::WithdrawFromPlatformLibrary(
    ::grpc::CallbackServerContext* context, const v1::WithdrawFromPlatformLibraryRequest* request,
    v1::WithdrawFromPlatformLibraryResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const grpc::CallContext& call, const v1::WithdrawFromPlatformLibraryRequest& req,
             v1::WithdrawFromPlatformLibraryResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(*resp.mutable_item(), platform_.Withdraw(call.user_id(), req.item_id()));
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* ContentGrpcService::SearchPlatformLibrary(
    ::grpc::CallbackServerContext* context, const v1::SearchPlatformLibraryRequest* request,
    v1::SearchPlatformLibraryResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const grpc::CallContext& call, const v1::SearchPlatformLibraryRequest& req,
             v1::SearchPlatformLibraryResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(resp, platform_.Search(call.user_id(), req));
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* ContentGrpcService::ListPlatformSubmissions(
    ::grpc::CallbackServerContext* context, const v1::ListPlatformSubmissionsRequest* request,
    v1::ListPlatformSubmissionsResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const grpc::CallContext& call, const v1::ListPlatformSubmissionsRequest& req,
             v1::ListPlatformSubmissionsResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(resp, platform_.ListSubmissions(call.user_id(), req));
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* ContentGrpcService::ReviewPlatformSubmission(
    ::grpc::CallbackServerContext* context, const v1::ReviewPlatformSubmissionRequest* request,
    v1::ReviewPlatformSubmissionResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const grpc::CallContext& call, const v1::ReviewPlatformSubmissionRequest& req,
             v1::ReviewPlatformSubmissionResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(*resp.mutable_item(), platform_.Review(call.user_id(), req));
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* ContentGrpcService::ReportItem(::grpc::CallbackServerContext* context,
                                                           const v1::ReportItemRequest* request,
                                                           v1::ReportItemResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::ReportItemRequest& req,
                               v1::ReportItemResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(*resp.mutable_report(),
                                           platform_.Report(call.user_id(), req));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::ListItemReports(
    ::grpc::CallbackServerContext* context, const v1::ListItemReportsRequest* request,
    v1::ListItemReportsResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::ListItemReportsRequest& req,
                               v1::ListItemReportsResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(resp, platform_.ListReports(call.user_id(), req));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::ResolveItemReport(
    ::grpc::CallbackServerContext* context, const v1::ResolveItemReportRequest* request,
    v1::ResolveItemReportResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const grpc::CallContext& call, const v1::ResolveItemReportRequest& req,
             v1::ResolveItemReportResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(*resp.mutable_report(), platform_.Resolve(call.user_id(), req));
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* ContentGrpcService::GrantLibraryEditor(
    ::grpc::CallbackServerContext* context, const v1::GrantLibraryEditorRequest* request,
    v1::GrantLibraryEditorResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const grpc::CallContext& call, const v1::GrantLibraryEditorRequest& req,
             v1::GrantLibraryEditorResponse&) -> absl::Status {
        return platform_.GrantEditor(call, req.user_id());
      });
}

::grpc::ServerUnaryReactor* ContentGrpcService::RevokeLibraryEditor(
    ::grpc::CallbackServerContext* context, const v1::RevokeLibraryEditorRequest* request,
    v1::RevokeLibraryEditorResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const grpc::CallContext& call, const v1::RevokeLibraryEditorRequest& req,
             v1::RevokeLibraryEditorResponse&) -> absl::Status {
        return platform_.RevokeEditor(call, req.user_id());
      });
}

::grpc::ServerUnaryReactor* ContentGrpcService::GetSchoolSpace(
    ::grpc::CallbackServerContext* context, const v1::GetSchoolSpaceRequest* request,
    v1::GetSchoolSpaceResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext&, const v1::GetSchoolSpaceRequest& req,
                               v1::GetSchoolSpaceResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(*resp.mutable_space(), spaces_.Get(req.school_id()));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::UpdateSchoolSpace(
    ::grpc::CallbackServerContext* context, const v1::UpdateSchoolSpaceRequest* request,
    v1::UpdateSchoolSpaceResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const grpc::CallContext& call, const v1::UpdateSchoolSpaceRequest& req,
             v1::UpdateSchoolSpaceResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(*resp.mutable_space(),
                         spaces_.Update(call.user_id(), call.bearer_token, req));
        return absl::OkStatus();
      });
}

}  // namespace parta::content
