#include "services/directory/api/directory_grpc.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/duration.pb.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/grpc/request_values.h"
#include "services/directory/api/person_export_json.h"
#include "services/directory/api/proto_mapping.h"
#include "services/directory/domain/validation.h"

namespace parta::directory {
namespace {

using grpc::CallContext;
using grpc::RetryKeyOf;

Caller CallerOf(const CallContext& call) {
  return Caller{.user_id = call.user_id(),
                .is_operator = call.caller->is_operator,
                .client_address = call.client_address};
}

// An invitation's lifetime (unset or zero: the default). Negative, or not a valid Duration (nanos
// out of range, or negative beside positive seconds), is INVALID_TTL here; the range is the
// domain's. Fractions of a second are kept.
absl::StatusOr<absl::Duration> TtlOf(const google::protobuf::Duration& ttl) {
  ASSIGN_OR_RETURN(absl::Duration length, grpc::DurationOf(ttl, "INVALID_TTL"));
  if (length < absl::ZeroDuration()) {
    return InvalidArgument("INVALID_TTL", "ttl must be from 60 seconds to 30 days");
  }
  return length;
}

absl::StatusOr<Role> RoleOf(v1::Role role) {
  std::optional<Role> known = FromProto(role);
  if (!known) return InvalidArgument("INVALID_ROLE", "role must be one of the Role values");
  return *known;
}

absl::StatusOr<ConsentPurpose> PurposeOf(v1::ConsentPurpose purpose) {
  std::optional<ConsentPurpose> known = FromProto(purpose);
  if (!known) {
    return InvalidArgument("INVALID_CONSENT_PURPOSE", "purpose must be one of ConsentPurpose");
  }
  return *known;
}

absl::StatusOr<ConsentMethod> MethodOf(v1::ConsentMethod method) {
  std::optional<ConsentMethod> known = FromProto(method);
  if (!known) return InvalidArgument("INVALID_METHOD", "method must be ONLINE or PAPER");
  return *known;
}

// GiveConsentRequest and WithdrawConsentRequest name the change alike.
template <typename Request>
absl::StatusOr<ConsentChange> ConsentChangeOf(const Request& req) {
  ConsentChange change{.person_id = absl::AsciiStrToLower(req.person_id()),
                       .school_id = req.school_id(),
                       .parent_name = req.parent_name()};
  ASSIGN_OR_RETURN(change.purpose, PurposeOf(req.purpose()));
  ASSIGN_OR_RETURN(change.method, MethodOf(req.method()));
  return change;
}

}  // namespace

::grpc::ServerUnaryReactor* DirectoryGrpcService::CreateSchool(
    ::grpc::CallbackServerContext* context, const v1::CreateSchoolRequest* request,
    v1::CreateSchoolResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::CreateSchoolRequest& req,
                               v1::CreateSchoolResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(RetryKey retry, RetryKeyOf(req));
                          ASSIGN_OR_RETURN(School school,
                                           directory_.CreateSchool(CallerOf(call),
                                                                   FromProto(req.school()), retry));
                          ToProto(school, *resp.mutable_school());
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::GetSchool(::grpc::CallbackServerContext* context,
                                                            const v1::GetSchoolRequest* request,
                                                            v1::GetSchoolResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::GetSchoolRequest& req,
                               v1::GetSchoolResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(School school,
                                           directory_.GetSchool(CallerOf(call), req.school_id()));
                          ToProto(school, *resp.mutable_school());
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::UpdateSchool(
    ::grpc::CallbackServerContext* context, const v1::UpdateSchoolRequest* request,
    v1::UpdateSchoolResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::UpdateSchoolRequest& req,
             v1::UpdateSchoolResponse& resp) -> absl::Status {
        SchoolUpdate update{
            .school = FromProto(req.school()),
            .paths = {req.update_mask().paths().begin(), req.update_mask().paths().end()}};
        ASSIGN_OR_RETURN(School school, directory_.UpdateSchool(CallerOf(call), std::move(update)));
        ToProto(school, *resp.mutable_school());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ListSchools(
    ::grpc::CallbackServerContext* context, const v1::ListSchoolsRequest* request,
    v1::ListSchoolsResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::ListSchoolsRequest& req,
                               v1::ListSchoolsResponse& resp) -> absl::Status {
                          Page page{.size = req.page_size(), .token = req.page_token()};
                          ASSIGN_OR_RETURN(
                              std::vector<School> schools,
                              directory_.ListSchools(CallerOf(call), req.query(), page));
                          for (const School& school : schools) ToProto(school, *resp.add_schools());
                          resp.set_next_page_token(page.token);
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ListAuditLog(
    ::grpc::CallbackServerContext* context, const v1::ListAuditLogRequest* request,
    v1::ListAuditLogResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::ListAuditLogRequest& req,
             v1::ListAuditLogResponse& resp) -> absl::Status {
        AuditQuery query{.person_id = absl::AsciiStrToLower(req.person_id()),
                         .action = req.action()};
        if (req.has_start_time()) query.since = FromProto(req.start_time());
        if (req.has_end_time()) query.until = FromProto(req.end_time());
        Page page{.size = req.page_size(), .token = req.page_token()};
        ASSIGN_OR_RETURN(std::vector<AuditRecord> records,
                         directory_.ListAuditLog(CallerOf(call), req.school_id(), query, page));
        for (const AuditRecord& record : records) {
          v1::AuditLogEntry& out = *resp.add_entries();
          out.set_id(absl::StrCat(record.id));
          out.set_actor_id(record.actor_id);
          out.set_action(record.action);
          out.set_subject_id(record.subject_id);
          *out.mutable_create_time() = ToProto(record.at);
          out.set_client_address(record.client_address);
        }
        resp.set_next_page_token(page.token);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ListMembers(
    ::grpc::CallbackServerContext* context, const v1::ListMembersRequest* request,
    v1::ListMembersResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::ListMembersRequest& req,
                               v1::ListMembersResponse& resp) -> absl::Status {
                          std::optional<Role> role;
                          if (req.role() != v1::ROLE_UNSPECIFIED) {
                            ASSIGN_OR_RETURN(role, RoleOf(req.role()));
                          }
                          Page page{.size = req.page_size(), .token = req.page_token()};
                          ASSIGN_OR_RETURN(
                              std::vector<Member> members,
                              directory_.ListMembers(CallerOf(call), req.school_id(), role, page));
                          for (const Member& member : members) ToProto(member, *resp.add_members());
                          resp.set_next_page_token(page.token);
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::RemoveMemberRole(
    ::grpc::CallbackServerContext* context, const v1::RemoveMemberRoleRequest* request,
    v1::RemoveMemberRoleResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::RemoveMemberRoleRequest& req,
             v1::RemoveMemberRoleResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(Role role, RoleOf(req.role()));
        ASSIGN_OR_RETURN(Member member, directory_.RemoveMemberRole(CallerOf(call), req.school_id(),
                                                                    req.user_id(), role));
        ToProto(member, *resp.mutable_member());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::SetTeacherSubjects(
    ::grpc::CallbackServerContext* context, const v1::SetTeacherSubjectsRequest* request,
    v1::SetTeacherSubjectsResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::SetTeacherSubjectsRequest& req,
                               v1::SetTeacherSubjectsResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(Member member,
                                           directory_.SetTeacherSubjects(
                                               CallerOf(call), req.school_id(), req.user_id(),
                                               {req.subjects().begin(), req.subjects().end()}));
                          ToProto(member, *resp.mutable_member());
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::CreateClass(
    ::grpc::CallbackServerContext* context, const v1::CreateClassRequest* request,
    v1::CreateClassResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::CreateClassRequest& req,
             v1::CreateClassResponse& resp) -> absl::Status {
        SchoolClass school_class{.school_id = req.school_id(),
                                 .grade = req.class_().grade(),
                                 .letter = req.class_().letter(),
                                 .academic_year = req.class_().academic_year(),
                                 .class_teacher_id = req.class_().class_teacher_id()};
        ASSIGN_OR_RETURN(RetryKey retry, RetryKeyOf(req));
        ASSIGN_OR_RETURN(SchoolClass created,
                         directory_.CreateClass(CallerOf(call), school_class, retry));
        ToProto(created, *resp.mutable_class_());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::GetClass(::grpc::CallbackServerContext* context,
                                                           const v1::GetClassRequest* request,
                                                           v1::GetClassResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::GetClassRequest& req,
                               v1::GetClassResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(
                              SchoolClass found,
                              directory_.GetClass(CallerOf(call), req.school_id(), req.class_id()));
                          ToProto(found, *resp.mutable_class_());
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ListClasses(
    ::grpc::CallbackServerContext* context, const v1::ListClassesRequest* request,
    v1::ListClassesResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::ListClassesRequest& req,
             v1::ListClassesResponse& resp) -> absl::Status {
        Page page{.size = req.page_size(), .token = req.page_token()};
        ASSIGN_OR_RETURN(std::vector<SchoolClass> classes,
                         directory_.ListClasses(CallerOf(call), req.school_id(),
                                                req.academic_year(), req.include_archived(), page));
        for (const SchoolClass& c : classes) ToProto(c, *resp.add_classes());
        resp.set_next_page_token(page.token);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::UpdateClass(
    ::grpc::CallbackServerContext* context, const v1::UpdateClassRequest* request,
    v1::UpdateClassResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::UpdateClassRequest& req,
             v1::UpdateClassResponse& resp) -> absl::Status {
        ClassUpdate update{
            .school_class = {.id = req.class_().id(),
                             .letter = req.class_().letter(),
                             .class_teacher_id = req.class_().class_teacher_id()},
            .paths = {req.update_mask().paths().begin(), req.update_mask().paths().end()}};
        ASSIGN_OR_RETURN(
            SchoolClass updated,
            directory_.UpdateClass(CallerOf(call), req.school_id(), std::move(update)));
        ToProto(updated, *resp.mutable_class_());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ArchiveClass(
    ::grpc::CallbackServerContext* context, const v1::ArchiveClassRequest* request,
    v1::ArchiveClassResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::ArchiveClassRequest& req,
             v1::ArchiveClassResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(SchoolClass archived,
                         directory_.ArchiveClass(CallerOf(call), req.school_id(), req.class_id()));
        ToProto(archived, *resp.mutable_class_());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::GetClassRoster(
    ::grpc::CallbackServerContext* context, const v1::GetClassRosterRequest* request,
    v1::GetClassRosterResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::GetClassRosterRequest& req,
                               v1::GetClassRosterResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(ClassRoster roster,
                                           directory_.GetClassRoster(
                                               CallerOf(call), req.school_id(), req.class_id()));
                          ToProto(roster, *resp.mutable_roster());
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::AddClassTeacher(
    ::grpc::CallbackServerContext* context, const v1::AddClassTeacherRequest* request,
    v1::AddClassTeacherResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::AddClassTeacherRequest& req,
             v1::AddClassTeacherResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(ClassRoster roster,
                         directory_.AddClassTeacher(CallerOf(call), req.school_id(), req.class_id(),
                                                    req.user_id(), req.subject()));
        ToProto(roster, *resp.mutable_roster());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::MoveStudent(
    ::grpc::CallbackServerContext* context, const v1::MoveStudentRequest* request,
    v1::MoveStudentResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::MoveStudentRequest& req,
                               v1::MoveStudentResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(
                              ClassRoster roster,
                              directory_.MoveStudent(CallerOf(call), req.school_id(),
                                                     req.student_id(), req.to_class_id()));
                          ToProto(roster, *resp.mutable_roster());
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::CreateInvitation(
    ::grpc::CallbackServerContext* context, const v1::CreateInvitationRequest* request,
    v1::CreateInvitationResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::CreateInvitationRequest& req,
             v1::CreateInvitationResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(Role role, RoleOf(req.role()));
        ASSIGN_OR_RETURN(absl::Duration ttl, TtlOf(req.ttl()));
        ASSIGN_OR_RETURN(RetryKey retry, RetryKeyOf(req));
        ASSIGN_OR_RETURN(NewInvitation created,
                         directory_.CreateInvitation(CallerOf(call), req.school_id(), role,
                                                     req.class_id(), ttl, req.max_uses(), retry));
        ToProto(created.invitation, *resp.mutable_invitation());
        resp.set_code(created.code);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::CreateParentInvitation(
    ::grpc::CallbackServerContext* context, const v1::CreateParentInvitationRequest* request,
    v1::CreateParentInvitationResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::CreateParentInvitationRequest& req,
             v1::CreateParentInvitationResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(RetryKey retry, RetryKeyOf(req));
        ASSIGN_OR_RETURN(NewInvitation created,
                         directory_.CreateParentInvitation(CallerOf(call), req.school_id(),
                                                           req.student_id(), retry));
        ToProto(created.invitation, *resp.mutable_invitation());
        resp.set_code(created.code);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ListInvitations(
    ::grpc::CallbackServerContext* context, const v1::ListInvitationsRequest* request,
    v1::ListInvitationsResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::ListInvitationsRequest& req,
                               v1::ListInvitationsResponse& resp) -> absl::Status {
                          Page page{.size = req.page_size(), .token = req.page_token()};
                          ASSIGN_OR_RETURN(
                              std::vector<Invitation> invitations,
                              directory_.ListInvitations(CallerOf(call), req.school_id(),
                                                         req.include_inactive(), page));
                          for (const Invitation& invitation : invitations)
                            ToProto(invitation, *resp.add_invitations());
                          resp.set_next_page_token(page.token);
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::RevokeInvitation(
    ::grpc::CallbackServerContext* context, const v1::RevokeInvitationRequest* request,
    v1::RevokeInvitationResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::RevokeInvitationRequest& req,
             v1::RevokeInvitationResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(
            Invitation invitation,
            directory_.RevokeInvitation(CallerOf(call), req.school_id(), req.invitation_id()));
        ToProto(invitation, *resp.mutable_invitation());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::RedeemInvitation(
    ::grpc::CallbackServerContext* context, const v1::RedeemInvitationRequest* request,
    v1::RedeemInvitationResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::RedeemInvitationRequest& req,
                               v1::RedeemInvitationResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(Redemption redemption,
                                           directory_.RedeemInvitation(CallerOf(call), req.code()));
                          resp.set_school_id(redemption.school_id);
                          resp.set_role(ToProto(redemption.role));
                          resp.set_class_id(redemption.class_id);
                          if (redemption.parent_link)
                            ToProto(*redemption.parent_link, *resp.mutable_parent_link());
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ListParentLinks(
    ::grpc::CallbackServerContext* context, const v1::ListParentLinksRequest* request,
    v1::ListParentLinksResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::ListParentLinksRequest& req,
             v1::ListParentLinksResponse& resp) -> absl::Status {
        Page page{.size = req.page_size(), .token = req.page_token()};
        ASSIGN_OR_RETURN(
            std::vector<ParentLink> links,
            directory_.ListParentLinks(CallerOf(call), req.school_id(), req.student_id(), page));
        for (const ParentLink& link : links) ToProto(link, *resp.add_links());
        resp.set_next_page_token(page.token);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ConfirmParentLink(
    ::grpc::CallbackServerContext* context, const v1::ConfirmParentLinkRequest* request,
    v1::ConfirmParentLinkResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::ConfirmParentLinkRequest& req,
                               v1::ConfirmParentLinkResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(ParentLink link,
                                           directory_.ConfirmParentLink(
                                               CallerOf(call), req.school_id(), req.link_id()));
                          ToProto(link, *resp.mutable_parent_link());
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ClaimChild(
    ::grpc::CallbackServerContext* context, const v1::ClaimChildRequest* request,
    v1::ClaimChildResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::ClaimChildRequest& req,
                               v1::ClaimChildResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(ParentLink link,
                                           directory_.ClaimChild(CallerOf(call), req.school_id(),
                                                                 req.child_id()));
                          ToProto(link, *resp.mutable_parent_link());
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::UpdateStudentSettings(
    ::grpc::CallbackServerContext* context, const v1::UpdateStudentSettingsRequest* request,
    v1::UpdateStudentSettingsResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::UpdateStudentSettingsRequest& req,
             v1::UpdateStudentSettingsResponse& resp) -> absl::Status {
        StudentSettings values{.safe_mode = req.settings().safe_mode()};
        ASSIGN_OR_RETURN(StudentSettings settings,
                         directory_.UpdateStudentSettings(
                             CallerOf(call), req.school_id(), req.student_id(), values,
                             {req.update_mask().paths().begin(), req.update_mask().paths().end()}));
        ToProto(settings, *resp.mutable_settings());
        return absl::OkStatus();
      });
}

void DirectoryGrpcService::AnswerPermission(const Caller& subject, const std::string& permission,
                                            const std::string& resource,
                                            std::function<void(bool)> answer,
                                            grpc::RpcRuntime::Finish finish) {
  absl::StatusOr<PermissionQuery> query =
      directory_.ParsePermissionQuery(subject, permission, resource);
  if (!query.ok()) return finish(query.status());
  // A cached answer finishes the call on the cache's reply, holding no thread; a miss (or a
  // cache that cannot answer) goes to the executor, where Postgres decides.
  directory_.LookupPermission(
      *query, [this, query = *query, answer = std::move(answer),
               finish = std::move(finish)](absl::StatusOr<std::optional<bool>> cached) mutable {
        if (cached.ok() && cached->has_value()) {
          answer(**cached);
          return finish(absl::OkStatus());
        }
        bool cache_usable = cached.ok();
        bool queued = runtime_.executor().TrySubmit(
            [this, query = std::move(query), cache_usable, answer, finish]() {
              absl::StatusOr<bool> allowed = directory_.ComputePermission(query, cache_usable);
              if (allowed.ok()) answer(*allowed);
              finish(allowed.status());
            });
        if (!queued) finish(ResourceExhausted("SERVER_BUSY", "the server is busy; retry"));
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::CheckPermission(
    ::grpc::CallbackServerContext* context, const v1::CheckPermissionRequest* request,
    v1::CheckPermissionResponse* response) {
  return runtime_.ServeAsync(
      context, request, response,
      [this](const CallContext& call, const v1::CheckPermissionRequest& req,
             v1::CheckPermissionResponse& resp, grpc::RpcRuntime::Finish finish) {
        AnswerPermission(
            CallerOf(call), req.permission(), req.resource(),
            [&resp](bool allowed) { resp.set_allowed(allowed); }, std::move(finish));
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::CheckSubjectPermission(
    ::grpc::CallbackServerContext* context, const v1::CheckSubjectPermissionRequest* request,
    v1::CheckSubjectPermissionResponse* response) {
  return runtime_.ServeAsync(
      context, request, response,
      [this](const CallContext&, const v1::CheckSubjectPermissionRequest& req,
             v1::CheckSubjectPermissionResponse& resp, grpc::RpcRuntime::Finish finish) {
        if (!IsUuid(req.subject())) {
          return finish(InvalidArgument("INVALID_SUBJECT", "subject must be an account id"));
        }
        AnswerPermission(
            Caller{.user_id = req.subject()}, req.permission(), req.resource(),
            [&resp](bool allowed) { resp.set_allowed(allowed); }, std::move(finish));
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ListMemberships(
    ::grpc::CallbackServerContext* context, const v1::ListMembershipsRequest* request,
    v1::ListMembershipsResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::ListMembershipsRequest& req,
                               v1::ListMembershipsResponse& resp) -> absl::Status {
                          Page page{.size = req.page_size(), .token = req.page_token()};
                          ASSIGN_OR_RETURN(std::vector<Membership> memberships,
                                           directory_.ListMemberships(call.user_id(), page));
                          for (const Membership& m : memberships)
                            ToProto(m, *resp.add_memberships());
                          resp.set_next_page_token(page.token);
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ListSubjectMemberships(
    ::grpc::CallbackServerContext* context, const v1::ListSubjectMembershipsRequest* request,
    v1::ListSubjectMembershipsResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& /*call*/, const v1::ListSubjectMembershipsRequest& req,
             v1::ListSubjectMembershipsResponse& resp) -> absl::Status {
        Page page{.size = req.page_size(), .token = req.page_token()};
        ASSIGN_OR_RETURN(std::vector<Membership> memberships,
                         directory_.ListMemberships(req.subject(), page));
        for (const Membership& m : memberships) ToProto(m, *resp.add_memberships());
        resp.set_next_page_token(page.token);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ListEvents(::grpc::CallbackServerContext* context,
                                                             const v1::ListEventsRequest* request,
                                                             v1::ListEventsResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::ListEventsRequest& req,
             v1::ListEventsResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(EventPage page,
                         directory_.ListEvents(req.school_id(), req.after_sequence(),
                                               req.page_size(), [&](const School& school) {
                                                 return call.caller->CoversSchool(
                                                     school.id, school.region_code);
                                               }));
        for (const Event& event : page.events) {
          v1::StreamedEvent& out = *resp.add_events();
          out.set_sequence(event.sequence);
          if (!out.mutable_event()->ParseFromString(event.payload)) {
            return Internal("BAD_EVENT", "a stored event does not parse");
          }
        }
        resp.set_has_more(page.has_more);
        return absl::OkStatus();
      });
}

namespace {

v1::SyncAction ToProto(SyncAction action) {
  switch (action) {
    case SyncAction::kCreated:
      return v1::SYNC_ACTION_CREATED;
    case SyncAction::kUpdated:
      return v1::SYNC_ACTION_UPDATED;
    case SyncAction::kUnchanged:
      return v1::SYNC_ACTION_UNCHANGED;
    case SyncAction::kRemoved:
      return v1::SYNC_ACTION_REMOVED;
    case SyncAction::kRejected:
      return v1::SYNC_ACTION_REJECTED;
  }
  return v1::SYNC_ACTION_UNSPECIFIED;
}

RosterSync RosterSyncOf(const v1::SyncRosterRequest& req) {
  RosterSync sync{.school_id = req.school_id(),
                  .academic_year = req.academic_year(),
                  .dry_run = req.dry_run(),
                  .remove_missing = req.remove_missing()};
  for (const v1::SyncedClass& c : req.classes()) {
    sync.classes.push_back({.external_id = c.external_id(),
                            .name = c.name(),
                            .teacher_external_id = c.teacher_external_id()});
  }
  for (const v1::SyncedPerson& p : req.people()) {
    // An unknown or missing role is kept as one the sync refuses (INVALID_ROLE).
    sync.people.push_back({.external_id = p.external_id(),
                           .role = FromProto(p.role()).value_or(Role::kAdmin),
                           .last_name = p.last_name(),
                           .first_name = p.first_name(),
                           .middle_name = p.middle_name(),
                           .birth_date = p.birth_date(),
                           .class_external_id = p.class_external_id(),
                           .child_external_ids = {p.child_external_ids().begin(),
                                                  p.child_external_ids().end()}});
  }
  return sync;
}

}  // namespace

::grpc::ServerUnaryReactor* DirectoryGrpcService::SyncRoster(
    ::grpc::CallbackServerContext* context, const v1::SyncRosterRequest* request,
    v1::SyncRosterResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::SyncRosterRequest& req,
             v1::SyncRosterResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(RosterSyncReport report,
                         directory_.SyncRoster(
                             [&](const School& school) {
                               return call.caller->CoversSchool(school.id, school.region_code);
                             },
                             RosterSyncOf(req)));
        for (const SyncOutcome& result : report.results) {
          v1::SyncResult& out = *resp.add_results();
          out.set_kind(result.kind);
          out.set_external_id(result.external_id);
          out.set_action(ToProto(result.action));
          out.set_id(result.id);
          out.set_reason(result.reason);
          out.set_message(result.message);
          out.set_username(result.username);
          out.set_login_code(result.login_code);
        }
        resp.set_created(report.Count(SyncAction::kCreated));
        resp.set_updated(report.Count(SyncAction::kUpdated));
        resp.set_unchanged(report.Count(SyncAction::kUnchanged));
        resp.set_removed(report.Count(SyncAction::kRemoved));
        resp.set_rejected(report.Count(SyncAction::kRejected));
        resp.set_dry_run(report.dry_run);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::CreateJoinRequest(
    ::grpc::CallbackServerContext* context, const v1::CreateJoinRequestRequest* request,
    v1::CreateJoinRequestResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::CreateJoinRequestRequest& req,
                               v1::CreateJoinRequestResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(Role role, RoleOf(req.role()));
                          ASSIGN_OR_RETURN(
                              JoinRequest created,
                              directory_.CreateJoinRequest(CallerOf(call), req.school_id(), role,
                                                           req.class_id(), req.message()));
                          ToProto(created, *resp.mutable_join_request());
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ListJoinRequests(
    ::grpc::CallbackServerContext* context, const v1::ListJoinRequestsRequest* request,
    v1::ListJoinRequestsResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::ListJoinRequestsRequest& req,
                               v1::ListJoinRequestsResponse& resp) -> absl::Status {
                          Page page{.size = req.page_size(), .token = req.page_token()};
                          ASSIGN_OR_RETURN(
                              std::vector<JoinRequest> requests,
                              directory_.ListJoinRequests(CallerOf(call), req.school_id(),
                                                          req.include_decided(), page));
                          for (const JoinRequest& request : requests)
                            ToProto(request, *resp.add_requests());
                          resp.set_next_page_token(page.token);
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ApproveJoinRequest(
    ::grpc::CallbackServerContext* context, const v1::ApproveJoinRequestRequest* request,
    v1::ApproveJoinRequestResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::ApproveJoinRequestRequest& req,
                               v1::ApproveJoinRequestResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(
                              JoinRequest decided,
                              directory_.DecideJoinRequest(CallerOf(call), req.school_id(),
                                                           req.request_id(), /*approve=*/true, ""));
                          ToProto(decided, *resp.mutable_join_request());
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::DeclineJoinRequest(
    ::grpc::CallbackServerContext* context, const v1::DeclineJoinRequestRequest* request,
    v1::DeclineJoinRequestResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::DeclineJoinRequestRequest& req,
                               v1::DeclineJoinRequestResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(JoinRequest decided,
                                           directory_.DecideJoinRequest(
                                               CallerOf(call), req.school_id(), req.request_id(),
                                               /*approve=*/false, req.reason()));
                          ToProto(decided, *resp.mutable_join_request());
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ListMyJoinRequests(
    ::grpc::CallbackServerContext* context, const v1::ListMyJoinRequestsRequest* request,
    v1::ListMyJoinRequestsResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::ListMyJoinRequestsRequest& req,
                               v1::ListMyJoinRequestsResponse& resp) -> absl::Status {
                          Page page{.size = req.page_size(), .token = req.page_token()};
                          ASSIGN_OR_RETURN(std::vector<JoinRequest> requests,
                                           directory_.ListMyJoinRequests(CallerOf(call), page));
                          for (const JoinRequest& request : requests)
                            ToProto(request, *resp.add_requests());
                          resp.set_next_page_token(page.token);
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::RolloverAcademicYear(
    ::grpc::CallbackServerContext* context, const v1::RolloverAcademicYearRequest* request,
    v1::RolloverAcademicYearResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::RolloverAcademicYearRequest& req,
                               v1::RolloverAcademicYearResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(RolloverResult result,
                                           directory_.Rollover(CallerOf(call), req.school_id(),
                                                               req.from_year(), req.dry_run()));
                          ToProto(result, resp);
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::CreateLesson(
    ::grpc::CallbackServerContext* context, const v1::CreateLessonRequest* request,
    v1::CreateLessonResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::CreateLessonRequest& req,
             v1::CreateLessonResponse& resp) -> absl::Status {
        Lesson lesson{.school_id = req.school_id(),
                      .class_id = req.lesson().class_id(),
                      .weekday = req.lesson().weekday(),
                      .subject = req.lesson().subject(),
                      .teacher_id = req.lesson().teacher_id(),
                      .room = req.lesson().room()};
        ASSIGN_OR_RETURN(lesson.start_minute, ParseLocalTime(req.lesson().start_time()));
        ASSIGN_OR_RETURN(lesson.end_minute, ParseLocalTime(req.lesson().end_time()));
        ASSIGN_OR_RETURN(RetryKey retry, RetryKeyOf(req));
        ASSIGN_OR_RETURN(Lesson created,
                         directory_.CreateLesson(CallerOf(call), std::move(lesson), retry));
        ToProto(created, *resp.mutable_lesson());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::DeleteLesson(
    ::grpc::CallbackServerContext* context, const v1::DeleteLessonRequest* request,
    v1::DeleteLessonResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::DeleteLessonRequest& req,
             v1::DeleteLessonResponse&) -> absl::Status {
        RETURN_IF_ERROR(directory_.DeleteLesson(CallerOf(call), req.school_id(), req.lesson_id()));
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::GetClassTimetable(
    ::grpc::CallbackServerContext* context, const v1::GetClassTimetableRequest* request,
    v1::GetClassTimetableResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::GetClassTimetableRequest& req,
             v1::GetClassTimetableResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(Timetable timetable,
                         directory_.GetTimetable(CallerOf(call), req.school_id(), req.class_id(),
                                                 /*by_teacher=*/false, req.week_of()));
        ToProto(timetable, *resp.mutable_timetable());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::GetTeacherTimetable(
    ::grpc::CallbackServerContext* context, const v1::GetTeacherTimetableRequest* request,
    v1::GetTeacherTimetableResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::GetTeacherTimetableRequest& req,
             v1::GetTeacherTimetableResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(Timetable timetable,
                         directory_.GetTimetable(CallerOf(call), req.school_id(), req.teacher_id(),
                                                 /*by_teacher=*/true, req.week_of()));
        ToProto(timetable, *resp.mutable_timetable());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ImportRoster(
    ::grpc::CallbackServerContext* context, const v1::ImportRosterRequest* request,
    v1::ImportRosterResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::ImportRosterRequest& req,
                               v1::ImportRosterResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(
                              ImportReport report,
                              directory_.ImportRoster(CallerOf(call), req.school_id(), req.csv(),
                                                      req.academic_year(), req.dry_run()));
                          resp.set_rows(report.rows);
                          for (const ImportedPerson& person : report.people) {
                            v1::ImportedPerson& out = *resp.add_people();
                            out.set_line(person.line);
                            out.set_account_id(person.account_id);
                            out.set_display_name(person.display_name);
                            out.set_username(person.username);
                            out.set_login_code(person.login_code);
                            out.set_role(ToProto(person.role));
                            out.set_class_id(person.class_id);
                            out.set_created(person.created);
                          }
                          for (const RejectedRow& rejected : report.rejected) {
                            v1::RejectedLine& out = *resp.add_rejected();
                            out.set_line(rejected.line);
                            out.set_reason(rejected.reason);
                            out.set_message(rejected.message);
                          }
                          resp.set_dry_run(report.dry_run);
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::IssueClassLoginCodes(
    ::grpc::CallbackServerContext* context, const v1::IssueClassLoginCodesRequest* request,
    v1::IssueClassLoginCodesResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::IssueClassLoginCodesRequest& req,
                               v1::IssueClassLoginCodesResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(std::vector<LoginCard> cards,
                                           directory_.IssueClassLoginCodes(
                                               CallerOf(call), req.school_id(), req.class_id()));
                          for (const LoginCard& card : cards) {
                            v1::LoginCard& out = *resp.add_cards();
                            out.set_student_id(card.student_id);
                            out.set_display_name(card.display_name);
                            out.set_username(card.username);
                            out.set_login_code(card.login_code);
                            *out.mutable_expire_time() = ToProto(card.expires_at);
                          }
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::RequestChildErasure(
    ::grpc::CallbackServerContext* context, const v1::RequestChildErasureRequest* request,
    v1::RequestChildErasureResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::RequestChildErasureRequest& req,
             v1::RequestChildErasureResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(absl::Time erase_at,
                         directory_.RequestChildErasure(CallerOf(call), req.school_id(),
                                                        req.student_id(), req.reason()));
        *resp.mutable_erase_time() = ToProto(erase_at);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ConfirmMember(
    ::grpc::CallbackServerContext* context, const v1::ConfirmMemberRequest* request,
    v1::ConfirmMemberResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::ConfirmMemberRequest& req,
             v1::ConfirmMemberResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(Member member,
                         directory_.ConfirmMember(CallerOf(call), req.school_id(), req.user_id()));
        ToProto(member, *resp.mutable_member());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::FilterVisibleMembers(
    ::grpc::CallbackServerContext* context, const v1::FilterVisibleMembersRequest* request,
    v1::FilterVisibleMembersResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::FilterVisibleMembersRequest& req,
                               v1::FilterVisibleMembersResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(std::vector<std::string> visible,
                                           directory_.FilterVisibleMembers(
                                               CallerOf(call), req.school_id(), req.permission(),
                                               {req.user_ids().begin(), req.user_ids().end()}));
                          for (std::string& id : visible) resp.add_user_ids(std::move(id));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ListConsentTexts(
    ::grpc::CallbackServerContext* context, const v1::ListConsentTextsRequest* request,
    v1::ListConsentTextsResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext&, const v1::ListConsentTextsRequest&,
                               v1::ListConsentTextsResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(std::vector<ConsentText> texts,
                                           directory_.ListConsentTexts());
                          for (const ConsentText& text : texts) ToProto(text, *resp.add_texts());
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::PublishConsentText(
    ::grpc::CallbackServerContext* context, const v1::PublishConsentTextRequest* request,
    v1::PublishConsentTextResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::PublishConsentTextRequest& req,
             v1::PublishConsentTextResponse& resp) -> absl::Status {
        ConsentText text{.version = req.version(), .text = req.text()};
        ASSIGN_OR_RETURN(text.purpose, PurposeOf(req.purpose()));
        ASSIGN_OR_RETURN(ConsentText published,
                         directory_.PublishConsentText(CallerOf(call), std::move(text)));
        ToProto(published, *resp.mutable_text());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::GiveConsent(
    ::grpc::CallbackServerContext* context, const v1::GiveConsentRequest* request,
    v1::GiveConsentResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::GiveConsentRequest& req,
             v1::GiveConsentResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(ConsentChange change, ConsentChangeOf(req));
        change.text_version = req.text_version();
        ASSIGN_OR_RETURN(ConsentState state, directory_.GiveConsent(CallerOf(call), change));
        ToProto(state, *resp.mutable_consent());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::WithdrawConsent(
    ::grpc::CallbackServerContext* context, const v1::WithdrawConsentRequest* request,
    v1::WithdrawConsentResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::WithdrawConsentRequest& req,
             v1::WithdrawConsentResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(ConsentChange change, ConsentChangeOf(req));
        ASSIGN_OR_RETURN(ConsentState state, directory_.WithdrawConsent(CallerOf(call), change));
        ToProto(state, *resp.mutable_consent());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ListConsents(
    ::grpc::CallbackServerContext* context, const v1::ListConsentsRequest* request,
    v1::ListConsentsResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::ListConsentsRequest& req,
             v1::ListConsentsResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(std::vector<ConsentState> states,
                         directory_.ListConsents(CallerOf(call), req.person_id()));
        for (const ConsentState& state : states) ToProto(state, *resp.add_consents());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ListMissingConsents(
    ::grpc::CallbackServerContext* context, const v1::ListMissingConsentsRequest* request,
    v1::ListMissingConsentsResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::ListMissingConsentsRequest& req,
             v1::ListMissingConsentsResponse& resp) -> absl::Status {
        Page page{.size = req.page_size(), .token = req.page_token()};
        ASSIGN_OR_RETURN(std::vector<MissingConsent> missing,
                         directory_.ListMissingConsents(CallerOf(call), req.school_id(), page));
        for (const MissingConsent& m : missing) ToProto(m, *resp.add_missing());
        resp.set_next_page_token(page.token);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* DirectoryGrpcService::ExportPersonData(
    ::grpc::CallbackServerContext* context, const v1::ExportPersonDataRequest* request,
    v1::ExportPersonDataResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext&, const v1::ExportPersonDataRequest& req,
                               v1::ExportPersonDataResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(PersonExport exported,
                                           directory_.ExportPersonData(req.person_id()));
                          return ToExportFiles(exported, resp);
                        });
}

}  // namespace parta::directory
