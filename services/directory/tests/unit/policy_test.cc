#include "services/directory/domain/policy.h"

#include <catch2/catch.hpp>
#include <map>
#include <set>

namespace parta::directory {
namespace {

using R = Relation;

PersonFacts Person(const std::string& id, std::vector<Role> roles) {
  return PersonFacts{.user_id = id, .school_generation = 1, .roles = std::move(roles)};
}

// The expected answer of every school permission for every role (and an operator, and a
// stranger): the table as a reader of the README would write it.
TEST_CASE("School permissions: every role against every action", "[directory][unit][policy]") {
  struct Who {
    const char* name;
    std::vector<Role> roles;
    bool is_operator;
  };
  const std::vector<Who> people = {{"admin", {Role::kAdmin}, false},
                                   {"teacher", {Role::kTeacher}, false},
                                   {"employee", {Role::kEmployee}, false},
                                   {"student", {Role::kStudent}, false},
                                   {"parent", {Role::kParent}, false},
                                   {"operator", {}, true},
                                   {"stranger", {}, false}};
  const std::map<Permission, std::set<std::string>> allowed = {
      {Permission::kSchoolRead, {"admin", "teacher", "employee", "student", "parent", "operator"}},
      {Permission::kSchoolUpdate, {"admin", "operator"}},
      {Permission::kSchoolMembersList, {"admin", "teacher", "employee"}},
      {Permission::kSchoolMembersManage, {"admin"}},
      {Permission::kSchoolClassesManage, {"admin"}},
      {Permission::kSchoolInvitationsManage, {"admin", "operator"}},
      {Permission::kSchoolChannelPost, {"admin", "teacher"}},
      {Permission::kSchoolStaffChat, {"admin", "teacher", "employee"}},
      {Permission::kSchoolTimetableManage, {"admin"}},
      {Permission::kSchoolLibraryPublish, {"admin", "teacher"}},
  };
  for (const auto& [permission, who_may] : allowed) {
    for (const Who& who : people) {
      INFO(InfoOf(permission).name << " for " << who.name);
      Relations relations = SchoolRelations(Person("u", who.roles), who.is_operator);
      CHECK(Decide(permission, relations) == (who_may.count(who.name) == 1));
    }
  }
}

TEST_CASE("Class permissions: every relation to a class against every action",
          "[directory][unit][policy]") {
  const std::string klass = "c1";
  struct Who {
    const char* name;
    PersonFacts facts;
  };
  PersonFacts class_teacher = Person("t1", {Role::kTeacher});
  class_teacher.led_classes = {klass};
  PersonFacts subject_teacher = Person("t2", {Role::kTeacher});
  subject_teacher.taught_classes = {klass};
  PersonFacts student = Person("s1", {Role::kStudent});
  student.student_classes = {klass};
  PersonFacts other_student = Person("s2", {Role::kStudent});
  other_student.student_classes = {"c2"};
  PersonFacts parent = Person("p1", {Role::kParent});
  parent.children = {"s1"};
  parent.children_classes = {klass};
  PersonFacts other_parent = Person("p2", {Role::kParent});
  other_parent.children_classes = {"c2"};
  const std::vector<Who> people = {
      {"admin", Person("a", {Role::kAdmin})},
      {"class teacher", class_teacher},
      {"subject teacher", subject_teacher},
      {"other teacher", Person("t3", {Role::kTeacher})},
      {"employee", Person("e", {Role::kEmployee})},
      {"student", student},
      {"other student", other_student},
      {"parent", parent},
      {"other parent", other_parent},
      {"stranger", Person("x", {})},
  };
  const std::set<std::string> staff = {"admin", "class teacher", "subject teacher", "other teacher",
                                       "employee"};
  std::set<std::string> members = staff;
  members.insert({"student", "other student", "parent", "other parent"});
  std::set<std::string> roster_readers = staff;
  roster_readers.insert({"student", "parent"});
  const std::map<Permission, std::set<std::string>> allowed = {
      {Permission::kClassRead, members},
      {Permission::kClassRosterRead, roster_readers},
      {Permission::kClassStudentsInvite, {"admin", "class teacher", "subject teacher"}},
      {Permission::kClassStudentsChat, {"class teacher", "subject teacher", "student"}},
      {Permission::kClassParentsChat, {"class teacher", "subject teacher", "parent"}},
      {Permission::kClassModerate, {"admin", "class teacher", "subject teacher"}},
      {Permission::kClassJoinRequestsDecide, {"admin", "class teacher"}},
  };
  for (const auto& [permission, who_may] : allowed) {
    for (const Who& who : people) {
      INFO(InfoOf(permission).name << " for " << who.name);
      CHECK(Decide(permission, ClassRelations(who.facts, klass)) == (who_may.count(who.name) == 1));
    }
  }
}

// The visibility table: who may see the presence of, find, contact and read the direct
// history of a student (in safe mode and not), a teacher and a parent.
TEST_CASE("The visibility table for every kind of person", "[directory][unit][policy]") {
  PersonFacts student = Person("s1", {Role::kStudent});
  student.student_classes = {"c1"};
  student.parents = {"p1"};
  PersonFacts classmate = Person("s2", {Role::kStudent});
  classmate.student_classes = {"c1"};
  PersonFacts other_student = Person("s3", {Role::kStudent});
  other_student.student_classes = {"c2"};
  PersonFacts his_teacher = Person("t1", {Role::kTeacher});
  his_teacher.taught_classes = {"c1"};
  PersonFacts other_teacher = Person("t2", {Role::kTeacher});
  other_teacher.taught_classes = {"c2"};
  PersonFacts parent = Person("p1", {Role::kParent});
  parent.children = {"s1"};
  parent.children_classes = {"c1"};
  PersonFacts classmate_parent = Person("p2", {Role::kParent});
  classmate_parent.children = {"s2"};
  classmate_parent.children_classes = {"c1"};
  PersonFacts other_parent = Person("p3", {Role::kParent});
  other_parent.children = {"s3"};
  other_parent.children_classes = {"c2"};
  PersonFacts admin = Person("a", {Role::kAdmin});
  PersonFacts employee = Person("e", {Role::kEmployee});
  PersonFacts stranger = Person("x", {});

  const std::map<std::string, const PersonFacts*> people = {
      {"student", &student},
      {"classmate", &classmate},
      {"other student", &other_student},
      {"his teacher", &his_teacher},
      {"other teacher", &other_teacher},
      {"parent", &parent},
      {"classmate's parent", &classmate_parent},
      {"other parent", &other_parent},
      {"admin", &admin},
      {"employee", &employee},
      {"stranger", &stranger}};
  std::set<std::string> everyone_of_school;
  for (const auto& [name, facts] : people) {
    if (name != "stranger") everyone_of_school.insert(name);
  }
  const std::set<std::string> safe = {"student", "classmate", "his teacher",
                                      "parent",  "admin",     "employee"};
  struct Row {
    const char* target_name;
    const PersonFacts* target;
    bool safe_mode;
    std::set<std::string> contact;  // = see presence = find
  };
  const std::vector<Row> rows = {
      {"student in safe mode", &student, true, safe},
      {"student out of safe mode", &student, false, everyone_of_school},
      {"teacher", &his_teacher, true, everyone_of_school},
      {"parent",
       &parent,
       true,
       {"parent", "student", "his teacher", "other teacher", "admin", "employee",
        "classmate's parent"}},
  };
  for (const Row& row : rows) {
    PersonFacts target = *row.target;
    target.safe_mode = row.safe_mode;
    for (const auto& [name, facts] : people) {
      Relations relations = MemberRelations(*facts, target);
      for (Permission permission :
           {Permission::kMemberSeePresence, Permission::kMemberFind, Permission::kMemberContact}) {
        INFO(InfoOf(permission).name << ": " << name << " → " << row.target_name);
        CHECK(Decide(permission, relations, TargetKindOf(target)) ==
              (row.contact.count(name) == 1));
      }
      INFO("member.read_history: " << name << " → " << row.target_name);
      CHECK(Decide(Permission::kMemberReadHistory, relations, TargetKindOf(target)) ==
            (name != "stranger"));
    }
  }
}

TEST_CASE("Student permissions: parents, class teacher and admins act for a student",
          "[directory][unit][policy]") {
  PersonFacts student = Person("s1", {Role::kStudent});
  student.student_classes = {"c1"};
  PersonFacts class_teacher = Person("t1", {Role::kTeacher});
  class_teacher.led_classes = {"c1"};
  PersonFacts subject_teacher = Person("t2", {Role::kTeacher});
  subject_teacher.taught_classes = {"c1"};
  PersonFacts parent = Person("p1", {Role::kParent});
  parent.children = {"s1"};
  PersonFacts admin = Person("a", {Role::kAdmin});
  PersonFacts classmate = Person("s2", {Role::kStudent});
  classmate.student_classes = {"c1"};
  TargetKind kind = TargetKindOf(student);

  auto may = [&](Permission permission, const PersonFacts& who) {
    return Decide(permission, MemberRelations(who, student), kind);
  };
  CHECK(may(Permission::kMemberParentInvite, student));
  CHECK(may(Permission::kMemberParentInvite, class_teacher));
  CHECK(may(Permission::kMemberParentInvite, parent));
  CHECK(may(Permission::kMemberParentInvite, admin));
  CHECK_FALSE(may(Permission::kMemberParentInvite, subject_teacher));
  CHECK_FALSE(may(Permission::kMemberParentInvite, classmate));

  CHECK_FALSE(may(Permission::kMemberParentConfirm, student));
  CHECK(may(Permission::kMemberParentConfirm, class_teacher));
  CHECK(may(Permission::kMemberParentConfirm, parent));
  CHECK(may(Permission::kMemberParentConfirm, admin));
  CHECK_FALSE(may(Permission::kMemberParentConfirm, subject_teacher));

  CHECK(may(Permission::kMemberSettingsUpdate, parent));
  CHECK(may(Permission::kMemberSettingsUpdate, admin));
  CHECK_FALSE(may(Permission::kMemberSettingsUpdate, student));
  CHECK_FALSE(may(Permission::kMemberSettingsUpdate, class_teacher));

  // His data export: the student himself and his confirmed parents, nobody else.
  CHECK(may(Permission::kMemberDataExport, student));
  CHECK(may(Permission::kMemberDataExport, parent));
  CHECK_FALSE(may(Permission::kMemberDataExport, admin));
  CHECK_FALSE(may(Permission::kMemberDataExport, class_teacher));
  CHECK_FALSE(may(Permission::kMemberDataExport, subject_teacher));
  CHECK_FALSE(may(Permission::kMemberDataExport, classmate));
  PersonFacts pending_parent = Person("p2", {});  // a pending parent has neither role nor child
  CHECK_FALSE(may(Permission::kMemberDataExport, pending_parent));

  // Student-only permissions never apply to adults.
  CHECK_FALSE(Decide(Permission::kMemberSettingsUpdate, MemberRelations(admin, class_teacher),
                     TargetKindOf(class_teacher)));
  CHECK_FALSE(Decide(Permission::kMemberDataExport,
                     MemberRelations(class_teacher, class_teacher), TargetKindOf(class_teacher)));
  // Nobody can be acted on who is not of the school.
  CHECK_FALSE(Decide(Permission::kMemberContact, MemberRelations(admin, Person("x", {})),
                     TargetKindOf(Person("x", {}))));
}

TEST_CASE("Every permission has a unique name and parses back", "[directory][unit][policy]") {
  std::set<std::string> names;
  for (const PermissionInfo& info : PermissionTable()) {
    CHECK(names.insert(std::string(info.name)).second);
    CHECK(PermissionFromName(info.name) == info.permission);
    CHECK(&InfoOf(info.permission) == &info);
  }
  CHECK_FALSE(PermissionFromName("school.destroy").has_value());
}

TEST_CASE("Resources parse only in their three shapes", "[directory][unit][policy]") {
  const std::string school = "01929b2e-6c1a-7d3e-8f00-1234567890ab";
  const std::string other = "01929b2e-6c1a-7d3e-8f00-1234567890ac";
  auto parsed = ParseResource("schools/" + school);
  REQUIRE(parsed.ok());
  CHECK(parsed->kind == ResourceKind::kSchool);
  parsed = ParseResource("schools/" + school + "/classes/" + other);
  REQUIRE(parsed.ok());
  CHECK(parsed->class_id == other);
  parsed = ParseResource("schools/" + school + "/members/" + other);
  REQUIRE(parsed.ok());
  CHECK(parsed->member_id == other);
  for (const std::string& bad :
       std::vector<std::string>{"", "schools/", "schools/x", "schools/" + school + "/",
                                "classes/" + school, "schools/" + school + "/rooms/" + other,
                                "schools/" + school + "/classes/" + other + "/x",
                                "schools/" + school + "/classes/NOT-A-UUID"}) {
    INFO(bad);
    CHECK_FALSE(ParseResource(bad).ok());
  }
}

}  // namespace
}  // namespace parta::directory
