#pragma once

// gRPC face of the directory: maps protos to the use cases of domain/directory.h and results
// back. The caller is always the verified token's subject, never a field of the request.

#include <functional>

#include "libs/grpc/call.h"
#include "parta/directory/v1/directory.grpc.pb.h"
#include "services/directory/domain/directory.h"

namespace parta::directory {

class DirectoryGrpcService final : public v1::DirectoryService::CallbackService {
 public:
  DirectoryGrpcService(Directory& directory, grpc::RpcRuntime& runtime)
      : directory_(directory), runtime_(runtime) {}

  ::grpc::ServerUnaryReactor* CreateSchool(::grpc::CallbackServerContext* context,
                                           const v1::CreateSchoolRequest* request,
                                           v1::CreateSchoolResponse* response) override;
  ::grpc::ServerUnaryReactor* GetSchool(::grpc::CallbackServerContext* context,
                                        const v1::GetSchoolRequest* request,
                                        v1::GetSchoolResponse* response) override;
  ::grpc::ServerUnaryReactor* UpdateSchool(::grpc::CallbackServerContext* context,
                                           const v1::UpdateSchoolRequest* request,
                                           v1::UpdateSchoolResponse* response) override;
  ::grpc::ServerUnaryReactor* ListSchools(::grpc::CallbackServerContext* context,
                                          const v1::ListSchoolsRequest* request,
                                          v1::ListSchoolsResponse* response) override;
  ::grpc::ServerUnaryReactor* ListAuditLog(::grpc::CallbackServerContext* context,
                                           const v1::ListAuditLogRequest* request,
                                           v1::ListAuditLogResponse* response) override;
  ::grpc::ServerUnaryReactor* ListMembers(::grpc::CallbackServerContext* context,
                                          const v1::ListMembersRequest* request,
                                          v1::ListMembersResponse* response) override;
  ::grpc::ServerUnaryReactor* RemoveMemberRole(::grpc::CallbackServerContext* context,
                                               const v1::RemoveMemberRoleRequest* request,
                                               v1::RemoveMemberRoleResponse* response) override;
  ::grpc::ServerUnaryReactor* SetTeacherSubjects(::grpc::CallbackServerContext* context,
                                                 const v1::SetTeacherSubjectsRequest* request,
                                                 v1::SetTeacherSubjectsResponse* response) override;
  ::grpc::ServerUnaryReactor* CreateClass(::grpc::CallbackServerContext* context,
                                          const v1::CreateClassRequest* request,
                                          v1::CreateClassResponse* response) override;
  ::grpc::ServerUnaryReactor* GetClass(::grpc::CallbackServerContext* context,
                                       const v1::GetClassRequest* request,
                                       v1::GetClassResponse* response) override;
  ::grpc::ServerUnaryReactor* ListClasses(::grpc::CallbackServerContext* context,
                                          const v1::ListClassesRequest* request,
                                          v1::ListClassesResponse* response) override;
  ::grpc::ServerUnaryReactor* UpdateClass(::grpc::CallbackServerContext* context,
                                          const v1::UpdateClassRequest* request,
                                          v1::UpdateClassResponse* response) override;
  ::grpc::ServerUnaryReactor* ArchiveClass(::grpc::CallbackServerContext* context,
                                           const v1::ArchiveClassRequest* request,
                                           v1::ArchiveClassResponse* response) override;
  ::grpc::ServerUnaryReactor* GetClassRoster(::grpc::CallbackServerContext* context,
                                             const v1::GetClassRosterRequest* request,
                                             v1::GetClassRosterResponse* response) override;
  ::grpc::ServerUnaryReactor* AddClassTeacher(::grpc::CallbackServerContext* context,
                                              const v1::AddClassTeacherRequest* request,
                                              v1::AddClassTeacherResponse* response) override;
  ::grpc::ServerUnaryReactor* MoveStudent(::grpc::CallbackServerContext* context,
                                          const v1::MoveStudentRequest* request,
                                          v1::MoveStudentResponse* response) override;
  ::grpc::ServerUnaryReactor* CreateInvitation(::grpc::CallbackServerContext* context,
                                               const v1::CreateInvitationRequest* request,
                                               v1::CreateInvitationResponse* response) override;
  ::grpc::ServerUnaryReactor* CreateParentInvitation(
      ::grpc::CallbackServerContext* context, const v1::CreateParentInvitationRequest* request,
      v1::CreateParentInvitationResponse* response) override;
  ::grpc::ServerUnaryReactor* ListInvitations(::grpc::CallbackServerContext* context,
                                              const v1::ListInvitationsRequest* request,
                                              v1::ListInvitationsResponse* response) override;
  ::grpc::ServerUnaryReactor* RevokeInvitation(::grpc::CallbackServerContext* context,
                                               const v1::RevokeInvitationRequest* request,
                                               v1::RevokeInvitationResponse* response) override;
  ::grpc::ServerUnaryReactor* RedeemInvitation(::grpc::CallbackServerContext* context,
                                               const v1::RedeemInvitationRequest* request,
                                               v1::RedeemInvitationResponse* response) override;
  ::grpc::ServerUnaryReactor* ListParentLinks(::grpc::CallbackServerContext* context,
                                              const v1::ListParentLinksRequest* request,
                                              v1::ListParentLinksResponse* response) override;
  ::grpc::ServerUnaryReactor* ConfirmParentLink(::grpc::CallbackServerContext* context,
                                                const v1::ConfirmParentLinkRequest* request,
                                                v1::ConfirmParentLinkResponse* response) override;
  ::grpc::ServerUnaryReactor* ClaimChild(::grpc::CallbackServerContext* context,
                                         const v1::ClaimChildRequest* request,
                                         v1::ClaimChildResponse* response) override;
  ::grpc::ServerUnaryReactor* UpdateStudentSettings(
      ::grpc::CallbackServerContext* context, const v1::UpdateStudentSettingsRequest* request,
      v1::UpdateStudentSettingsResponse* response) override;
  ::grpc::ServerUnaryReactor* CheckPermission(::grpc::CallbackServerContext* context,
                                              const v1::CheckPermissionRequest* request,
                                              v1::CheckPermissionResponse* response) override;
  ::grpc::ServerUnaryReactor* CheckSubjectPermission(
      ::grpc::CallbackServerContext* context, const v1::CheckSubjectPermissionRequest* request,
      v1::CheckSubjectPermissionResponse* response) override;
  ::grpc::ServerUnaryReactor* ListMemberships(::grpc::CallbackServerContext* context,
                                              const v1::ListMembershipsRequest* request,
                                              v1::ListMembershipsResponse* response) override;
  ::grpc::ServerUnaryReactor* ListSubjectMemberships(
      ::grpc::CallbackServerContext* context, const v1::ListSubjectMembershipsRequest* request,
      v1::ListSubjectMembershipsResponse* response) override;
  ::grpc::ServerUnaryReactor* SyncRoster(::grpc::CallbackServerContext* context,
                                         const v1::SyncRosterRequest* request,
                                         v1::SyncRosterResponse* response) override;
  ::grpc::ServerUnaryReactor* ListEvents(::grpc::CallbackServerContext* context,
                                         const v1::ListEventsRequest* request,
                                         v1::ListEventsResponse* response) override;

