#pragma once

// What the directory's use cases share (domain/*.cc): the recorder of a transaction's changes,
// the caller's facts and the checks every use case makes, the errors they answer with, and how a
// student gets a role and a class. Internal to the domain.

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/core/status.h"
#include "services/directory/domain/directory.h"

namespace parta::directory {

// Records the changes of one transaction and remembers the generation each school reached, so
// the cache can be advanced once the transaction committed.
class Recorder {
 public:
  Recorder(DirectoryTx& tx, const Caller& caller, absl::Time now)
      : tx_(tx), caller_(caller), now_(now) {}

  absl::Status Record(absl::string_view school_id, Change change) {
    ASSIGN_OR_RETURN(int64_t generation,
                     tx_.RecordChange(school_id, caller_, change, now_));
    int64_t& reached = generations_[std::string(school_id)];
    reached = std::max(reached, generation);
    return absl::OkStatus();
  }
  const std::map<std::string, int64_t>& generations() const { return generations_; }

 private:
  DirectoryTx& tx_;
  const Caller& caller_;
  const absl::Time now_;
  std::map<std::string, int64_t> generations_;
};

inline constexpr int kDefaultPageSize = 50;

absl::Status Deny(absl::string_view reason, absl::string_view message);
absl::Status SchoolNotFound();
absl::Status ClassNotFound();
absl::Status MemberNotFound(absl::string_view what);

// The caller's facts in a school he may see: a member of it, or an operator. Anyone else learns
// nothing, not even that the school exists (SCHOOL_NOT_FOUND).
absl::StatusOr<PersonFacts> CallerFacts(DirectoryTx& tx, const Caller& caller,
                                        const std::string& school_id);
// NOT_SCHOOL_ADMIN unless the facts hold the admin role.
absl::Status RequireAdmin(const PersonFacts& facts);
// `reason` unless the permission table allows `permission` on the school.
absl::Status RequireSchool(const Caller& caller, const PersonFacts& facts, Permission permission,
                           absl::string_view reason, absl::string_view message);
// Admins of the school, and operators (who invite a new school's first admin).
absl::Status RequireInvitationManager(const Caller& caller, const PersonFacts& facts);
// The class of that school (CLASS_NOT_FOUND otherwise, a foreign class included).
absl::StatusOr<SchoolClass> FindClassIn(DirectoryTx& tx, const std::string& school_id,
                                        const std::string& class_id);
// CLASS_ARCHIVED for an archived class.
absl::Status RequireActive(const SchoolClass& school_class);
// A student of the school and his facts; MEMBER_NOT_FOUND otherwise.
absl::StatusOr<PersonFacts> StudentFacts(DirectoryTx& tx, const std::string& school_id,
                                         const std::string& student_id);
// NOT_A_TEACHER unless `user_id` is a teacher of the school.
absl::Status RequireTeacher(DirectoryTx& tx, const std::string& school_id,
                            const std::string& user_id);
// Grants `role` (students also join `class_id`): how invitations, approved join requests and
// imports make members. A student is in one class per academic year.
absl::Status GrantMembership(DirectoryTx& tx, Recorder& recorder, const std::string& school_id,
                             const std::string& user_id, Role role, const std::string& class_id,
                             absl::Time now);
// Takes `role` from a member with its consequences: a student leaves his classes and his family
// ties to the school end, a teacher leaves the classes he teaches or leads, a parent's links
// end. How admins remove a role and how a roster sync removes what it no longer lists.
absl::Status RemoveRoleOf(DirectoryTx& tx, Recorder& recorder, const std::string& school_id,
                          const PersonFacts& member, const std::string& user_id, Role role);
// The identity service's key of a managed person of the school: no personal data leaves the
// directory (identity finds the account again by it, so creating it twice makes one).
std::string IdentityKeyOf(const std::string& school_id, const std::string& person_key);
// A student leaves the school's families: his parent links end, invitations for his parents are
// revoked, and a parent left with no child in the school loses the parent role.
absl::Status EndStudentFamily(DirectoryTx& tx, Recorder& recorder, const std::string& school_id,
                              const std::string& student_id);
// Every school of the person, each with his roles there.
absl::StatusOr<std::vector<Membership>> AllMemberships(DirectoryTx& tx, const std::string& user_id);
// Saves a student's settings and records the change: its event lets messaging and the
// permission cache follow (UpdateStudentSettings, and a withdrawn visibility consent).
absl::Status SaveSettings(DirectoryTx& tx, Recorder& recorder, const StudentSettings& settings);
// FAILED_PRECONDITION `CONSENT_REQUIRED` unless the person's consent to `purpose` is given to
// the current text (domain/consents.cc). Holds the person's consents until the transaction ends,
// so that a withdrawal cannot slip in between.
absl::Status RequireGivenConsent(DirectoryTx& tx, const std::string& person_id,
                                 ConsentPurpose purpose);
// A page size of 1–`max` (0: the default); INVALID_PAGE_SIZE otherwise.
absl::StatusOr<int> PageSize(int requested, int max);
// The token of the page after the item `key` of the list `list` bound to `scope`
// (libs/core/page_token.h), and the key back from a token of the same list and scope: nullopt
// for an empty token (the first page), INVALID_PAGE_TOKEN for any other token.
std::string EncodeCreatedKey(absl::string_view list, absl::string_view scope,
                             const CreatedKey& key);
absl::StatusOr<std::optional<CreatedKey>> DecodeCreatedKey(const std::string& token,
                                                           absl::string_view list,
                                                           absl::string_view scope);

// A dry run rolls its transaction back with this status, which never leaves the use case.
absl::Status DryRunRollback();
bool IsDryRunRollback(const absl::Status& status);

}  // namespace parta::directory
