#include "services/content/api/content_grpc.h"

#include <memory>
#include <optional>

#include "libs/core/status.h"
#include "services/content/files/upload_stream.h"

namespace parta::content {
namespace {

// The signed-in caller of a public RPC, if any.
Reader ReaderOf(const grpc::CallContext& call) {
  if (!call.caller) return {};
  return Reader{.user_id = call.caller->subject, .token = call.bearer_token};
}

// UploadFile's stream handed to its use case; the caller is known once the call is admitted.
class UploadFileCall final
    : public grpc::ClientStreamHandler<v1::UploadFileRequest, v1::UploadFileResponse> {
 public:
  explicit UploadFileCall(Uploads& uploads) : uploads_(uploads) {}

  absl::Status OnMessage(const grpc::CallContext& call,
                         const v1::UploadFileRequest& message) override {
    return Stream(call).Receive(message);
  }
  absl::Status OnEnd(const grpc::CallContext& call, v1::UploadFileResponse& response) override {
    ASSIGN_OR_RETURN(*response.mutable_upload(), Stream(call).End());
    return absl::OkStatus();
  }
  void OnAbandoned(const grpc::CallContext& call) override { Stream(call).Abandon(); }

 private:
  UploadStream& Stream(const grpc::CallContext& call) {
    if (!stream_) stream_.emplace(uploads_, call.user_id());
    return *stream_;
  }

  Uploads& uploads_;
  std::optional<UploadStream> stream_;
};

}  // namespace

::grpc::ServerUnaryReactor* ContentGrpcService::CreateUpload(::grpc::CallbackServerContext* context,
                                                             const v1::CreateUploadRequest* request,
                                                             v1::CreateUploadResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::CreateUploadRequest& req,
                               v1::CreateUploadResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(*resp.mutable_upload(),
                                           uploads_.Create(call.user_id(), req));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::GetUpload(::grpc::CallbackServerContext* context,
                                                          const v1::GetUploadRequest* request,
                                                          v1::GetUploadResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::GetUploadRequest& req,
                               v1::GetUploadResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(*resp.mutable_upload(),
                                           uploads_.Get(call.user_id(), req.upload_id()));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::AppendUpload(::grpc::CallbackServerContext* context,
                                                             const v1::AppendUploadRequest* request,
                                                             v1::AppendUploadResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::AppendUploadRequest& req,
                               v1::AppendUploadResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(*resp.mutable_upload(),
                                           uploads_.Append(call.user_id(), req));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::ConfirmUpload(
    ::grpc::CallbackServerContext* context, const v1::ConfirmUploadRequest* request,
    v1::ConfirmUploadResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::ConfirmUploadRequest& req,
                               v1::ConfirmUploadResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(*resp.mutable_upload(),
                                           uploads_.Confirm(call.user_id(), req));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::CancelUpload(::grpc::CallbackServerContext* context,
                                                             const v1::CancelUploadRequest* request,
                                                             v1::CancelUploadResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::CancelUploadRequest& req,
                               v1::CancelUploadResponse&) -> absl::Status {
                          return uploads_.Cancel(call.user_id(), req.upload_id());
                        });
}

::grpc::ServerReadReactor<v1::UploadFileRequest>* ContentGrpcService::UploadFile(
    ::grpc::CallbackServerContext* context, v1::UploadFileResponse* response) {
  return runtime_.ServeClientStream(context, response, std::make_unique<UploadFileCall>(uploads_));
}

::grpc::ServerUnaryReactor* ContentGrpcService::CreateArticle(
    ::grpc::CallbackServerContext* context, const v1::CreateArticleRequest* request,
    v1::CreateArticleResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::CreateArticleRequest& req,
                               v1::CreateArticleResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(*resp.mutable_item(),
                                           articles_.CreateArticle(call.user_id(), req));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::CreateLink(::grpc::CallbackServerContext* context,
                                                           const v1::CreateLinkRequest* request,
                                                           v1::CreateLinkResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::CreateLinkRequest& req,
                               v1::CreateLinkResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(*resp.mutable_item(),
                                           articles_.CreateLink(call.user_id(), req));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::GetItem(::grpc::CallbackServerContext* context,
                                                        const v1::GetItemRequest* request,
                                                        v1::GetItemResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::GetItemRequest& req,
                               v1::GetItemResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(*resp.mutable_item(),
                                           items_.Get(ReaderOf(call), req.item_id()));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::ListMyFiles(::grpc::CallbackServerContext* context,
                                                            const v1::ListMyFilesRequest* request,
                                                            v1::ListMyFilesResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::ListMyFilesRequest& req,
                               v1::ListMyFilesResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(resp, items_.ListMine(call.user_id(), req));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::DeleteItem(::grpc::CallbackServerContext* context,
                                                           const v1::DeleteItemRequest* request,
                                                           v1::DeleteItemResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::DeleteItemRequest& req,
                               v1::DeleteItemResponse&) -> absl::Status {
                          return items_.Delete(call.user_id(), req.item_id());
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::OpenDownload(::grpc::CallbackServerContext* context,
                                                             const v1::OpenDownloadRequest* request,
                                                             v1::OpenDownloadResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::OpenDownloadRequest& req,
                               v1::OpenDownloadResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(resp, downloads_.Open(ReaderOf(call), req));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::ReadContent(::grpc::CallbackServerContext* context,
                                                            const v1::ReadContentRequest* request,
                                                            v1::ReadContentResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext&, const v1::ReadContentRequest& req,
                               v1::ReadContentResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(*resp.mutable_data(), downloads_.Read(req));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::CreateDownloadLink(
    ::grpc::CallbackServerContext* context, const v1::CreateDownloadLinkRequest* request,
    v1::CreateDownloadLinkResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const grpc::CallContext& call, const v1::CreateDownloadLinkRequest& req,
             v1::CreateDownloadLinkResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(resp, downloads_.CreateLink(ReaderOf(call), req.version_id()));
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* ContentGrpcService::DescribeAttachments(
    ::grpc::CallbackServerContext* context, const v1::DescribeAttachmentsRequest* request,
    v1::DescribeAttachmentsResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const grpc::CallContext& call, const v1::DescribeAttachmentsRequest& req,
             v1::DescribeAttachmentsResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(resp, downloads_.DescribeAttachments(ReaderOf(call), req));
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* ContentGrpcService::UpdateItem(::grpc::CallbackServerContext* context,
                                                           const v1::UpdateItemRequest* request,
                                                           v1::UpdateItemResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::UpdateItemRequest& req,
                               v1::UpdateItemResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(*resp.mutable_item(),
                                           library_.Update(call.user_id(), req));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::PublishToSchool(
    ::grpc::CallbackServerContext* context, const v1::PublishToSchoolRequest* request,
    v1::PublishToSchoolResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext& call, const v1::PublishToSchoolRequest& req,
                               v1::PublishToSchoolResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(
                              *resp.mutable_item(),
                              library_.Publish(call.user_id(), call.bearer_token, req));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* ContentGrpcService::WithdrawFromSchool(
    ::grpc::CallbackServerContext* context, const v1::WithdrawFromSchoolRequest* request,
    v1::WithdrawFromSchoolResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const grpc::CallContext& call, const v1::WithdrawFromSchoolRequest& req,
             v1::WithdrawFromSchoolResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(*resp.mutable_item(), library_.Withdraw(call.user_id(), req));
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* ContentGrpcService::SearchSchoolLibrary(
    ::grpc::CallbackServerContext* context, const v1::SearchSchoolLibraryRequest* request,
    v1::SearchSchoolLibraryResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const grpc::CallContext& call, const v1::SearchSchoolLibraryRequest& req,
             v1::SearchSchoolLibraryResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(resp, library_.Search(call.user_id(), call.bearer_token, req));
        return absl::OkStatus();
      });
}
}  // namespace parta::content
