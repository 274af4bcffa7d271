// Use cases of invitations and parent links (declared in directory.h).

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "services/directory/domain/directory.h"
#include "services/directory/domain/use_case_support.h"
#include "services/directory/domain/validation.h"

namespace parta::directory {
namespace {

// The token-paged lists of this file: their names bind a token to its list.
constexpr absl::string_view kInvitationsList = "invitations";
constexpr absl::string_view kParentLinksList = "parent_links";

// Claims a retried invitation create with its answer: the invitation's id and its code, which no
// other answer shows. On a retry `created` becomes the first call's invitation; returns whether
// this call is one.
absl::StatusOr<bool> ClaimInvitation(DirectoryTx& tx, const Caller& caller,
                                     absl::string_view operation, const RetryKey& retry,
                                     const std::string& school_id, NewInvitation& created,
                                     absl::Time now) {
  ASSIGN_OR_RETURN(std::optional<std::string> first,
                   tx.ClaimRequest(caller.user_id, operation, retry,
                                   absl::StrCat(created.invitation.id, " ", created.code), now));
  if (!first) return false;
  std::pair<std::string, std::string> answer = absl::StrSplit(*first, absl::MaxSplits(' ', 1));
  ASSIGN_OR_RETURN(std::optional<Invitation> made, tx.FindInvitation(school_id, answer.first));
  if (!made) return NotFound("INVITATION_NOT_FOUND", "no such invitation in the school");
  created = NewInvitation{.invitation = *std::move(made), .code = answer.second};
  return true;
}

}  // namespace

absl::StatusOr<NewInvitation> Directory::CreateInvitation(const Caller& caller,
                                                          const std::string& school_id, Role role,
                                                          const std::string& class_id,
                                                          absl::Duration ttl, int max_uses,
                                                          const RetryKey& retry) {
  if (role == Role::kParent) {
    return InvalidArgument("INVALID_ROLE",
                           "parents are invited from the child's profile (parent invitations)");
  }
  if (role == Role::kStudent && class_id.empty()) {
    return InvalidArgument("CLASS_REQUIRED", "a student invitation names the class");
  }
  if (role != Role::kStudent && !class_id.empty()) {
    return InvalidArgument("CLASS_NOT_ALLOWED", "only student invitations name a class");
  }
  if (ttl == absl::ZeroDuration()) ttl = settings_.default_invitation_ttl;
  if (ttl < absl::Minutes(1) || ttl > settings_.max_invitation_ttl) {
    return InvalidArgument("INVALID_TTL", "ttl must be from 60 seconds to 30 days");
  }
  if (max_uses == 0) max_uses = 1;
  if (max_uses < 1 || max_uses > 1000) {
    return InvalidArgument("INVALID_MAX_USES", "max_uses must be 1–1000");
  }
  absl::Time now = clock_.Now();
  NewInvitation created;
  created.code = NewInvitationCode();
  Invitation& invitation = created.invitation;
  invitation = {.id = ids_.NewId(),
                .school_id = school_id,
                .role = role,
                .class_id = class_id,
                .code_hash = HashInvitationCode(created.code),
                .expires_at = now + ttl,
                .max_uses = max_uses,
                .creator_id = caller.user_id,
                .created_at = now};
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder&) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    if (role == Role::kStudent) {
      ASSIGN_OR_RETURN(SchoolClass school_class, FindClassIn(tx, school_id, class_id));
      if (!directory::Decide(Permission::kClassStudentsInvite, ClassRelations(facts, class_id))) {
        return Deny("NOT_CLASS_TEACHER",
                    "only an admin or a teacher of the class invites students to it");
      }
      RETURN_IF_ERROR(RequireActive(school_class));
    } else {
      RETURN_IF_ERROR(RequireInvitationManager(caller, facts));
    }
    ASSIGN_OR_RETURN(bool retried, ClaimInvitation(tx, caller, "CreateInvitation", retry,
                                                   school_id, created, now));
    if (retried) return absl::OkStatus();
    RETURN_IF_ERROR(tx.InsertInvitation(invitation));
    return tx.Audit(school_id, caller, absl::StrCat("invitation_created:", RoleName(role)),
                    invitation.id, now);
  }));
  return created;
}

