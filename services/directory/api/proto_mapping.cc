#include "services/directory/api/proto_mapping.h"

#include "google/protobuf/util/time_util.h"
#include "services/directory/domain/validation.h"

namespace parta::directory {

absl::Time FromProto(const google::protobuf::Timestamp& time) {
  return absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos());
}

google::protobuf::Timestamp ToProto(absl::Time time) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

v1::Role ToProto(Role role) {
  switch (role) {
    case Role::kAdmin:
      return v1::ROLE_ADMIN;
    case Role::kTeacher:
      return v1::ROLE_TEACHER;
    case Role::kEmployee:
      return v1::ROLE_EMPLOYEE;
    case Role::kStudent:
      return v1::ROLE_STUDENT;
    case Role::kParent:
      return v1::ROLE_PARENT;
  }
  return v1::ROLE_UNSPECIFIED;
}

std::optional<Role> FromProto(v1::Role role) {
  switch (role) {
    case v1::ROLE_ADMIN:
      return Role::kAdmin;
    case v1::ROLE_TEACHER:
      return Role::kTeacher;
    case v1::ROLE_EMPLOYEE:
      return Role::kEmployee;
    case v1::ROLE_STUDENT:
      return Role::kStudent;
    case v1::ROLE_PARENT:
      return Role::kParent;
    default:
      return std::nullopt;
  }
}

v1::ConsentPurpose ToProto(ConsentPurpose purpose) {
  switch (purpose) {
    case ConsentPurpose::kService:
      return v1::CONSENT_PURPOSE_SERVICE;
    case ConsentPurpose::kChildData:
      return v1::CONSENT_PURPOSE_CHILD_DATA;
    case ConsentPurpose::kSchoolWideVisibility:
      return v1::CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY;
  }
  return v1::CONSENT_PURPOSE_UNSPECIFIED;
}

std::optional<ConsentPurpose> FromProto(v1::ConsentPurpose purpose) {
  switch (purpose) {
    case v1::CONSENT_PURPOSE_SERVICE:
      return ConsentPurpose::kService;
    case v1::CONSENT_PURPOSE_CHILD_DATA:
      return ConsentPurpose::kChildData;
    case v1::CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY:
      return ConsentPurpose::kSchoolWideVisibility;
    default:
      return std::nullopt;
  }
}

v1::ConsentMethod ToProto(ConsentMethod method) {
  return method == ConsentMethod::kPaper ? v1::CONSENT_METHOD_PAPER : v1::CONSENT_METHOD_ONLINE;
}

std::optional<ConsentMethod> FromProto(v1::ConsentMethod method) {
  switch (method) {
    case v1::CONSENT_METHOD_UNSPECIFIED:
    case v1::CONSENT_METHOD_ONLINE:
      return ConsentMethod::kOnline;
    case v1::CONSENT_METHOD_PAPER:
      return ConsentMethod::kPaper;
    default:
      return std::nullopt;
  }
}

v1::ConsentStatus ToProto(ConsentStatus status) {
  switch (status) {
    case ConsentStatus::kGiven:
      return v1::CONSENT_STATUS_GIVEN;
    case ConsentStatus::kOutdated:
      return v1::CONSENT_STATUS_OUTDATED;
    case ConsentStatus::kWithdrawn:
      return v1::CONSENT_STATUS_WITHDRAWN;
    case ConsentStatus::kMissing:
      return v1::CONSENT_STATUS_MISSING;
  }
  return v1::CONSENT_STATUS_UNSPECIFIED;
}

void ToProto(const ConsentText& text, v1::ConsentText& out) {
  out.set_purpose(ToProto(text.purpose));
  out.set_version(text.version);
  out.set_text(text.text);
  *out.mutable_publish_time() = ToProto(text.published_at);
  out.set_required(IsRequiredPurpose(text.purpose));
}

