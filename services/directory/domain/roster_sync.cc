// Regional systems' roster sync (declared in directory.h): a bulk, idempotent upsert of a
// school's classes of one academic year and its people, keyed by the region's own ids.
//
// Three steps, as an import: the entries are checked on their own; the people Parta does not
// know yet get school-managed accounts from identity (found again by key if a sync is retried,
// so nothing is made twice); then one transaction under the school's row lock plans every
// entry against the directory as it is and applies the plan (a dry run rolls it back).

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "services/directory/domain/directory.h"
#include "services/directory/domain/roster_csv.h"
#include "services/directory/domain/use_case_support.h"
#include "services/directory/domain/validation.h"

namespace parta::directory {
namespace {

constexpr int kMaxSyncedClasses = 300;
constexpr int kMaxSyncedPeople = 5000;
constexpr size_t kAccountsPerCall = 1000;

// 1–64 printable ASCII characters without spaces: what a region's database keys look like.
bool ValidExternalId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

SyncOutcome Rejected(const char* kind, const std::string& external_id, absl::string_view reason,
                     absl::string_view message) {
  return {.kind = kind,
          .external_id = external_id,
          .action = SyncAction::kRejected,
          .reason = std::string(reason),
          .message = std::string(message)};
}

// A person entry that passed its own checks.
struct CheckedPerson {
  size_t index = 0;  // in the request
  SyncedPersonEntry entry;
  RosterRow row;    // names and birth date as the directory keeps them
  std::string key;  // SyncKeyOf
};

// A class entry that passed its own checks.
struct CheckedClass {
  size_t index = 0;
  SyncedClassEntry entry;
  int grade = 0;
  std::string letter;
};

struct CheckedRoster {
  std::vector<CheckedClass> classes;
  std::vector<CheckedPerson> people;
  std::vector<std::optional<SyncOutcome>> class_results;   // set for rejected entries
  std::vector<std::optional<SyncOutcome>> person_results;  // set for rejected entries
};

// The directory's key of a synced person: his role, names and birth date, as an import keys him
// (so that the pupils of an earlier import are found again, and a parent claiming his child from
// the state's register finds a synced pupil). Without a birth date (staff, parents) names alone
// would join namesakes into one account: the region's id is added.
std::string SyncKeyOf(const RosterRow& row, const std::string& external_id) {
  std::string key = row.PersonKey();
  if (row.birth_date.empty()) absl::StrAppend(&key, "#", external_id);
  return key;
}

bool SyncedRole(Role role) {
  return role == Role::kStudent || role == Role::kParent || role == Role::kTeacher ||
         role == Role::kEmployee;
}

// Every entry on its own: ids, names, dates, roles, duplicates within the request.
CheckedRoster CheckEntries(const RosterSync& sync, absl::CivilDay today) {
  CheckedRoster checked;
  checked.class_results.resize(sync.classes.size());
  checked.person_results.resize(sync.people.size());
  std::set<std::string> class_ids, class_names;
  for (size_t i = 0; i < sync.classes.size(); ++i) {
    const SyncedClassEntry& entry = sync.classes[i];
    std::optional<SyncOutcome>& result = checked.class_results[i];
    if (!ValidExternalId(entry.external_id)) {
      result = Rejected("class", entry.external_id, "INVALID_EXTERNAL_ID",
                        "an id is 1-64 printable ASCII characters without spaces");
      continue;
    }
    if (!class_ids.insert(entry.external_id).second) {
      result = Rejected("class", entry.external_id, "DUPLICATE_EXTERNAL_ID",
                        "the request names this class twice");
      continue;
    }
    std::optional<std::pair<int, std::string>> name = ParseClassName(entry.name);
    if (!name) {
      result = Rejected("class", entry.external_id, "INVALID_CLASS_NAME",
                        "a class name is a grade and a letter, as 5А");
      continue;
    }
    if (!class_names.insert(absl::StrCat(name->first, name->second)).second) {
      result = Rejected("class", entry.external_id, "CLASS_NAME_TAKEN",
                        "another class of the request has this name");
      continue;
    }
    checked.classes.push_back(
        {.index = i, .entry = entry, .grade = name->first, .letter = name->second});
  }
  std::set<std::string> person_ids, person_keys;
  for (size_t i = 0; i < sync.people.size(); ++i) {
    const SyncedPersonEntry& entry = sync.people[i];
    std::optional<SyncOutcome>& result = checked.person_results[i];
    auto reject = [&](absl::string_view reason, absl::string_view message) {
      result = Rejected("person", entry.external_id, reason, message);
    };
    if (!ValidExternalId(entry.external_id)) {
      reject("INVALID_EXTERNAL_ID", "an id is 1-64 printable ASCII characters without spaces");
      continue;
    }
    if (!person_ids.insert(entry.external_id).second) {
      reject("DUPLICATE_EXTERNAL_ID", "the request names this person twice");
      continue;
    }
    if (!SyncedRole(entry.role)) {
      reject("INVALID_ROLE", "a person is a student, a parent, a teacher or an employee");
      continue;
    }
    absl::StatusOr<std::string> last = NormalizePersonName(entry.last_name, false);
    absl::StatusOr<std::string> first = NormalizePersonName(entry.first_name, false);
    absl::StatusOr<std::string> middle = NormalizePersonName(entry.middle_name, true);
    if (!last.ok() || !first.ok() || !middle.ok()) {
      reject("INVALID_NAME", "names have 1-60 characters on one line");
      continue;
    }
    std::string birth_date;
    if (!entry.birth_date.empty() || entry.role == Role::kStudent) {
      absl::StatusOr<std::string> date = ParseDate(entry.birth_date, today);
      if (!date.ok()) {
        reject("INVALID_BIRTH_DATE", "a birth date is YYYY-MM-DD, in the past; pupils need one");
        continue;
      }
      birth_date = *date;
    }
    if (entry.role == Role::kStudent && entry.class_external_id.empty()) {
      reject("CLASS_REQUIRED", "a pupil names his class");
      continue;
    }
    RosterRow row{.last_name = *last,
                  .first_name = *first,
                  .patronymic = *middle,
                  .birth_date = birth_date,
                  .role = entry.role};
    std::string key = SyncKeyOf(row, entry.external_id);
    if (!person_keys.insert(key).second) {
      reject("DUPLICATE_PERSON",
             "another entry of the request has the same role, names and birth date");
      continue;
    }
    checked.people.push_back(
        {.index = i, .entry = entry, .row = std::move(row), .key = std::move(key)});
  }
  return checked;
}

// The people and classes the region synced before, by its ids.
struct KnownRoster {
  std::map<std::string, ManagedPerson> people;            // by external id
  std::map<std::string, ManagedPerson> people_by_key;     // by person key, for adoption
  std::map<std::string, std::string> classes;             // external id → class id
};

absl::StatusOr<KnownRoster> LoadKnown(DirectoryTx& tx, const std::string& school_id,
                                      const std::vector<CheckedPerson>& people) {
  KnownRoster known;
  ASSIGN_OR_RETURN(std::vector<ManagedPerson> synced, tx.ListSyncedPeople(school_id));
  for (ManagedPerson& person : synced) known.people.emplace(person.external_id, person);
  std::vector<std::string> keys;
  for (const CheckedPerson& person : people) {
    if (!known.people.contains(person.entry.external_id)) keys.push_back(person.key);
  }
  if (!keys.empty()) {
    ASSIGN_OR_RETURN(std::vector<ManagedPerson> imported, tx.FindManagedPeople(school_id, keys));
    for (ManagedPerson& person : imported) known.people_by_key.emplace(person.person_key, person);
  }
  ASSIGN_OR_RETURN(std::vector<SyncedClassId> classes, tx.ListSyncedClasses(school_id));
  for (const SyncedClassId& synced_class : classes) {
    known.classes.emplace(synced_class.external_id, synced_class.class_id);
  }
  return known;
}

// Applies a checked roster in one transaction: every entry is planned against the directory as
// it is under the school's lock, so that concurrent syncs and edits are seen.
class SyncApplier {
 public:
  SyncApplier(DirectoryTx& tx, Recorder& recorder, const RosterSync& sync,
              const CheckedRoster& checked, const std::map<std::string, ManagedAccount>& made,
              int max_parents, IdGenerator& ids, absl::Time now)
      : tx_(tx),
        recorder_(recorder),
        sync_(sync),
        checked_(checked),
        made_(made),
        max_parents_(max_parents),
        ids_(ids),
        now_(now),
        class_results_(checked.class_results),
        person_results_(checked.person_results) {}

