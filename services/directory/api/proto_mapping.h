#pragma once

// Domain values to and from their parta.directory.v1 messages. Used by the gRPC handlers and by
// the store, which writes the domain events as DirectoryEvent messages.

#include <optional>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "parta/directory/v1/directory.pb.h"
#include "services/directory/domain/model.h"

namespace parta::directory {

google::protobuf::Timestamp ToProto(absl::Time time);
absl::Time FromProto(const google::protobuf::Timestamp& time);
v1::Role ToProto(Role role);
std::optional<Role> FromProto(v1::Role role);

void ToProto(const School& school, v1::School& out);
School FromProto(const v1::School& in);
void ToProto(const SchoolClass& school_class, v1::Class& out);
void ToProto(const Member& member, v1::Member& out);
void ToProto(const Invitation& invitation, v1::Invitation& out);
void ToProto(const ParentLink& link, v1::ParentLink& out);
void ToProto(const StudentSettings& settings, v1::StudentSettings& out);
void ToProto(const ClassRoster& roster, v1::ClassRoster& out);
void ToProto(const Membership& membership, v1::Membership& out);
void ToProto(const Lesson& lesson, v1::Lesson& out);
void ToProto(const Timetable& timetable, v1::Timetable& out);
void ToProto(const JoinRequest& request, v1::JoinRequest& out);
void ToProto(const RolloverResult& result, v1::RolloverAcademicYearResponse& out);
v1::ConsentPurpose ToProto(ConsentPurpose purpose);
// nullopt for UNSPECIFIED and unknown values.
std::optional<ConsentPurpose> FromProto(v1::ConsentPurpose purpose);
v1::ConsentMethod ToProto(ConsentMethod method);
// UNSPECIFIED is ONLINE; nullopt for unknown values.
std::optional<ConsentMethod> FromProto(v1::ConsentMethod method);
v1::ConsentStatus ToProto(ConsentStatus status);
void ToProto(const ConsentText& text, v1::ConsentText& out);
void ToProto(const ConsentState& state, v1::Consent& out);
void ToProto(const MissingConsent& missing, v1::MissingConsent& out);
// The change part of a DirectoryEvent.
void ToProto(const Change& change, v1::DirectoryEvent& out);

}  // namespace parta::directory