  ::grpc::ServerUnaryReactor* CreateJoinRequest(::grpc::CallbackServerContext* context,
                                                const v1::CreateJoinRequestRequest* request,
                                                v1::CreateJoinRequestResponse* response) override;
  ::grpc::ServerUnaryReactor* ListJoinRequests(::grpc::CallbackServerContext* context,
                                               const v1::ListJoinRequestsRequest* request,
                                               v1::ListJoinRequestsResponse* response) override;
  ::grpc::ServerUnaryReactor* ApproveJoinRequest(::grpc::CallbackServerContext* context,
                                                 const v1::ApproveJoinRequestRequest* request,
                                                 v1::ApproveJoinRequestResponse* response) override;
  ::grpc::ServerUnaryReactor* DeclineJoinRequest(::grpc::CallbackServerContext* context,
                                                 const v1::DeclineJoinRequestRequest* request,
                                                 v1::DeclineJoinRequestResponse* response) override;
  ::grpc::ServerUnaryReactor* ListMyJoinRequests(::grpc::CallbackServerContext* context,
                                                 const v1::ListMyJoinRequestsRequest* request,
                                                 v1::ListMyJoinRequestsResponse* response) override;
  ::grpc::ServerUnaryReactor* RolloverAcademicYear(
      ::grpc::CallbackServerContext* context, const v1::RolloverAcademicYearRequest* request,
      v1::RolloverAcademicYearResponse* response) override;
  ::grpc::ServerUnaryReactor* CreateLesson(::grpc::CallbackServerContext* context,
                                           const v1::CreateLessonRequest* request,
                                           v1::CreateLessonResponse* response) override;
  ::grpc::ServerUnaryReactor* DeleteLesson(::grpc::CallbackServerContext* context,
                                           const v1::DeleteLessonRequest* request,
                                           v1::DeleteLessonResponse* response) override;
  ::grpc::ServerUnaryReactor* GetClassTimetable(::grpc::CallbackServerContext* context,
                                                const v1::GetClassTimetableRequest* request,
                                                v1::GetClassTimetableResponse* response) override;
  ::grpc::ServerUnaryReactor* GetTeacherTimetable(
      ::grpc::CallbackServerContext* context, const v1::GetTeacherTimetableRequest* request,
      v1::GetTeacherTimetableResponse* response) override;