  absl::StatusOr<RosterSyncReport> Apply() {
    ASSIGN_OR_RETURN(known_, LoadKnown(tx_, sync_.school_id, checked_.people));
    ASSIGN_OR_RETURN(std::vector<SchoolClass> active,
                     tx_.ListClasses(sync_.school_id, sync_.academic_year, false));
    for (const SchoolClass& c : active) classes_by_id_.emplace(c.id, c);
    for (const CheckedClass& entry : checked_.classes) RETURN_IF_ERROR(SyncClass(entry));
    for (Role role : {Role::kTeacher, Role::kEmployee, Role::kStudent, Role::kParent}) {
      for (const CheckedPerson& person : checked_.people) {
        if (person.entry.role == role) RETURN_IF_ERROR(SyncPerson(person));
      }
    }
    for (const CheckedClass& entry : checked_.classes) RETURN_IF_ERROR(SyncClassTeacher(entry));
    RosterSyncReport report{.dry_run = sync_.dry_run};
    for (std::optional<SyncOutcome>& result : class_results_) report.results.push_back(*result);
    for (std::optional<SyncOutcome>& result : person_results_) report.results.push_back(*result);
    if (sync_.remove_missing) RETURN_IF_ERROR(RemoveMissing(report));
    return report;
  }

 private:
  // A class: found by its id, taken over by its name (made by hand or by an import), or made.
  absl::Status SyncClass(const CheckedClass& entry) {
    std::optional<SyncOutcome>& result = class_results_[entry.index];
    const std::string& external_id = entry.entry.external_id;
    auto known = known_.classes.find(external_id);
    if (known != known_.classes.end()) {
      auto it = classes_by_id_.find(known->second);
      if (it == classes_by_id_.end()) {
        result = Rejected("class", external_id, "EXTERNAL_ID_CONFLICT",
                          absl::StrCat("the id names a class of another year, or an archived "
                                       "one, from an earlier sync"));
        return absl::OkStatus();
      }
      SchoolClass& school_class = it->second;
      result = SyncOutcome{.kind = "class", .external_id = external_id, .id = school_class.id};
      if (school_class.grade == entry.grade && school_class.letter == entry.letter) {
        result->action = SyncAction::kUnchanged;
        synced_classes_[external_id] = school_class.id;
        return absl::OkStatus();
      }
      if (school_class.grade != entry.grade) {
        // Pupils change grade with the year (RolloverAcademicYear), classes never within one.
        result = Rejected("class", external_id, "EXTERNAL_ID_CONFLICT",
                          absl::StrCat("the id names ", school_class.DisplayName(),
                                       ": a class keeps its grade within a year"));
        return absl::OkStatus();
      }
      if (const SchoolClass* other = ActiveClassNamed(entry.grade, entry.letter)) {
        result = Rejected("class", external_id, "CLASS_NAME_TAKEN",
                          absl::StrCat("class ", other->DisplayName(), " exists in this year"));
        return absl::OkStatus();
      }
      result->message = absl::StrCat("renamed from ", school_class.DisplayName());
      school_class.grade = entry.grade;
      school_class.letter = entry.letter;
      RETURN_IF_ERROR(tx_.UpdateClass(school_class));
      RETURN_IF_ERROR(recorder_.Record(
          sync_.school_id, {.kind = Change::Kind::kClassUpdated, .school_class = school_class}));
      result->action = SyncAction::kUpdated;
      synced_classes_[external_id] = school_class.id;
      return absl::OkStatus();
    }
    if (const SchoolClass* existing = ActiveClassNamed(entry.grade, entry.letter)) {
      if (ClassTakenByAnotherId(existing->id)) {
        result = Rejected("class", external_id, "CLASS_NAME_TAKEN",
                          absl::StrCat("class ", existing->DisplayName(),
                                       " is synced under another id"));
        return absl::OkStatus();
      }
      RETURN_IF_ERROR(tx_.SaveSyncedClass(sync_.school_id,
                                          {.external_id = external_id, .class_id = existing->id}));
      result = SyncOutcome{.kind = "class",
                           .external_id = external_id,
                           .action = SyncAction::kUpdated,
                           .id = existing->id,
                           .message = "an existing class is now known by this id"};
      synced_classes_[external_id] = existing->id;
      return absl::OkStatus();
    }
    SchoolClass school_class{.id = ids_.NewId(),
                             .school_id = sync_.school_id,
                             .grade = entry.grade,
                             .letter = entry.letter,
                             .academic_year = sync_.academic_year,
                             .created_at = now_};
    RETURN_IF_ERROR(tx_.InsertClass(school_class));
    RETURN_IF_ERROR(tx_.SaveSyncedClass(sync_.school_id,
                                        {.external_id = external_id, .class_id = school_class.id}));
    RETURN_IF_ERROR(recorder_.Record(
        sync_.school_id, {.kind = Change::Kind::kClassCreated, .school_class = school_class}));
    classes_by_id_.emplace(school_class.id, school_class);
    synced_classes_[external_id] = school_class.id;
    result = SyncOutcome{.kind = "class",
                         .external_id = external_id,
                         .action = SyncAction::kCreated,
                         .id = sync_.dry_run ? "" : school_class.id};
    return absl::OkStatus();
  }