absl::StatusOr<NewInvitation> Directory::CreateParentInvitation(const Caller& caller,
                                                                const std::string& school_id,
                                                                const std::string& student_id,
                                                                const RetryKey& retry) {
  absl::Time now = clock_.Now();
  NewInvitation created;
  created.code = NewInvitationCode();
  created.invitation = {.id = ids_.NewId(),
                        .school_id = school_id,
                        .role = Role::kParent,
                        .student_id = student_id,
                        .code_hash = HashInvitationCode(created.code),
                        .expires_at = now + settings_.parent_invitation_ttl,
                        .max_uses = 1,
                        .creator_id = caller.user_id,
                        .created_at = now};
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder&) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    ASSIGN_OR_RETURN(PersonFacts student, StudentFacts(tx, school_id, student_id));
    if (!directory::Decide(Permission::kMemberParentInvite, MemberRelations(facts, student),
                           TargetKindOf(student))) {
      return Deny("NOT_ALLOWED_FOR_STUDENT",
                  "only the student, his class teacher, his parents or an admin may do this");
    }
    ASSIGN_OR_RETURN(bool retried, ClaimInvitation(tx, caller, "CreateParentInvitation", retry,
                                                   school_id, created, now));
    if (retried) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::vector<ParentLink> links, tx.ListParentLinks(school_id, student_id));
    if (static_cast<int>(links.size()) >= settings_.max_parents_per_student) {
      return Error(absl::StatusCode::kFailedPrecondition, "PARENT_LIMIT_REACHED",
                   "the student has as many parents as allowed");
    }
    RETURN_IF_ERROR(tx.InsertInvitation(created.invitation));
    return tx.Audit(school_id, caller, "parent_invitation_created", student_id, now);
  }));
  return created;
}

absl::StatusOr<std::vector<Invitation>> Directory::ListInvitations(const Caller& caller,
                                                                   const std::string& school_id,
                                                                   bool include_inactive,
                                                                   Page& page) {
  ASSIGN_OR_RETURN(int size, PageSize(page.size, 200));
  // A token serves the same school, caller and filter only.
  const std::string scope =
      absl::StrCat(school_id, "/", caller.user_id, "/", include_inactive ? "all" : "active");
  ASSIGN_OR_RETURN(std::optional<CreatedKey> before,
                   DecodeCreatedKey(page.token, kInvitationsList, scope));
  std::vector<Invitation> invitations;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    RETURN_IF_ERROR(RequireInvitationManager(caller, facts));
    ASSIGN_OR_RETURN(invitations, tx.ListInvitations(school_id, include_inactive, clock_.Now(),
                                                     before, size + 1));
    return absl::OkStatus();
  }));
  page.token.clear();
  if (static_cast<int>(invitations.size()) > size) {
    invitations.resize(size);
    const Invitation& last = invitations.back();
    page.token =
        EncodeCreatedKey(kInvitationsList, scope, {.created_at = last.created_at, .id = last.id});
  }
  return invitations;
}

absl::StatusOr<Invitation> Directory::RevokeInvitation(const Caller& caller,
                                                       const std::string& school_id,
                                                       const std::string& invitation_id) {
  Invitation result;
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder&) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    std::optional<Invitation> invitation;
    if (IsUuid(invitation_id)) {
      ASSIGN_OR_RETURN(invitation, tx.FindInvitation(school_id, invitation_id));
    }
    if (!invitation) {
      return NotFound("INVITATION_NOT_FOUND", "no such invitation in the school");
    }
    if (invitation->creator_id != caller.user_id) {
      RETURN_IF_ERROR(RequireInvitationManager(caller, facts));
    }
    invitation->revoked = true;
    RETURN_IF_ERROR(tx.SaveInvitationState(*invitation));
    result = *invitation;
    return tx.Audit(school_id, caller, "invitation_revoked", invitation->id, clock_.Now());
  }));
  return result;
}

