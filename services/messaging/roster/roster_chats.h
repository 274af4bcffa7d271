#pragma once

// Keeps the roster chats from the directory's events: a mirror of the roster (roles, classes,
// students, teachers, confirmed parent links) and, after each event, the affected chats brought
// to what the mirror says (domain/policy.h). Each chat change goes through the chat's log, so
// members see people join and leave and their gateways follow or unfollow.
//
//   school created      → its staff chat and channel
//   role granted/removed → the person in the staff chat and the channel
//   class created       → the class's students' and parents' chats
//   class changes, students, teachers, parent links → the class's chats
//   class archived      → its chats archived, with their members frozen: the year's
//                          students keep reading them after the rollover moves them on
//   parent links        → the student's family chat, where there is one
//
// A parent link is the school's that confirmed it: a school's parents' chats follow only its
// own links. A person left with no role in a school leaves its groups and direct chats; a change
// that may end someone's contact with others (a role, a class, a parent link, a student's safe
// mode) queues his direct chats in the school for the contact checker
// (roster/direct_chat_checks.h), which asks the directory outside this transaction.

#include <pqxx/pqxx>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "parta/directory/v1/directory.pb.h"
#include "services/messaging/domain/model.h"

namespace parta::messaging {

class RosterChats {
 public:
  RosterChats(IdGenerator& ids, const Clock& clock) : ids_(ids), clock_(clock) {}

  // Applies one event of a school's stream in `tx` (the caller stores its cursor in the same
  // transaction, so every event is applied exactly once).
  absl::Status Apply(pqxx::transaction_base& tx, const directory::v1::DirectoryEvent& event);

  // The family chat of `pupil_id` in the school, made the first time (title «Дневник», every
  // newcomer sees its whole history) and brought to the mirror's parents of the pupil; its
  // id. NOT_FOUND PUPIL_NOT_FOUND when the mirror has no such pupil in `class_id` of the
  // school.
  absl::StatusOr<std::string> OpenFamilyChat(pqxx::transaction_base& tx,
                                             const std::string& school_id,
                                             const std::string& class_id,
                                             const std::string& pupil_id);

  // Does one item of `roster_repairs` (see the migration that made it): `kind` "class" brings
  // the class's chats to the mirror, "school" takes people with no role left in the school out
  // of its groups and direct chats.
  void Repair(pqxx::transaction_base& tx, const std::string& kind, const std::string& id);

 private:
  void EnsureSchoolChats(pqxx::transaction_base& tx, const directory::v1::School& school);
  void SyncSchoolMember(pqxx::transaction_base& tx, const std::string& school_id,
                        const std::string& user_id);
  void MirrorClass(pqxx::transaction_base& tx, const directory::v1::Class& school_class);
  void SyncClassChats(pqxx::transaction_base& tx, const std::string& class_id);
  void SyncClassesOfStudent(pqxx::transaction_base& tx, const std::string& school_id,
                            const std::string& student_id);
  // Brings the student's family chat in the school, if he has one, to his parents there.
  void SyncFamilyChat(pqxx::transaction_base& tx, const std::string& school_id,
                      const std::string& student_id);
  void ReconcileFamily(pqxx::transaction_base& tx, Chat& chat, const std::string& school_id,
                       const std::string& pupil_id);
  // Takes the person out of the school's groups and direct chats if he holds no role there.
  void LeaveIfGone(pqxx::transaction_base& tx, const std::string& school_id,
                   const std::string& user_id);

  IdGenerator& ids_;
  const Clock& clock_;
};

}  // namespace parta::messaging