  // A class teacher named by the region's id: a teacher of this request or an earlier sync.
  absl::Status SyncClassTeacher(const CheckedClass& entry) {
    std::optional<SyncOutcome>& result = class_results_[entry.index];
    if (entry.entry.teacher_external_id.empty() || result->action == SyncAction::kRejected) {
      return absl::OkStatus();
    }
    const ManagedPerson* teacher = PersonById(entry.entry.teacher_external_id, Role::kTeacher);
    // One synced before teaches here only while he still has the role.
    const bool teaches =
        teacher != nullptr &&
        (teacher->account_id.empty() ||
         RequireTeacher(tx_, sync_.school_id, teacher->account_id).ok());
    if (!teaches) {
      result->reason = "CLASS_TEACHER_NOT_FOUND";
      result->message = "the class teacher's id names no teacher of this sync or an earlier one";
      return absl::OkStatus();
    }
    if (teacher->account_id.empty()) return absl::OkStatus();  // made in a dry run
    SchoolClass& school_class = classes_by_id_.at(synced_classes_.at(entry.entry.external_id));
    if (school_class.class_teacher_id == teacher->account_id) return absl::OkStatus();
    school_class.class_teacher_id = teacher->account_id;
    RETURN_IF_ERROR(tx_.UpdateClass(school_class));
    RETURN_IF_ERROR(recorder_.Record(
        sync_.school_id, {.kind = Change::Kind::kClassUpdated, .school_class = school_class}));
    if (result->action == SyncAction::kUnchanged) result->action = SyncAction::kUpdated;
    result->message = absl::StrCat(result->message, result->message.empty() ? "" : "; ",
                                   "a new class teacher");
    return absl::OkStatus();
  }

