#pragma once

// What messaging keeps, as plain values: chats, a person's part in one, and the roster facts
// the roster chats are made from. No gRPC, Postgres or Redis here.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace parta::messaging {

enum class ChatKind {
  kClassStudents,
  kClassParents,
  kStaff,
  kChannel,
  kGroup,
  kDirect,
  kFamily,
  kSupport
};
// Ordered: a larger part includes the smaller ones.
enum class ChatRole { kReader, kMember, kModerator, kOwner };

// Who may do something in a chat (its settings).
enum class Audience { kOwner, kModerators, kEveryone };
// How much history a newcomer sees.
enum class NewcomerHistory { kNone, kLast, kAll };

struct ChatSettings {
  Audience invite = Audience::kModerators;
  Audience edit_info = Audience::kModerators;
  Audience pin = Audience::kModerators;
  Audience mention_all = Audience::kModerators;
  Audience start_calls = Audience::kModerators;
  NewcomerHistory newcomer_history = NewcomerHistory::kAll;
  int newcomer_history_count = 0;  // with kLast: 1–1,000
};

// Names as stored in the database ("class_students", "moderator").
absl::string_view NameOf(ChatKind kind);
absl::string_view NameOf(ChatRole role);
std::optional<ChatKind> ChatKindFromName(absl::string_view name);
std::optional<ChatRole> ChatRoleFromName(absl::string_view name);

struct Chat {
  std::string id;
  std::string school_id;
  ChatKind kind = ChatKind::kStaff;
  std::string class_id;  // class chats
  std::string pupil_id;  // family chats
  int academic_year = 0;
  std::string title;
  bool archived = false;
  bool read_only = false;
  int64_t last_sequence = 0;
  absl::Time created_at;
  ChatSettings settings;
  std::string avatar_content_id;
};

// A person's part in a chat (only active members have one).
struct Membership {
  ChatRole role = ChatRole::kMember;
  int64_t history_start = 1;  // the first sequence he may see
  int64_t read_sequence = 0;
  absl::Time muted_until = absl::InfinitePast();  // he may not write before
};

// A school role as the directory grants it.
enum class SchoolRole { kAdmin, kTeacher, kEmployee, kStudent, kParent };
std::optional<SchoolRole> SchoolRoleFromName(absl::string_view name);
absl::string_view NameOf(SchoolRole role);

struct RoleGrant {
  std::string user_id;
  SchoolRole role;
};

// Who a class's chats are made from.
struct ClassRoster {
  std::vector<std::string> students;
  std::vector<std::string> teachers;  // subject teachers and the class teacher
  std::vector<std::string> parents;   // confirmed parents of the students
};

}  // namespace parta::messaging
