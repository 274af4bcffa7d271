#include "libs/core/status.h"
#include "services/content/api/content_grpc.h"

// ContentService's RPCs of people's data exports.

namespace parta::content {

::grpc::ServerUnaryReactor* ContentGrpcService::RequestDataExport(
    ::grpc::CallbackServerContext* context, const v1::RequestDataExportRequest* request,
    v1::RequestDataExportResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const grpc::CallContext& call, const v1::RequestDataExportRequest& req,
             v1::RequestDataExportResponse& resp) -> absl::Status {
        const Reader caller{.user_id = call.user_id(), .token = call.bearer_token};
        ASSIGN_OR_RETURN(*resp.mutable_export_(), exports_.Request(caller, req));
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* ContentGrpcService::GetDataExport(
    ::grpc::CallbackServerContext* context, const v1::GetDataExportRequest* request,
    v1::GetDataExportResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::GetDataExportRequest& req,
                               v1::GetDataExportResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(*resp.mutable_export_(),
                                           exports_.Get(call.user_id(), req.export_id()));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::ListDataExports(
    ::grpc::CallbackServerContext* context, const v1::ListDataExportsRequest* request,
    v1::ListDataExportsResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::ListDataExportsRequest& req,
                               v1::ListDataExportsResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(resp, exports_.List(call.user_id(), req));
                          return absl::OkStatus();
                        });
}

}  // namespace parta::content