  absl::Status SyncPerson(const CheckedPerson& person) {
    std::optional<SyncOutcome>& result = person_results_[person.index];
    const SyncedPersonEntry& entry = person.entry;
    const std::string& key = person.key;
    // Found by the region's id, taken over from an import by name and birth date, or new.
    std::optional<ManagedPerson> managed;
    bool adopted = false;
    if (auto it = known_.people.find(entry.external_id); it != known_.people.end()) {
      if (it->second.role != entry.role) {
        result = Rejected("person", entry.external_id, "EXTERNAL_ID_CONFLICT",
                          absl::StrCat("the id names a ", RoleName(it->second.role),
                                       " from an earlier sync"));
        return absl::OkStatus();
      }
      managed = it->second;
    } else if (auto by_key = known_.people_by_key.find(key); by_key != known_.people_by_key.end()) {
      if (!by_key->second.external_id.empty()) {
        result = Rejected("person", entry.external_id, "EXTERNAL_ID_CONFLICT",
                          "this person is known by another id of the region");
        return absl::OkStatus();
      }
      managed = by_key->second;
      adopted = true;
    }
    // What the person's entry needs besides himself, checked before anything is written.
    std::string class_id;
    if (entry.role == Role::kStudent) {
      auto synced = synced_classes_.find(entry.class_external_id);
      if (synced == synced_classes_.end()) {
        auto known = known_.classes.find(entry.class_external_id);
        if (known == known_.classes.end() || !classes_by_id_.contains(known->second)) {
          result = Rejected("person", entry.external_id, "CLASS_NOT_FOUND",
                            "the class id names no class of this sync or an earlier one");
          return absl::OkStatus();
        }
        class_id = known->second;
      } else {
        class_id = synced->second;
      }
    }
    std::vector<std::string> children;
    if (entry.role == Role::kParent) {
      for (const std::string& child_id : entry.child_external_ids) {
        const ManagedPerson* child = PersonById(child_id, Role::kStudent);
        if (child == nullptr) {
          result = Rejected("person", entry.external_id, "CHILD_NOT_FOUND",
                            absl::StrCat("the child id ", child_id,
                                         " names no pupil of this sync or an earlier one"));
          return absl::OkStatus();
        }
        if (!child->account_id.empty()) children.push_back(child->account_id);
      }
    }

    // The person's account: his own, or the one identity made for this sync.
    auto made = made_.find(key);
    if (!managed && made == made_.end()) {
      // A dry run makes no account: what it would do with the new person ends here.
      result = SyncOutcome{.kind = "person",
                           .external_id = entry.external_id,
                           .action = SyncAction::kCreated};
      accounts_by_external_id_.emplace(entry.external_id, ManagedPerson{.role = entry.role});
      return absl::OkStatus();
    }
    const std::string user_id = managed ? managed->account_id : made->second.account_id;
    // A parent's links are checked before anything of his is written.
    LinkPlan links;
    if (entry.role == Role::kParent) {
      ASSIGN_OR_RETURN(std::optional<LinkPlan> plan, LinksToMake(user_id, children));
      if (!plan) {
        result = Rejected("person", entry.external_id, "PARENT_LIMIT_REACHED",
                          "a child has as many parents as allowed");
        return absl::OkStatus();
      }
      links = *std::move(plan);
    }

    result = SyncOutcome{.kind = "person", .external_id = entry.external_id, .id = user_id};
    std::vector<std::string> changes;
    if (!managed) {
      RETURN_IF_ERROR(tx_.InsertManagedPerson({.school_id = sync_.school_id,
                                               .person_key = key,
                                               .account_id = user_id,
                                               .display_name = person.row.DisplayName(),
                                               .username = made->second.username,
                                               .role = entry.role,
                                               .external_id = entry.external_id}));
      result->action = SyncAction::kCreated;
      result->username = made->second.username;
      result->login_code = made->second.login_code;
    } else if (adopted) {
      RETURN_IF_ERROR(tx_.SetExternalId(sync_.school_id, managed->person_key, entry.external_id));
      changes.push_back("an imported person is now known by this id");
    }
    accounts_by_external_id_.emplace(entry.external_id,
                                     ManagedPerson{.account_id = user_id, .role = entry.role});

    ASSIGN_OR_RETURN(PersonFacts facts, tx_.LoadFacts(sync_.school_id, user_id));
    bool member = facts.Has(entry.role);  // already where the region says (the common case)
    if (entry.role == Role::kStudent) {
      // Out of another class of the year first: a pupil is in one class per year.
      for (const std::string& other : facts.student_classes) {
        auto other_class = classes_by_id_.find(other);
        if (other == class_id || other_class == classes_by_id_.end()) continue;
        RETURN_IF_ERROR(tx_.RemoveStudent(other, user_id).status());
        RETURN_IF_ERROR(recorder_.Record(
            sync_.school_id,
            {.kind = Change::Kind::kStudentRemoved, .user_id = user_id, .class_id = other}));
        changes.push_back(absl::StrCat("moved from ", other_class->second.DisplayName()));
      }
      const bool in_class = std::find(facts.student_classes.begin(), facts.student_classes.end(),
                                      class_id) != facts.student_classes.end();
      member = member && in_class;
      if (!in_class && changes.empty() && result->action != SyncAction::kCreated) {
        changes.push_back(absl::StrCat("joined ", classes_by_id_.at(class_id).DisplayName()));
      }
    } else if (!facts.Has(entry.role) && result->action != SyncAction::kCreated) {
      changes.push_back("the role is given back");
    }
    if (!member) {
      RETURN_IF_ERROR(
          GrantMembership(tx_, recorder_, sync_.school_id, user_id, entry.role, class_id, now_));
    }
    if (!links.empty()) {
      RETURN_IF_ERROR(ConfirmLinks(user_id, links));
      if (result->action != SyncAction::kCreated) {
        changes.push_back(absl::StrCat("linked to ", links.size(),
                                       links.size() == 1 ? " child" : " children"));
      }
    }
    if (result->action != SyncAction::kCreated) {
      result->action = changes.empty() ? SyncAction::kUnchanged : SyncAction::kUpdated;
      result->message = absl::StrJoin(changes, "; ");
    }
    return absl::OkStatus();
  }

