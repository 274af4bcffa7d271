#include "services/messaging/domain/policy.h"

#include "libs/core/status.h"

namespace parta::messaging {
namespace {

void Grant(std::map<std::string, ChatRole>& members, const std::string& user_id, ChatRole role) {
  auto [it, inserted] = members.emplace(user_id, role);
  if (!inserted && it->second < role) it->second = role;
}

}  // namespace

absl::Status NotChatMember() {
  return PermissionDenied("NOT_CHAT_MEMBER", "the caller is not a member of this chat");
}

absl::Status ChatArchived() {
  return Error(absl::StatusCode::kFailedPrecondition, "CHAT_ARCHIVED",
               "the chat is archived (a past year's class); it is read-only");
}

absl::Status MessageDeleted() {
  return Error(absl::StatusCode::kFailedPrecondition, "MESSAGE_DELETED", "the message was deleted");
}

std::map<std::string, ChatRole> MembersOfClassChat(ChatKind kind, const ClassRoster& roster) {
  std::map<std::string, ChatRole> members;
  const std::vector<std::string>& people =
      kind == ChatKind::kClassParents ? roster.parents : roster.students;
  if (kind == ChatKind::kClassStudents || kind == ChatKind::kClassParents) {
    for (const std::string& person : people) Grant(members, person, ChatRole::kMember);
    for (const std::string& teacher : roster.teachers) {
      Grant(members, teacher, ChatRole::kModerator);
    }
  }
  return members;
}

std::map<std::string, ChatRole> MembersOfFamilyChat(const std::vector<std::string>& parents) {
  std::map<std::string, ChatRole> members;
  for (const std::string& parent : parents) Grant(members, parent, ChatRole::kReader);
  return members;
}

std::map<std::string, ChatRole> MembersOfSchoolChat(ChatKind kind,
                                                    const std::vector<RoleGrant>& grants) {
  std::map<std::string, ChatRole> members;
  for (const RoleGrant& grant : grants) {
    bool staff = grant.role == SchoolRole::kAdmin || grant.role == SchoolRole::kTeacher ||
                 grant.role == SchoolRole::kEmployee;
    if (kind == ChatKind::kStaff && staff) {
      Grant(members, grant.user_id,
            grant.role == SchoolRole::kAdmin ? ChatRole::kModerator : ChatRole::kMember);
    } else if (kind == ChatKind::kChannel) {
      bool posts = grant.role == SchoolRole::kAdmin || grant.role == SchoolRole::kTeacher;
      Grant(members, grant.user_id, posts ? ChatRole::kModerator : ChatRole::kReader);
    } else if (kind == ChatKind::kSupport && grant.role == SchoolRole::kAdmin) {
      Grant(members, grant.user_id, ChatRole::kMember);  // operators join as moderators
    }
  }
  return members;
}

bool InAudience(ChatKind kind, Audience audience, ChatRole role) {
  switch (audience) {
    case Audience::kOwner:
      return role == ChatRole::kOwner || (kind != ChatKind::kGroup && role >= ChatRole::kModerator);
    case Audience::kModerators:
      return role >= ChatRole::kModerator;
    case Audience::kEveryone:
      return role >= ChatRole::kMember;
  }
  return false;
}

absl::Status MayPost(const Chat& chat, const Membership& member, absl::Time now) {
  if (chat.archived) return ChatArchived();
  if (member.role == ChatRole::kReader) {
    return PermissionDenied("READ_ONLY_MEMBER", "only the channel's admins and teachers post");
  }
  if (chat.read_only && member.role < ChatRole::kModerator) {
    return PermissionDenied("CHAT_READ_ONLY", "the chat is in read-only mode");
  }
  if (member.muted_until > now) {
    return PermissionDenied("MEMBER_MUTED", "a moderator muted the caller in this chat for now");
  }
  return absl::OkStatus();
}

absl::Status MayRequestAcknowledgement(const Chat& chat, ChatRole role) {
  bool announcements = chat.kind == ChatKind::kChannel || chat.kind == ChatKind::kClassParents;
  if (announcements && role >= ChatRole::kModerator) return absl::OkStatus();
  return PermissionDenied("ACKNOWLEDGEMENT_NOT_ALLOWED",
                          "only moderators of a channel or a parents' chat ask for "
                          "acknowledgement");
}

absl::Status MayModerate(ChatRole role) {
  if (role >= ChatRole::kModerator) return absl::OkStatus();
  return PermissionDenied("NOT_MODERATOR", "only the chat's moderators may do this");
}

absl::Status MayBySettings(const Chat& chat, Audience audience, ChatRole role) {
  if (chat.archived) return ChatArchived();
  if (InAudience(chat.kind, audience, role)) return absl::OkStatus();
  return PermissionDenied("NOT_ALLOWED_BY_SETTINGS", "the chat's settings do not allow the caller");
}

absl::Status MayEdit(const Chat& chat, const std::string& caller, const std::string& author) {
  if (chat.archived) return ChatArchived();
  if (caller != author) {
    return PermissionDenied("NOT_MESSAGE_AUTHOR", "only the author edits a message");
  }
  return absl::OkStatus();
}

absl::Status MayDelete(const Chat& chat, ChatRole role, bool is_author, absl::Time posted_at,
                       absl::Time now, absl::Duration window) {
  if (chat.archived) return ChatArchived();
  if (role >= ChatRole::kModerator) return absl::OkStatus();
  if (!is_author) {
    return PermissionDenied("NOT_MESSAGE_AUTHOR",
                            "only the author or a moderator deletes a message");
  }
  if (now - posted_at > window) {
    return PermissionDenied("DELETE_WINDOW_PASSED",
                            "the author may delete a message only for a while after posting");
  }
  return absl::OkStatus();
}

}  // namespace parta::messaging
