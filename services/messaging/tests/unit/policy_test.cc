#include "services/messaging/domain/policy.h"

#include <catch2/catch.hpp>

#include "libs/core/status.h"

namespace parta::messaging {
namespace {

TEST_CASE(
    "A class's chats hold its students or parents as members and its teachers as "
    "moderators",
    "[messaging][unit]") {
  ClassRoster roster{.students = {"s1", "s2"}, .teachers = {"t1", "s2"}, .parents = {"p1"}};
  std::map<std::string, ChatRole> students = MembersOfClassChat(ChatKind::kClassStudents, roster);
  CHECK(students == std::map<std::string, ChatRole>{{"s1", ChatRole::kMember},
                                                    {"s2", ChatRole::kModerator},
                                                    {"t1", ChatRole::kModerator}});
  std::map<std::string, ChatRole> parents = MembersOfClassChat(ChatKind::kClassParents, roster);
  CHECK(parents == std::map<std::string, ChatRole>{{"p1", ChatRole::kMember},
                                                   {"s2", ChatRole::kModerator},
                                                   {"t1", ChatRole::kModerator}});
  CHECK(MembersOfClassChat(ChatKind::kStaff, roster).empty());
}

TEST_CASE("A family chat is read by the pupil's parents, and nobody in it writes",
          "[messaging][unit]") {
  const std::map<std::string, ChatRole> members = MembersOfFamilyChat({"p1", "p2", "p1"});
  CHECK(members == std::map<std::string, ChatRole>{{"p1", ChatRole::kReader},
                                                   {"p2", ChatRole::kReader}});
  CHECK(MembersOfFamilyChat({}).empty());
  const Chat family{.kind = ChatKind::kFamily};
  CHECK(ReasonOf(MayPost(family, Membership{.role = ChatRole::kReader}, absl::Now())) ==
        "READ_ONLY_MEMBER");
}

TEST_CASE("The school's chats follow the roles: every role in every chat", "[messaging][unit]") {
  struct Row {
    SchoolRole role;
    std::optional<ChatRole> staff;
    ChatRole channel;
  };
  const Row table[] = {
      {SchoolRole::kAdmin, ChatRole::kModerator, ChatRole::kModerator},
      {SchoolRole::kTeacher, ChatRole::kMember, ChatRole::kModerator},
      {SchoolRole::kEmployee, ChatRole::kMember, ChatRole::kReader},
      {SchoolRole::kStudent, std::nullopt, ChatRole::kReader},
      {SchoolRole::kParent, std::nullopt, ChatRole::kReader},
  };
  for (const Row& row : table) {
    INFO(NameOf(row.role));
    std::vector<RoleGrant> grants = {{.user_id = "u", .role = row.role}};
    std::map<std::string, ChatRole> staff = MembersOfSchoolChat(ChatKind::kStaff, grants);
    if (row.staff) {
      REQUIRE(staff.count("u") == 1);
      CHECK(staff["u"] == *row.staff);
    } else {
      CHECK(staff.empty());
    }
    CHECK(MembersOfSchoolChat(ChatKind::kChannel, grants)["u"] == row.channel);
  }
  // Several roles: the largest part wins.
  std::vector<RoleGrant> both = {{.user_id = "u", .role = SchoolRole::kParent},
                                 {.user_id = "u", .role = SchoolRole::kTeacher}};
  CHECK(MembersOfSchoolChat(ChatKind::kChannel, both)["u"] == ChatRole::kModerator);
}

TEST_CASE(
    "Who may post: readers never, read-only mode leaves moderators, muted members wait, "
    "archives nobody",
    "[messaging][unit]") {
  Chat chat;
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  auto member = [](ChatRole role, absl::Time muted_until = absl::InfinitePast()) {
    return Membership{.role = role, .muted_until = muted_until};
  };
  CHECK(MayPost(chat, member(ChatRole::kMember), now).ok());
  CHECK(ReasonOf(MayPost(chat, member(ChatRole::kReader), now)) == "READ_ONLY_MEMBER");
  CHECK(ReasonOf(MayPost(chat, member(ChatRole::kMember, now + absl::Minutes(1)), now)) ==
        "MEMBER_MUTED");
  CHECK(MayPost(chat, member(ChatRole::kMember, now - absl::Minutes(1)), now).ok());
  chat.read_only = true;
  CHECK(ReasonOf(MayPost(chat, member(ChatRole::kMember), now)) == "CHAT_READ_ONLY");
  CHECK(MayPost(chat, member(ChatRole::kModerator), now).ok());
  CHECK(MayPost(chat, member(ChatRole::kOwner), now).ok());
  chat.archived = true;
  CHECK(ReasonOf(MayPost(chat, member(ChatRole::kModerator), now)) == "CHAT_ARCHIVED");
}

TEST_CASE("Settings' audiences, for every role, with and without an owner", "[messaging][unit]") {
  struct Row {
    Audience audience;
    ChatRole role;
    bool group, roster;  // in a group / in a roster chat (no owner: moderators stand in)
  };
  const Row table[] = {
      {Audience::kOwner, ChatRole::kOwner, true, true},
      {Audience::kOwner, ChatRole::kModerator, false, true},
      {Audience::kOwner, ChatRole::kMember, false, false},
      {Audience::kModerators, ChatRole::kOwner, true, true},
      {Audience::kModerators, ChatRole::kModerator, true, true},
      {Audience::kModerators, ChatRole::kMember, false, false},
      {Audience::kEveryone, ChatRole::kMember, true, true},
      {Audience::kEveryone, ChatRole::kReader, false, false},
  };
  for (const Row& row : table) {
    INFO(static_cast<int>(row.audience) << " " << NameOf(row.role));
    CHECK(InAudience(ChatKind::kGroup, row.audience, row.role) == row.group);
    CHECK(InAudience(ChatKind::kClassStudents, row.audience, row.role) == row.roster);
  }
  Chat chat;
  CHECK(ReasonOf(MayBySettings(chat, Audience::kModerators, ChatRole::kMember)) ==
        "NOT_ALLOWED_BY_SETTINGS");
  chat.archived = true;
  CHECK(ReasonOf(MayBySettings(chat, Audience::kEveryone, ChatRole::kOwner)) == "CHAT_ARCHIVED");
}

TEST_CASE("Acknowledgements are asked for by moderators of channels and parents' chats",
          "[messaging][unit]") {
  for (ChatKind kind : {ChatKind::kClassStudents, ChatKind::kClassParents, ChatKind::kStaff,
                        ChatKind::kChannel, ChatKind::kGroup, ChatKind::kDirect}) {
    INFO(NameOf(kind));
    Chat chat{.kind = kind};
    bool announcements = kind == ChatKind::kChannel || kind == ChatKind::kClassParents;
    CHECK(MayRequestAcknowledgement(chat, ChatRole::kModerator).ok() == announcements);
    CHECK(ReasonOf(MayRequestAcknowledgement(chat, ChatRole::kMember)) ==
          "ACKNOWLEDGEMENT_NOT_ALLOWED");
  }
  CHECK(MayModerate(ChatRole::kOwner).ok());
  CHECK(ReasonOf(MayModerate(ChatRole::kMember)) == "NOT_MODERATOR");
}

TEST_CASE("Editing is the author's - deleting the author's within the window or a moderator's",
          "[messaging][unit]") {
  Chat chat;
  absl::Time posted = absl::FromUnixSeconds(1'800'000'000);
  absl::Duration window = absl::Hours(24);
  CHECK(MayEdit(chat, "a", "a").ok());
  CHECK(ReasonOf(MayEdit(chat, "b", "a")) == "NOT_MESSAGE_AUTHOR");
  CHECK(MayDelete(chat, ChatRole::kMember, true, posted, posted + absl::Hours(23), window).ok());
  CHECK(ReasonOf(MayDelete(chat, ChatRole::kMember, true, posted, posted + absl::Hours(25),
                           window)) == "DELETE_WINDOW_PASSED");
  CHECK(ReasonOf(MayDelete(chat, ChatRole::kMember, false, posted, posted, window)) ==
        "NOT_MESSAGE_AUTHOR");
  CHECK(MayDelete(chat, ChatRole::kModerator, false, posted, posted + absl::Hours(1000), window)
            .ok());
  chat.archived = true;
  CHECK(ReasonOf(MayEdit(chat, "a", "a")) == "CHAT_ARCHIVED");
  CHECK(ReasonOf(MayDelete(chat, ChatRole::kModerator, false, posted, posted, window)) ==
        "CHAT_ARCHIVED");
}

}  // namespace
}  // namespace parta::messaging