  using LinkPlan = std::vector<std::pair<std::string, std::optional<ParentLink>>>;

  // The parent's links to confirm: (child id, his pending link if any) for each child not yet
  // confirmed; nullopt when a child has no free parent place.
  absl::StatusOr<std::optional<LinkPlan>> LinksToMake(const std::string& parent_id,
                                                      const std::vector<std::string>& children) {
    LinkPlan plan;
    for (const std::string& child_id : children) {
      ASSIGN_OR_RETURN(std::optional<ParentLink> link,
                       tx_.FindParentLink(sync_.school_id, parent_id, child_id));
      if (link && link->state == ParentLinkState::kConfirmed) continue;
      if (!link) {
        ASSIGN_OR_RETURN(std::vector<ParentLink> links,
                         tx_.ListParentLinks(sync_.school_id, child_id));
        if (static_cast<int>(links.size()) >= max_parents_) return std::nullopt;
      }
      plan.emplace_back(child_id, std::move(link));
    }
    return plan;
  }

  // Confirms the planned links: the region vouches, as the state does for a claimed child.
  absl::Status ConfirmLinks(const std::string& parent_id, LinkPlan& plan) {
    for (auto& [child_id, link] : plan) {
      ASSIGN_OR_RETURN(PersonFacts child, tx_.LoadFacts(sync_.school_id, child_id));
      if (!link) {
        link = ParentLink{.id = ids_.NewId(),
                          .school_id = sync_.school_id,
                          .parent_id = parent_id,
                          .student_id = child_id,
                          .created_at = now_};
        RETURN_IF_ERROR(tx_.InsertParentLink(*link));
      }
      link->state = ParentLinkState::kConfirmed;
      link->confirmed_by.clear();
      link->confirmed_at = now_;
      RETURN_IF_ERROR(tx_.SaveParentLink(*link));
      RETURN_IF_ERROR(recorder_.Record(sync_.school_id, {.kind = Change::Kind::kParentLinkConfirmed,
                                                         .parent_link = *link,
                                                         .existing_parent_ids = child.parents}));
    }
    return absl::OkStatus();
  }

