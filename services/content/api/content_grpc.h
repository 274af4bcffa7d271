#pragma once

// gRPC face of content: ContentService for people (through the gateway, which also drives the
// byte-level RPCs for tus uploads and downloads) and for messaging (DescribeAttachments, with
// the author's token).

#include "libs/grpc/call.h"
#include "parta/content/v1/content.grpc.pb.h"
#include "services/content/exports/data_exports.h"
#include "services/content/files/articles.h"
#include "services/content/files/downloads.h"
#include "services/content/files/items.h"
#include "services/content/files/library.h"
#include "services/content/files/platform_library.h"
#include "services/content/files/school_spaces.h"
#include "services/content/files/uploads.h"

namespace parta::content {

class ContentGrpcService final : public v1::ContentService::CallbackService {
 public:
  ContentGrpcService(Uploads& uploads, Items& items, Articles& articles, Library& library,
                     PlatformLibrary& platform, SchoolSpaces& spaces, Downloads& downloads,
                     DataExports& exports, grpc::RpcRuntime& runtime)
      : uploads_(uploads),
        items_(items),
        articles_(articles),
        library_(library),
        platform_(platform),
        spaces_(spaces),
        downloads_(downloads),
        exports_(exports),
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
  ::grpc::ServerReadReactor<v1::UploadFileRequest>* UploadFile(
      ::grpc::CallbackServerContext* context, v1::UploadFileResponse* response) override;
  ::grpc::ServerUnaryReactor* CreateArticle(::grpc::CallbackServerContext* context,
                                            const v1::CreateArticleRequest* request,
                                            v1::CreateArticleResponse* response) override;
  ::grpc::ServerUnaryReactor* CreateLink(::grpc::CallbackServerContext* context,
                                         const v1::CreateLinkRequest* request,
                                         v1::CreateLinkResponse* response) override;
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

  // Folders, the platform library and schools' spaces (catalogue_grpc.cc).
  ::grpc::ServerUnaryReactor* CreateFolder(::grpc::CallbackServerContext* context,
                                           const v1::CreateFolderRequest* request,
                                           v1::CreateFolderResponse* response) override;
  ::grpc::ServerUnaryReactor* UpdateFolder(::grpc::CallbackServerContext* context,
                                           const v1::UpdateFolderRequest* request,
                                           v1::UpdateFolderResponse* response) override;
  ::grpc::ServerUnaryReactor* DeleteFolder(::grpc::CallbackServerContext* context,
                                           const v1::DeleteFolderRequest* request,
                                           v1::DeleteFolderResponse* response) override;
  ::grpc::ServerUnaryReactor* SubmitToPlatformLibrary(
      ::grpc::CallbackServerContext* context, const v1::SubmitToPlatformLibraryRequest* request,
      v1::SubmitToPlatformLibraryResponse* response) override;
  ::grpc::ServerUnaryReactor* WithdrawFromPlatformLibrary(
      ::grpc::CallbackServerContext* context, const v1::WithdrawFromPlatformLibraryRequest* request,
      v1::WithdrawFromPlatformLibraryResponse* response) override;
  ::grpc::ServerUnaryReactor* SearchPlatformLibrary(
      ::grpc::CallbackServerContext* context, const v1::SearchPlatformLibraryRequest* request,
      v1::SearchPlatformLibraryResponse* response) override;
  ::grpc::ServerUnaryReactor* ListPlatformSubmissions(
      ::grpc::CallbackServerContext* context, const v1::ListPlatformSubmissionsRequest* request,
      v1::ListPlatformSubmissionsResponse* response) override;
  ::grpc::ServerUnaryReactor* ReviewPlatformSubmission(
      ::grpc::CallbackServerContext* context, const v1::ReviewPlatformSubmissionRequest* request,
      v1::ReviewPlatformSubmissionResponse* response) override;
  ::grpc::ServerUnaryReactor* ReportItem(::grpc::CallbackServerContext* context,
                                         const v1::ReportItemRequest* request,
                                         v1::ReportItemResponse* response) override;
  ::grpc::ServerUnaryReactor* ListItemReports(::grpc::CallbackServerContext* context,
                                              const v1::ListItemReportsRequest* request,
                                              v1::ListItemReportsResponse* response) override;
  ::grpc::ServerUnaryReactor* ResolveItemReport(::grpc::CallbackServerContext* context,
                                                const v1::ResolveItemReportRequest* request,
                                                v1::ResolveItemReportResponse* response) override;
  ::grpc::ServerUnaryReactor* GrantLibraryEditor(::grpc::CallbackServerContext* context,
                                                 const v1::GrantLibraryEditorRequest* request,
                                                 v1::GrantLibraryEditorResponse* response) override;
  ::grpc::ServerUnaryReactor* RevokeLibraryEditor(
      ::grpc::CallbackServerContext* context, const v1::RevokeLibraryEditorRequest* request,
      v1::RevokeLibraryEditorResponse* response) override;
  ::grpc::ServerUnaryReactor* GetSchoolSpace(::grpc::CallbackServerContext* context,
                                             const v1::GetSchoolSpaceRequest* request,
                                             v1::GetSchoolSpaceResponse* response) override;
  ::grpc::ServerUnaryReactor* UpdateSchoolSpace(::grpc::CallbackServerContext* context,
                                                const v1::UpdateSchoolSpaceRequest* request,
                                                v1::UpdateSchoolSpaceResponse* response) override;

  // People's data exports (api/export_grpc.cc).
  ::grpc::ServerUnaryReactor* RequestDataExport(::grpc::CallbackServerContext* context,
                                                const v1::RequestDataExportRequest* request,
                                                v1::RequestDataExportResponse* response) override;
  ::grpc::ServerUnaryReactor* GetDataExport(::grpc::CallbackServerContext* context,
                                            const v1::GetDataExportRequest* request,
                                            v1::GetDataExportResponse* response) override;
  ::grpc::ServerUnaryReactor* ListDataExports(::grpc::CallbackServerContext* context,
                                              const v1::ListDataExportsRequest* request,
                                              v1::ListDataExportsResponse* response) override;

 private:
  Uploads& uploads_;
  Items& items_;
  Articles& articles_;
  Library& library_;
  PlatformLibrary& platform_;
  SchoolSpaces& spaces_;
  Downloads& downloads_;
  DataExports& exports_;
  grpc::RpcRuntime& runtime_;
};

}  // namespace parta::content