void ToProto(const ConsentState& state, v1::Consent& out) {
  out.set_person_id(state.person_id);
  out.set_purpose(ToProto(state.purpose));
  out.set_status(ToProto(state.status));
  if (!state.record) return;  // MISSING: nothing more to say
  const ConsentRecord& record = *state.record;
  out.set_consent_id(record.id);
  out.set_text_version(record.text_version);
  out.set_given_by(record.given_by);
  out.set_method(ToProto(record.method));
  out.set_school_id(record.school_id);
  out.set_parent_name(record.parent_name);
  *out.mutable_give_time() = ToProto(record.given_at);
  if (record.withdrawn_at) {
    *out.mutable_withdraw_time() = ToProto(*record.withdrawn_at);
    out.set_withdrawn_by(record.withdrawn_by);
  }
}

void ToProto(const MissingConsent& missing, v1::MissingConsent& out) {
  out.set_person_id(missing.person_id);
  out.set_display_name(missing.display_name);
  out.set_purpose(ToProto(missing.purpose));
  out.set_status(ToProto(missing.status));
}

void ToProto(const School& school, v1::School& out) {
  out.set_id(school.id);
  out.set_name(school.name);
  out.set_short_name(school.short_name);
  out.set_region_code(school.region_code);
  out.set_address(school.address);
  out.set_time_zone(school.time_zone);
  out.set_inn(school.inn);
  out.set_ogrn(school.ogrn);
  out.set_description(school.description);
  out.set_contacts(school.contacts);
  out.set_logo_content_id(school.logo_content_id);
  out.set_call_guests_allowed(school.call_guests_allowed);
  out.set_verified_adults_only(school.verified_adults_only);
  *out.mutable_create_time() = ToProto(school.created_at);
  *out.mutable_update_time() = ToProto(school.updated_at);
}

School FromProto(const v1::School& in) {
  return School{.id = in.id(),
                .name = in.name(),
                .short_name = in.short_name(),
                .region_code = in.region_code(),
                .address = in.address(),
                .time_zone = in.time_zone(),
                .inn = in.inn(),
                .ogrn = in.ogrn(),
                .description = in.description(),
                .contacts = in.contacts(),
                .logo_content_id = in.logo_content_id(),
                .call_guests_allowed = in.call_guests_allowed(),
                .verified_adults_only = in.verified_adults_only()};
}

void ToProto(const SchoolClass& school_class, v1::Class& out) {
  out.set_id(school_class.id);
  out.set_school_id(school_class.school_id);
  out.set_grade(school_class.grade);
  out.set_letter(school_class.letter);
  out.set_display_name(school_class.DisplayName());
  out.set_academic_year(school_class.academic_year);
  out.set_class_teacher_id(school_class.class_teacher_id);
  out.set_archived(school_class.archived);
  *out.mutable_create_time() = ToProto(school_class.created_at);
}

void ToProto(const Member& member, v1::Member& out) {
  out.set_school_id(member.school_id);
  out.set_user_id(member.user_id);
  for (Role role : member.roles) out.add_roles(ToProto(role));
  for (const std::string& subject : member.subjects) out.add_subjects(subject);
  *out.mutable_join_time() = ToProto(member.joined_at);
}

void ToProto(const Invitation& invitation, v1::Invitation& out) {
  out.set_id(invitation.id);
  out.set_school_id(invitation.school_id);
  out.set_role(ToProto(invitation.role));
  out.set_class_id(invitation.class_id);
  out.set_student_id(invitation.student_id);
  *out.mutable_expire_time() = ToProto(invitation.expires_at);
  out.set_max_uses(invitation.max_uses);
  out.set_uses(invitation.uses);
  out.set_creator_id(invitation.creator_id);
  out.set_revoked(invitation.revoked);
  *out.mutable_create_time() = ToProto(invitation.created_at);
}