absl::StatusOr<Redemption> Directory::RedeemInvitation(const Caller& caller,
                                                       const std::string& code) {
  ASSIGN_OR_RETURN(std::string normalized, NormalizeInvitationCode(code));
  std::string hash = HashInvitationCode(normalized);
  absl::Time now = clock_.Now();
  Redemption result;
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    result = {};
    ASSIGN_OR_RETURN(std::optional<Invitation> invitation, tx.LockInvitation(hash));
    if (!invitation) return NotFound("INVITATION_NOT_FOUND", "no invitation has this code");
    result.school_id = invitation->school_id;
    result.role = invitation->role;
    result.class_id = invitation->class_id;
    const std::string& school_id = invitation->school_id;
    ASSIGN_OR_RETURN(bool again, tx.HasRedeemed(invitation->id, caller.user_id));
    if (again) {
      // The same user redeeming again gets the first result and spends nothing.
      if (invitation->role == Role::kParent) {
        ASSIGN_OR_RETURN(result.parent_link,
                         tx.FindParentLink(school_id, caller.user_id, invitation->student_id));
      }
      return absl::OkStatus();
    }
    if (invitation->revoked) {
      return Error(absl::StatusCode::kFailedPrecondition, "INVITATION_REVOKED",
                   "the invitation was revoked");
    }
    if (invitation->expires_at <= now) {
      return Error(absl::StatusCode::kFailedPrecondition, "INVITATION_EXPIRED",
                   "the invitation has expired");
    }
    if (invitation->uses >= invitation->max_uses) {
      return Error(absl::StatusCode::kFailedPrecondition, "INVITATION_USED_UP",
                   "the invitation has been used as often as it may");
    }
    if (invitation->role == Role::kParent) {
      const std::string& student_id = invitation->student_id;
      if (student_id == caller.user_id) {
        return Error(absl::StatusCode::kFailedPrecondition, "PARENT_IS_CHILD",
                     "a child's own account cannot become its parent");
      }
      ASSIGN_OR_RETURN(PersonFacts student, StudentFacts(tx, school_id, student_id));
      ASSIGN_OR_RETURN(std::vector<ParentLink> links, tx.ListParentLinks(school_id, student_id));
      ASSIGN_OR_RETURN(std::optional<ParentLink> existing,
                       tx.FindParentLink(school_id, caller.user_id, student_id));
      if (existing) {
        result.parent_link = existing;
      } else {
        if (static_cast<int>(links.size()) >= settings_.max_parents_per_student) {
          return Error(absl::StatusCode::kFailedPrecondition, "PARENT_LIMIT_REACHED",
                       "the student has as many parents as allowed");
        }
        ParentLink link{.id = ids_.NewId(),
                        .school_id = school_id,
                        .parent_id = caller.user_id,
                        .student_id = student_id,
                        .state = ParentLinkState::kPending,
                        .created_at = now};
        RETURN_IF_ERROR(tx.InsertParentLink(link));
        result.parent_link = link;
        RETURN_IF_ERROR(recorder.Record(school_id, {.kind = Change::Kind::kParentLinkRequested,
                                                    .parent_link = link,
                                                    .existing_parent_ids = student.parents}));
      }
    } else {
      RETURN_IF_ERROR(GrantMembership(tx, recorder, school_id, caller.user_id, invitation->role,
                                      invitation->class_id, now));
    }
    invitation->uses += 1;
    RETURN_IF_ERROR(tx.SaveInvitationState(*invitation));
    RETURN_IF_ERROR(tx.InsertRedemption(invitation->id, caller.user_id, now));
    return tx.Audit(school_id, caller, "invitation_redeemed", invitation->id, now);
  }));
  return result;
}

absl::StatusOr<std::vector<ParentLink>> Directory::ListParentLinks(const Caller& caller,
                                                                   const std::string& school_id,
                                                                   const std::string& student_id,
                                                                   Page& page) {
  ASSIGN_OR_RETURN(int size, PageSize(page.size, 200));
  // A token serves the same school, student and caller only.
  const std::string scope = absl::StrCat(school_id, "/", student_id, "/", caller.user_id);
  ASSIGN_OR_RETURN(std::optional<CreatedKey> after,
                   DecodeCreatedKey(page.token, kParentLinksList, scope));
  std::vector<ParentLink> links;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    ASSIGN_OR_RETURN(PersonFacts student, StudentFacts(tx, school_id, student_id));
    if (!directory::Decide(Permission::kMemberParentLinksRead, MemberRelations(facts, student),
                           TargetKindOf(student))) {
      return Deny("NOT_ALLOWED_FOR_STUDENT",
                  "only the student, his class teacher, his parents or an admin may do this");
    }
    ASSIGN_OR_RETURN(links, tx.ListParentLinksPage(school_id, student_id, after, size + 1));
    return absl::OkStatus();
  }));
  page.token.clear();
  if (static_cast<int>(links.size()) > size) {
    links.resize(size);
    const ParentLink& last = links.back();
    page.token =
        EncodeCreatedKey(kParentLinksList, scope, {.created_at = last.created_at, .id = last.id});
  }
  return links;
}