  // The people earlier syncs brought that this one does not list (rejected entries are listed:
  // a bad line never removes anyone) lose the role the sync gave them.
  absl::Status RemoveMissing(RosterSyncReport& report) {
    std::set<std::string> listed;
    for (const SyncedPersonEntry& entry : sync_.people) listed.insert(entry.external_id);
    for (const auto& [external_id, person] : known_.people) {
      if (listed.contains(external_id)) continue;
      ASSIGN_OR_RETURN(PersonFacts facts, tx_.LoadFacts(sync_.school_id, person.account_id));
      if (!facts.Has(person.role)) continue;
      RETURN_IF_ERROR(RemoveRoleOf(tx_, recorder_, sync_.school_id, facts, person.account_id,
                                   person.role));
      report.results.push_back({.kind = "person",
                                .external_id = external_id,
                                .action = SyncAction::kRemoved,
                                .id = person.account_id,
                                .message = absl::StrCat("no longer a ", RoleName(person.role))});
    }
    return absl::OkStatus();
  }

  // The person the region's id names with `role`: one of this sync (his account id empty when a
  // dry run made him), or else of an earlier one; null when there is none.
  const ManagedPerson* PersonById(const std::string& external_id, Role role) const {
    auto now = accounts_by_external_id_.find(external_id);
    const ManagedPerson* person = nullptr;
    if (now != accounts_by_external_id_.end()) {
      person = &now->second;
    } else if (auto earlier = known_.people.find(external_id); earlier != known_.people.end()) {
      person = &earlier->second;
    }
    return person != nullptr && person->role == role ? person : nullptr;
  }