void ToProto(const ParentLink& link, v1::ParentLink& out) {
  out.set_id(link.id);
  out.set_school_id(link.school_id);
  out.set_parent_id(link.parent_id);
  out.set_student_id(link.student_id);
  out.set_state(link.state == ParentLinkState::kConfirmed ? v1::PARENT_LINK_STATE_CONFIRMED
                                                          : v1::PARENT_LINK_STATE_PENDING);
  *out.mutable_create_time() = ToProto(link.created_at);
  out.set_confirmed_by(link.confirmed_by);
  if (link.confirmed_at) *out.mutable_confirm_time() = ToProto(*link.confirmed_at);
  out.set_confirmed_by_government(link.confirmed_by_government);
}

void ToProto(const StudentSettings& settings, v1::StudentSettings& out) {
  out.set_school_id(settings.school_id);
  out.set_student_id(settings.student_id);
  out.set_safe_mode(settings.safe_mode);
}

void ToProto(const ClassRoster& roster, v1::ClassRoster& out) {
  ToProto(roster.school_class, *out.mutable_class_());
  for (const std::string& id : roster.student_ids) out.add_student_ids(id);
  for (const ClassTeacher& teacher : roster.teachers) {
    v1::ClassTeacher& t = *out.add_teachers();
    t.set_user_id(teacher.user_id);
    t.set_subject(teacher.subject);
  }
  for (const RosterParent& parent : roster.parents) {
    v1::RosterParent& p = *out.add_parents();
    p.set_parent_id(parent.parent_id);
    p.set_student_id(parent.student_id);
  }
}

void ToProto(const Lesson& lesson, v1::Lesson& out) {
  out.set_id(lesson.id);
  out.set_school_id(lesson.school_id);
  out.set_class_id(lesson.class_id);
  out.set_weekday(lesson.weekday);
  out.set_start_time(FormatLocalTime(lesson.start_minute));
  out.set_end_time(FormatLocalTime(lesson.end_minute));
  out.set_subject(lesson.subject);
  out.set_teacher_id(lesson.teacher_id);
  out.set_room(lesson.room);
}

void ToProto(const Timetable& timetable, v1::Timetable& out) {
  out.set_time_zone(timetable.time_zone);
  out.set_week_start(timetable.week_start);
  for (const TimetableEntry& entry : timetable.entries) {
    v1::TimetableEntry& e = *out.add_entries();
    ToProto(entry.lesson, *e.mutable_lesson());
    *e.mutable_start_time() = ToProto(entry.start);
    *e.mutable_end_time() = ToProto(entry.end);
  }
}

void ToProto(const JoinRequest& request, v1::JoinRequest& out) {
  out.set_id(request.id);
  out.set_school_id(request.school_id);
  out.set_user_id(request.user_id);
  out.set_role(ToProto(request.role));
  out.set_class_id(request.class_id);
  out.set_message(request.message);
  switch (request.state) {
    case JoinRequestState::kPending:
      out.set_state(v1::JOIN_REQUEST_STATE_PENDING);
      break;
    case JoinRequestState::kApproved:
      out.set_state(v1::JOIN_REQUEST_STATE_APPROVED);
      break;
    case JoinRequestState::kDeclined:
      out.set_state(v1::JOIN_REQUEST_STATE_DECLINED);
      break;
    case JoinRequestState::kExpired:
      out.set_state(v1::JOIN_REQUEST_STATE_EXPIRED);
      break;
  }
  out.set_decline_reason(request.decline_reason);
  out.set_decided_by(request.decided_by);
  if (request.decided_at) *out.mutable_decide_time() = ToProto(*request.decided_at);
  *out.mutable_create_time() = ToProto(request.created_at);
  *out.mutable_expire_time() = ToProto(request.expires_at);
}

