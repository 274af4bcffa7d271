// Use cases of roster imports, school-managed accounts and confirmations (declared in
// directory.h).

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "services/directory/domain/directory.h"
#include "services/directory/domain/roster_csv.h"
#include "services/directory/domain/use_case_support.h"
#include "services/directory/domain/validation.h"

namespace parta::directory {

namespace {

}  // namespace

absl::StatusOr<ImportReport> Directory::ImportRoster(const Caller& caller,
                                                     const std::string& school_id,
                                                     const std::string& csv, int academic_year,
                                                     bool dry_run) {
  RETURN_IF_ERROR(CheckAcademicYear(academic_year));
  absl::Time now = clock_.Now();
  ASSIGN_OR_RETURN(ParsedRoster roster, ParseRoster(csv, absl::ToCivilDay(now, absl::UTCTimeZone()),
                                                    settings_.max_import_rows));
  ImportReport report{.rows = static_cast<int>(roster.rows.size() + roster.rejected.size()),
                      .rejected = std::move(roster.rejected),
                      .dry_run = dry_run};

  // Check the lines against the school and find the people imported before.
  struct Planned {
    RosterRow row;
    std::string class_id;
    std::optional<ManagedPerson> known;
  };
  std::vector<Planned> planned;
  std::vector<RejectedRow> unknown_classes;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    planned.clear();
    unknown_classes.clear();
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    RETURN_IF_ERROR(RequireAdmin(facts));
    ASSIGN_OR_RETURN(std::vector<SchoolClass> classes,
                     tx.ListClasses(school_id, academic_year, /*include_archived=*/false));
    std::vector<std::string> keys;
    for (const RosterRow& row : roster.rows) keys.push_back(row.PersonKey());
    ASSIGN_OR_RETURN(std::vector<ManagedPerson> known, tx.FindManagedPeople(school_id, keys));
    for (RosterRow& row : roster.rows) {
      Planned plan{.row = row};
      if (row.role == Role::kStudent) {
        auto name = ParseClassName(row.class_name);
        for (const SchoolClass& c : classes) {
          if (name && c.grade == name->first && c.letter == name->second) plan.class_id = c.id;
        }
        if (plan.class_id.empty()) {
          unknown_classes.push_back(
              {.line = row.line,
               .reason = "CLASS_NOT_FOUND",
               .message = absl::StrCat("no active class ", row.class_name, " in ", academic_year)});
          continue;
        }
      }
      for (const ManagedPerson& person : known) {
        if (person.person_key == row.PersonKey()) plan.known = person;
      }
      planned.push_back(std::move(plan));
    }
    return absl::OkStatus();
  }));

  report.rejected.insert(report.rejected.end(), unknown_classes.begin(), unknown_classes.end());

  // New people get accounts first (identity finds them again by key if this import is retried,
  // so a failure below leaves nothing that a retry would duplicate).
  std::vector<AccountService::NewAccount> wanted;
  std::vector<size_t> wanted_index;
  for (size_t i = 0; i < planned.size(); ++i) {
    if (planned[i].known) continue;
    wanted.push_back({.display_name = planned[i].row.DisplayName(),
                      .external_key = IdentityKeyOf(school_id, planned[i].row.PersonKey())});
    wanted_index.push_back(i);
  }
  std::vector<ManagedAccount> made;
  if (!dry_run && !wanted.empty()) {
    ASSIGN_OR_RETURN(made, accounts_.CreateManagedAccounts(wanted));
    if (made.size() != wanted.size()) {
      return Internal("ACCOUNTS_MISMATCH", "identity answered for a different number of people");
    }
  }
  std::vector<ImportedPerson> people;
  std::vector<RejectedRow> late_rejections;
  absl::Status applied = Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    people.clear();
    late_rejections.clear();
    for (size_t i = 0, next_made = 0; i < planned.size(); ++i) {
      const Planned& plan = planned[i];
      ImportedPerson person{.line = plan.row.line,
                            .display_name = plan.row.DisplayName(),
                            .role = plan.row.role,
                            .class_id = plan.class_id};
      if (plan.known) {
        person.account_id = plan.known->account_id;
        person.username = plan.known->username;
      } else if (!dry_run) {
        const ManagedAccount& account = made[next_made++];
        person.account_id = account.account_id;
        person.username = account.username;
        person.login_code = account.login_code;
        person.created = true;
        RETURN_IF_ERROR(tx.InsertManagedPerson({.school_id = school_id,
                                                .person_key = plan.row.PersonKey(),
                                                .account_id = account.account_id,
                                                .display_name = person.display_name,
                                                .username = account.username,
                                                .role = plan.row.role}));
      } else {
        person.created = true;
      }
      if (!person.account_id.empty()) {
        absl::Status granted = GrantMembership(tx, recorder, school_id, person.account_id,
                                               plan.row.role, plan.class_id, now);
        if (ReasonOf(granted) == "ALREADY_IN_ANOTHER_CLASS") {
          late_rejections.push_back({.line = plan.row.line,
                                     .reason = "ALREADY_IN_ANOTHER_CLASS",
                                     .message = std::string(granted.message())});
          continue;
        }
        RETURN_IF_ERROR(granted);
      }
      people.push_back(std::move(person));
    }
    // A dry run goes through the same steps and rolls them back.
    return dry_run ? DryRunRollback() : absl::OkStatus();
  });
  if (!(dry_run && IsDryRunRollback(applied))) RETURN_IF_ERROR(applied);
  report.rejected.insert(report.rejected.end(), late_rejections.begin(), late_rejections.end());
  std::sort(report.rejected.begin(), report.rejected.end(),
            [](const RejectedRow& a, const RejectedRow& b) { return a.line < b.line; });
  report.people = std::move(people);
  return report;
}

