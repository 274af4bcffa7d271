#pragma once

// gRPC face of content: ContentService for people (through the gateway, which also drives the
// byte-level RPCs for tus uploads and downloads) and for messaging (DescribeAttachments, with
// the author's token).

#include "libs/grpc/call.h"
#include "parta/content/v1/content.grpc.pb.h"
#include "services/content/files/downloads.h"
#include "services/content/files/items.h"
#include "services/content/files/library.h"
#include "services/content/files/uploads.h"

namespace parta::content {

class ContentGrpcService final : public v1::ContentService::CallbackService {
 public:
  ContentGrpcService(Uploads& uploads, Items& items, Library& library, Downloads& downloads,
                     grpc::RpcRuntime& runtime)
      : uploads_(uploads),
        items_(items),
        library_(library),
        downloads_(downloads),
        runtime_(runtime) {}

  ::grpc::ServerUnaryReactor* CreateUpload(::grpc::CallbackServerContext* context,
                                           const v1::CreateUploadRequest* request,
                                           v1::CreateUploadResponse* response) override;
  ::grpc::ServerUnaryReactor* GetUpload(::grpc::CallbackServerContext* context,
                                        const v1::GetUploadRequest* request,
                                        v1::GetUploadResponse* response) override;
  ::grpc::ServerUnaryReactor* AppendUpload(::grpc::CallbackServerContext* context,
                                           const v1::AppendUploadRequest* request,
                                           v1::AppendUploadResponse* response) override;
  ::grpc::ServerUnaryReactor* ConfirmUpload(::grpc::CallbackServerContext* context,
                                            const v1::ConfirmUploadRequest* request,
                                            v1::ConfirmUploadResponse* response) override;
  ::grpc::ServerUnaryReactor* CancelUpload(::grpc::CallbackServerContext* context,
                                           const v1::CancelUploadRequest* request,
                                           v1::CancelUploadResponse* response) override;
  ::grpc::ServerUnaryReactor* GetItem(::grpc::CallbackServerContext* context,
                                      const v1::GetItemRequest* request,
                                      v1::GetItemResponse* response) override;
  ::grpc::ServerUnaryReactor* ListMyFiles(::grpc::CallbackServerContext* context,
                                          const v1::ListMyFilesRequest* request,
                                          v1::ListMyFilesResponse* response) override;
  ::grpc::ServerUnaryReactor* DeleteItem(::grpc::CallbackServerContext* context,
                                         const v1::DeleteItemRequest* request,
                                         v1::DeleteItemResponse* response) override;
  ::grpc::ServerUnaryReactor* OpenDownload(::grpc::CallbackServerContext* context,
                                           const v1::OpenDownloadRequest* request,
                                           v1::OpenDownloadResponse* response) override;
  ::grpc::ServerUnaryReactor* ReadContent(::grpc::CallbackServerContext* context,
                                          const v1::ReadContentRequest* request,
                                          v1::ReadContentResponse* response) override;
  ::grpc::ServerUnaryReactor* CreateDownloadLink(::grpc::CallbackServerContext* context,
                                                 const v1::CreateDownloadLinkRequest* request,
                                                 v1::CreateDownloadLinkResponse* response) override;
  ::grpc::ServerUnaryReactor* DescribeAttachments(
      ::grpc::CallbackServerContext* context, const v1::DescribeAttachmentsRequest* request,
      v1::DescribeAttachmentsResponse* response) override;
  ::grpc::ServerUnaryReactor* UpdateItem(::grpc::CallbackServerContext* context,
                                         const v1::UpdateItemRequest* request,
                                         v1::UpdateItemResponse* response) override;
  ::grpc::ServerUnaryReactor* PublishToSchool(::grpc::CallbackServerContext* context,
                                              const v1::PublishToSchoolRequest* request,
                                              v1::PublishToSchoolResponse* response) override;
  ::grpc::ServerUnaryReactor* WithdrawFromSchool(::grpc::CallbackServerContext* context,
                                                 const v1::WithdrawFromSchoolRequest* request,
                                                 v1::WithdrawFromSchoolResponse* response) override;
  ::grpc::ServerUnaryReactor* SearchSchoolLibrary(
      ::grpc::CallbackServerContext* context, const v1::SearchSchoolLibraryRequest* request,
      v1::SearchSchoolLibraryResponse* response) override;

 private:
  Uploads& uploads_;
  Items& items_;
  Library& library_;
  Downloads& downloads_;
  grpc::RpcRuntime& runtime_;
};

}  // namespace parta::content