void ToProto(const RolloverResult& result, v1::RolloverAcademicYearResponse& out) {
  out.set_from_year(result.from_year);
  out.set_to_year(result.to_year);
  for (const ClassTransfer& transfer : result.transfers) {
    v1::ClassTransfer& t = *out.add_transfers();
    t.set_from_class_id(transfer.from_class_id);
    t.set_from_display_name(transfer.from_display_name);
    t.set_to_class_id(transfer.to_class_id);
    t.set_to_display_name(transfer.to_display_name);
    t.set_student_count(transfer.student_count);
  }
  for (const std::string& id : result.graduated_student_ids) out.add_graduated_student_ids(id);
  for (const std::string& id : result.archived_class_ids) out.add_archived_class_ids(id);
  out.set_dry_run(result.dry_run);
}

void ToProto(const Membership& membership, v1::Membership& out) {
  out.set_school_id(membership.school_id);
  for (Role role : membership.roles) out.add_roles(ToProto(role));
  for (const std::string& id : membership.student_class_ids) out.add_student_class_ids(id);
  for (const std::string& id : membership.teacher_class_ids) out.add_teacher_class_ids(id);
  for (const std::string& id : membership.child_ids) out.add_child_ids(id);
}

void ToProto(const Change& change, v1::DirectoryEvent& out) {
  auto role_changed = [&](v1::RoleChanged& role) {
    role.set_user_id(change.user_id);
    role.set_role(ToProto(change.role));
  };
  auto member_changed = [&](v1::ClassMemberChanged& member) {
    member.set_class_id(change.class_id);
    member.set_user_id(change.user_id);
    member.set_subject(change.subject);
  };
  auto link_changed = [&](v1::ParentLinkChanged& link) {
    ToProto(*change.parent_link, *link.mutable_link());
    for (const std::string& id : change.existing_parent_ids) link.add_existing_parent_ids(id);
  };
  using Kind = Change::Kind;
  switch (change.kind) {
    case Kind::kSchoolCreated:
      ToProto(*change.school, *out.mutable_school_created()->mutable_school());
      break;
    case Kind::kSchoolUpdated:
      ToProto(*change.school, *out.mutable_school_updated()->mutable_school());
      break;
    case Kind::kRoleGranted:
      role_changed(*out.mutable_role_granted());
      break;
    case Kind::kRoleRemoved:
      role_changed(*out.mutable_role_removed());
      break;
    case Kind::kClassCreated:
      ToProto(*change.school_class, *out.mutable_class_created()->mutable_class_());
      break;
    case Kind::kClassUpdated:
      ToProto(*change.school_class, *out.mutable_class_updated()->mutable_class_());
      break;
    case Kind::kClassArchived:
      ToProto(*change.school_class, *out.mutable_class_archived()->mutable_class_());
      break;
    case Kind::kStudentAdded:
      member_changed(*out.mutable_student_added());
      break;
    case Kind::kStudentRemoved:
      member_changed(*out.mutable_student_removed());
      break;
    case Kind::kTeacherAdded:
      member_changed(*out.mutable_teacher_added());
      break;
    case Kind::kTeacherRemoved:
      member_changed(*out.mutable_teacher_removed());
      break;
    case Kind::kParentLinkRequested:
      link_changed(*out.mutable_parent_link_requested());
      break;
    case Kind::kParentLinkConfirmed:
      link_changed(*out.mutable_parent_link_confirmed());
      break;
    case Kind::kParentLinkEnded:
      link_changed(*out.mutable_parent_link_ended());
      break;
    case Kind::kStudentSettingsChanged:
      ToProto(*change.settings, *out.mutable_student_settings_changed());
      break;
    case Kind::kRolloverCompleted:
      out.mutable_rollover_completed()->set_from_year(change.from_year);
      out.mutable_rollover_completed()->set_to_year(change.from_year + 1);
      break;
    case Kind::kLessonCreated:
      ToProto(*change.lesson, *out.mutable_lesson_created());
      break;
    case Kind::kLessonDeleted:
      ToProto(*change.lesson, *out.mutable_lesson_deleted());
      break;
    case Kind::kMemberConfirmed:
      out.mutable_member_confirmed()->set_user_id(change.user_id);
      break;
  }
}

}  // namespace parta::directory