absl::StatusOr<std::vector<LoginCard>> Directory::IssueClassLoginCodes(
    const Caller& caller, const std::string& school_id, const std::string& class_id) {
  std::vector<ManagedPerson> students;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    RETURN_IF_ERROR(FindClassIn(tx, school_id, class_id).status());
    if (!directory::Decide(Permission::kClassJoinRequestsDecide, ClassRelations(facts, class_id))) {
      return Deny("NOT_CLASS_TEACHER", "only an admin or the class teacher prints login codes");
    }
    ASSIGN_OR_RETURN(students, tx.ManagedStudentsOf(class_id));
    return absl::OkStatus();
  }));
  std::vector<std::string> ids;
  for (const ManagedPerson& student : students) ids.push_back(student.account_id);
  std::vector<LoginCard> cards;
  if (ids.empty()) return cards;
  ASSIGN_OR_RETURN(std::vector<ManagedAccount> codes, accounts_.IssueLoginCodes(ids));
  // Who printed whose codes is kept: the codes open the children's accounts.
  RETURN_IF_ERROR(store_.Transact([&](DirectoryTx& tx) {
    return tx.Audit(school_id, caller, "login_codes_issued", class_id, clock_.Now());
  }));
  for (size_t i = 0; i < students.size() && i < codes.size(); ++i) {
    cards.push_back({.student_id = students[i].account_id,
                     .display_name = students[i].display_name,
                     .username = codes[i].username,
                     .login_code = codes[i].login_code,
                     .expires_at = codes[i].code_expires_at});
  }
  log::Info("login codes issued")
      .With("class_id", class_id)
      .With("count", static_cast<int64_t>(cards.size()));
  return cards;
}

absl::StatusOr<Member> Directory::ConfirmMember(const Caller& caller, const std::string& school_id,
                                                const std::string& user_id) {
  std::optional<Member> member;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    RETURN_IF_ERROR(RequireAdmin(facts));
    if (IsUuid(user_id)) {
      ASSIGN_OR_RETURN(member, tx.FindMember(school_id, user_id));
    }
    if (!member) return MemberNotFound("member");
    bool staff = std::any_of(member->roles.begin(), member->roles.end(), [](Role role) {
      return role == Role::kTeacher || role == Role::kEmployee;
    });
    if (!staff) {
      return Error(absl::StatusCode::kFailedPrecondition, "NOT_STAFF",
                   "only teachers and employees are confirmed by their school");
    }
    return absl::OkStatus();
  }));
  RETURN_IF_ERROR(accounts_.ConfirmBySchool(user_id));
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx&, Recorder& recorder) {
    return recorder.Record(school_id, {.kind = Change::Kind::kMemberConfirmed, .user_id = user_id});
  }));
  return *std::move(member);
}

}  // namespace parta::directory