  ::grpc::ServerUnaryReactor* ImportRoster(::grpc::CallbackServerContext* context,
                                           const v1::ImportRosterRequest* request,
                                           v1::ImportRosterResponse* response) override;
  ::grpc::ServerUnaryReactor* IssueClassLoginCodes(
      ::grpc::CallbackServerContext* context, const v1::IssueClassLoginCodesRequest* request,
      v1::IssueClassLoginCodesResponse* response) override;
  ::grpc::ServerUnaryReactor* RequestChildErasure(
      ::grpc::CallbackServerContext* context, const v1::RequestChildErasureRequest* request,
      v1::RequestChildErasureResponse* response) override;
  ::grpc::ServerUnaryReactor* ConfirmMember(::grpc::CallbackServerContext* context,
                                            const v1::ConfirmMemberRequest* request,
                                            v1::ConfirmMemberResponse* response) override;
  ::grpc::ServerUnaryReactor* FilterVisibleMembers(
      ::grpc::CallbackServerContext* context, const v1::FilterVisibleMembersRequest* request,
      v1::FilterVisibleMembersResponse* response) override;

  ::grpc::ServerUnaryReactor* ListConsentTexts(::grpc::CallbackServerContext* context,
                                               const v1::ListConsentTextsRequest* request,
                                               v1::ListConsentTextsResponse* response) override;
  ::grpc::ServerUnaryReactor* PublishConsentText(::grpc::CallbackServerContext* context,
                                                 const v1::PublishConsentTextRequest* request,
                                                 v1::PublishConsentTextResponse* response) override;
  ::grpc::ServerUnaryReactor* GiveConsent(::grpc::CallbackServerContext* context,
                                          const v1::GiveConsentRequest* request,
                                          v1::GiveConsentResponse* response) override;
  ::grpc::ServerUnaryReactor* WithdrawConsent(::grpc::CallbackServerContext* context,
                                              const v1::WithdrawConsentRequest* request,
                                              v1::WithdrawConsentResponse* response) override;
  ::grpc::ServerUnaryReactor* ListConsents(::grpc::CallbackServerContext* context,
                                           const v1::ListConsentsRequest* request,
                                           v1::ListConsentsResponse* response) override;
  ::grpc::ServerUnaryReactor* ListMissingConsents(
      ::grpc::CallbackServerContext* context, const v1::ListMissingConsentsRequest* request,
      v1::ListMissingConsentsResponse* response) override;
  ::grpc::ServerUnaryReactor* ExportPersonData(::grpc::CallbackServerContext* context,
                                               const v1::ExportPersonDataRequest* request,
                                               v1::ExportPersonDataResponse* response) override;

 private:
  // CheckPermission for `subject`: gives the answer to `answer`, then finishes the call.
  void AnswerPermission(const Caller& subject, const std::string& permission,
                        const std::string& resource, std::function<void(bool)> answer,
                        grpc::RpcRuntime::Finish finish);

  Directory& directory_;
  grpc::RpcRuntime& runtime_;
};

}  // namespace parta::directory