absl::StatusOr<ParentLink> Directory::ConfirmParentLink(const Caller& caller,
                                                        const std::string& school_id,
                                                        const std::string& link_id) {
  ParentLink result;
  absl::Time now = clock_.Now();
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    std::optional<ParentLink> link;
    if (IsUuid(link_id)) {
      ASSIGN_OR_RETURN(link, tx.LockParentLink(school_id, link_id));
    }
    if (!link) return NotFound("PARENT_LINK_NOT_FOUND", "no such parent link in the school");
    ASSIGN_OR_RETURN(PersonFacts student, StudentFacts(tx, school_id, link->student_id));
    if (!directory::Decide(Permission::kMemberParentConfirm, MemberRelations(facts, student),
                           TargetKindOf(student))) {
      return Deny("NOT_ALLOWED_FOR_STUDENT",
                  "only the student's class teacher, his parents or an admin may do this");
    }
    if (link->state != ParentLinkState::kPending) {
      return Error(absl::StatusCode::kFailedPrecondition, "PARENT_LINK_NOT_PENDING",
                   "the parent link is confirmed already");
    }
    if (student.verified_adults_only) {
      ASSIGN_OR_RETURN(bool vouched, IsVouchedAdult(link->parent_id));
      if (!vouched) {
        return FailedPrecondition("PARENT_NOT_VERIFIED",
                                  "the school admits only parents the state or a school vouches "
                                  "for: the parent signs in with Gosuslugi first");
      }
    }
    link->state = ParentLinkState::kConfirmed;
    link->confirmed_by = caller.user_id;
    link->confirmed_at = now;
    RETURN_IF_ERROR(tx.SaveParentLink(*link));
    ASSIGN_OR_RETURN(bool granted, tx.GrantRole(school_id, link->parent_id, Role::kParent, now));
    if (granted) {
      RETURN_IF_ERROR(recorder.Record(
          school_id,
          {.kind = Change::Kind::kRoleGranted, .user_id = link->parent_id, .role = Role::kParent}));
    }
    RETURN_IF_ERROR(recorder.Record(school_id, {.kind = Change::Kind::kParentLinkConfirmed,
                                                .parent_link = *link,
                                                .existing_parent_ids = student.parents}));
    result = *link;
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<StudentSettings> Directory::UpdateStudentSettings(
    const Caller& caller, const std::string& school_id, const std::string& student_id,
    const StudentSettings& values, const std::vector<std::string>& paths) {
  if (paths.empty()) {
    return InvalidArgument("INVALID_UPDATE_MASK", "update_mask names no field");
  }
  for (const std::string& path : paths) {
    if (path != "safe_mode") {
      return InvalidArgument("INVALID_UPDATE_MASK", "only safe_mode can change: " + path);
    }
  }
  // safe_mode is the only field, and a valid mask names it.
  StudentSettings settings{
      .school_id = school_id, .student_id = student_id, .safe_mode = values.safe_mode};
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    ASSIGN_OR_RETURN(PersonFacts student, StudentFacts(tx, school_id, student_id));
    if (!directory::Decide(Permission::kMemberSettingsUpdate, MemberRelations(facts, student),
                           TargetKindOf(student))) {
      return Deny("NOT_ALLOWED_FOR_STUDENT",
                  "only the student's parents or an admin change his settings");
    }
    if (!settings.safe_mode) {
      // Everyone of the school finding him needs his parent's consent (152-FZ).
      RETURN_IF_ERROR(
          RequireGivenConsent(tx, student_id, ConsentPurpose::kSchoolWideVisibility));
    }
    return SaveSettings(tx, recorder, settings);
  }));
  return settings;
}

}  // namespace parta::directory