  const SchoolClass* ActiveClassNamed(int grade, const std::string& letter) const {
    for (const auto& [id, school_class] : classes_by_id_) {
      if (school_class.grade == grade && school_class.letter == letter) return &school_class;
    }
    return nullptr;
  }

  bool ClassTakenByAnotherId(const std::string& class_id) const {
    for (const auto& [external_id, id] : known_.classes) {
      if (id == class_id) return true;
    }
    return false;
  }

  DirectoryTx& tx_;
  Recorder& recorder_;
  const RosterSync& sync_;
  const CheckedRoster& checked_;
  const std::map<std::string, ManagedAccount>& made_;  // new people's accounts, by person key
  const int max_parents_;
  IdGenerator& ids_;
  const absl::Time now_;
  KnownRoster known_;
  std::map<std::string, SchoolClass> classes_by_id_;       // the year's active classes
  std::map<std::string, std::string> synced_classes_;      // this request's: external → class id
  std::map<std::string, ManagedPerson> accounts_by_external_id_;  // this request's people
  std::vector<std::optional<SyncOutcome>> class_results_;
  std::vector<std::optional<SyncOutcome>> person_results_;
};

}  // namespace

int RosterSyncReport::Count(SyncAction action) const {
  return static_cast<int>(std::count_if(results.begin(), results.end(), [&](const SyncOutcome& r) {
    return r.action == action;
  }));
}

absl::StatusOr<RosterSyncReport> Directory::SyncRoster(
    const std::function<bool(const School&)>& client_covers, const RosterSync& sync) {
  ASSIGN_OR_RETURN(std::optional<School> school, SchoolForClient(sync.school_id, client_covers));
  RETURN_IF_ERROR(CheckAcademicYear(sync.academic_year));
  if (static_cast<int>(sync.classes.size()) > kMaxSyncedClasses ||
      static_cast<int>(sync.people.size()) > kMaxSyncedPeople) {
    return InvalidArgument("TOO_MANY_ENTRIES",
                           absl::StrCat("a sync names at most ", kMaxSyncedClasses,
                                        " classes and ", kMaxSyncedPeople, " people"));
  }
  if (!school) return SchoolNotFound();
  const absl::Time now = clock_.Now();
  const CheckedRoster checked = CheckEntries(sync, absl::ToCivilDay(now, absl::UTCTimeZone()));

  // The people Parta does not know get their accounts first (identity finds them again by key if
  // the sync is retried, so a failure below leaves nothing that a retry would duplicate).
  std::vector<const CheckedPerson*> unknown;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    unknown.clear();
    ASSIGN_OR_RETURN(KnownRoster known, LoadKnown(tx, sync.school_id, checked.people));
    for (const CheckedPerson& person : checked.people) {
      if (!known.people.contains(person.entry.external_id) &&
          !known.people_by_key.contains(person.key)) {
        unknown.push_back(&person);
      }
    }
    return absl::OkStatus();
  }));
  std::map<std::string, ManagedAccount> made;
  if (!sync.dry_run && !unknown.empty()) {
    std::vector<AccountService::NewAccount> wanted;
    for (const CheckedPerson* person : unknown) {
      wanted.push_back({.display_name = person->row.DisplayName(),
                        .external_key = IdentityKeyOf(sync.school_id, person->key)});
    }
    // Identity takes at most 2,000 accounts a call.
    for (size_t start = 0; start < wanted.size(); start += kAccountsPerCall) {
      const size_t end = std::min(wanted.size(), start + kAccountsPerCall);
      ASSIGN_OR_RETURN(std::vector<ManagedAccount> accounts,
                       accounts_.CreateManagedAccounts(
                           {wanted.begin() + start, wanted.begin() + end}));
      if (accounts.size() != end - start) {
        return Internal("ACCOUNTS_MISMATCH", "identity answered for a different number of people");
      }
      for (size_t i = start; i < end; ++i) {
        made.emplace(unknown[i]->key, std::move(accounts[i - start]));
      }
    }
    // Accounts identity had already (a sync that failed after making them, or an entry refused
    // after them) have no code to hand out: they get new ones, or nobody could sign in.
    std::vector<std::string> without_code;
    for (const auto& [key, account] : made) {
      if (account.login_code.empty()) without_code.push_back(account.account_id);
    }
    if (!without_code.empty()) {
      ASSIGN_OR_RETURN(std::vector<ManagedAccount> codes,
                       accounts_.IssueLoginCodes(without_code));
      std::map<std::string, ManagedAccount> by_account;
      for (ManagedAccount& code : codes) by_account.emplace(code.account_id, std::move(code));
      for (auto& [key, account] : made) {
        auto code = by_account.find(account.account_id);
        if (code != by_account.end()) account.login_code = code->second.login_code;
      }
    }
  }

  RosterSyncReport report;
  absl::Status applied = Mutate(Caller{}, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    // One sync of a school at a time, in one order with every other change of the school.
    RETURN_IF_ERROR(tx.LockSchool(sync.school_id).status());
    SyncApplier applier(tx, recorder, sync, checked, made, settings_.max_parents_per_student, ids_,
                        now);
    ASSIGN_OR_RETURN(report, applier.Apply());
    // A dry run goes through the same steps and rolls them back.
    return sync.dry_run ? DryRunRollback() : absl::OkStatus();
  });
  if (!(sync.dry_run && IsDryRunRollback(applied))) RETURN_IF_ERROR(applied);
  log::Info("roster synced")
      .With("school_id", sync.school_id)
      .With("dry_run", sync.dry_run)
      .With("created", report.Count(SyncAction::kCreated))
      .With("updated", report.Count(SyncAction::kUpdated))
      .With("removed", report.Count(SyncAction::kRemoved))
      .With("rejected", report.Count(SyncAction::kRejected));
  return report;
}

}  // namespace parta::directory
