// Use cases of adults the state vouches for (declared in directory.h): a government-verified
// parent claims his child, and schools that admit only vouched-for adults ask the identity
// service for a person's verification level.

#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "services/directory/domain/directory.h"
#include "services/directory/domain/use_case_support.h"
#include "services/directory/domain/validation.h"

namespace parta::directory {
namespace {

absl::Status ChildNotFound() {
  return NotFound("CHILD_NOT_FOUND",
                  "no pupil of the school has the child's name and birth date: ask the school "
                  "to check its roster");
}

// The person key of the school's imported pupil who is `child` (domain/roster_csv.h); an error
// when the register's names would not pass a roster's checks.
absl::StatusOr<std::string> PupilKeyOf(const GovernmentChild& child) {
  absl::StatusOr<std::string> last = NormalizePersonName(child.last_name, false);
  absl::StatusOr<std::string> first = NormalizePersonName(child.first_name, false);
  absl::StatusOr<std::string> middle = NormalizePersonName(child.middle_name, true);
  if (!last.ok() || !first.ok() || !middle.ok() || child.birth_date.size() != 10) {
    return ChildNotFound();
  }
  return RosterRow{.last_name = *last,
                   .first_name = *first,
                   .patronymic = *middle,
                   .birth_date = child.birth_date,
                   .role = Role::kStudent}
      .PersonKey();
}

}  // namespace

absl::StatusOr<bool> Directory::IsVouchedAdult(const std::string& user_id) {
  ASSIGN_OR_RETURN(VerificationLevel level, accounts_.VerificationLevelOf(user_id));
  return level != VerificationLevel::kNone;
}

absl::StatusOr<ParentLink> Directory::ClaimChild(const Caller& caller, const std::string& school_id,
                                                 const std::string& government_child_id) {
  if (government_child_id.size() > 64) {
    return InvalidArgument("INVALID_CHILD_ID", "child_id must be an id ListEsiaChildren gave");
  }
  // The state's word first (who may claim at all): the caller is government-verified and the
  // register lists the child as his.
  ASSIGN_OR_RETURN(const GovernmentChild child,
                   accounts_.GovernmentChildOf(caller.user_id, government_child_id));
  ASSIGN_OR_RETURN(const std::string key, PupilKeyOf(child));
  if (!IsUuid(school_id)) return ChildNotFound();
  absl::Time now = clock_.Now();
  ParentLink result;
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    // A school that does not exist answers as one without the child: a claim reveals nothing
    // about schools. Claims in a school are serialised by its row lock, so that two claims
    // cannot both take a pupil's register id or his last free parent place.
    ASSIGN_OR_RETURN(bool school_exists, tx.LockSchool(school_id));
    if (!school_exists) return ChildNotFound();
    ASSIGN_OR_RETURN(std::vector<ManagedPerson> found, tx.FindManagedStudentsLike(school_id, key));
    std::vector<std::pair<ManagedPerson, PersonFacts>> pupils;
    for (ManagedPerson& person : found) {
      ASSIGN_OR_RETURN(PersonFacts facts, tx.LoadFacts(school_id, person.account_id));
      if (facts.Has(Role::kStudent)) pupils.emplace_back(std::move(person), std::move(facts));
    }
    if (pupils.empty()) return ChildNotFound();
    if (pupils.size() > 1) {
      return FailedPrecondition("CHILD_AMBIGUOUS",
                                "several pupils of the school have the child's name and birth "
                                "date: ask the class teacher to confirm the link instead");
    }
    const auto& [pupil, student] = pupils.front();
    if (!pupil.government_id.empty() && pupil.government_id != child.id) {
      return FailedPrecondition("CHILD_CLAIMED_AS_ANOTHER",
                                "the pupil was matched to another child of the state's register: "
                                "ask the school");
    }
    if (pupil.account_id == caller.user_id) {
      return FailedPrecondition("PARENT_IS_CHILD", "a child's own account cannot become its parent");
    }
    ASSIGN_OR_RETURN(std::optional<ParentLink> link,
                     tx.FindParentLink(school_id, caller.user_id, pupil.account_id));
    if (link && link->state == ParentLinkState::kConfirmed) {
      result = *link;  // claimed (or confirmed) before: nothing changes
      return absl::OkStatus();
    }
    if (!link) {
      ASSIGN_OR_RETURN(std::vector<ParentLink> links,
                       tx.ListParentLinks(school_id, pupil.account_id));
      if (static_cast<int>(links.size()) >= settings_.max_parents_per_student) {
        return FailedPrecondition("PARENT_LIMIT_REACHED",
                                  "the student has as many parents as allowed");
      }
      link = ParentLink{.id = ids_.NewId(),
                        .school_id = school_id,
                        .parent_id = caller.user_id,
                        .student_id = pupil.account_id,
                        .created_at = now};
      RETURN_IF_ERROR(tx.InsertParentLink(*link));
    }
    // The state vouches: confirmed without the class teacher.
    link->state = ParentLinkState::kConfirmed;
    link->confirmed_by.clear();
    link->confirmed_at = now;
    link->confirmed_by_government = true;
    RETURN_IF_ERROR(tx.SaveParentLink(*link));
    if (pupil.government_id.empty()) {
      RETURN_IF_ERROR(tx.SetGovernmentId(school_id, pupil.person_key, child.id));
    }
    ASSIGN_OR_RETURN(bool granted, tx.GrantRole(school_id, caller.user_id, Role::kParent, now));
    if (granted) {
      RETURN_IF_ERROR(recorder.Record(
          school_id,
          {.kind = Change::Kind::kRoleGranted, .user_id = caller.user_id, .role = Role::kParent}));
    }
    RETURN_IF_ERROR(recorder.Record(school_id, {.kind = Change::Kind::kParentLinkConfirmed,
                                                .parent_link = *link,
                                                .existing_parent_ids = student.parents}));
    result = *link;
    return absl::OkStatus();
  }));
  log::Info("child claimed")
      .With("school_id", school_id)
      .With("parent_id", caller.user_id)
      .With("link_id", result.id);
  return result;
}

}  // namespace parta::directory
