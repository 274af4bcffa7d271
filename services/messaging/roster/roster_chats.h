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

#include <pqxx/pqxx>

#include "absl/status/status.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "parta/directory/v1/directory.pb.h"

namespace parta::messaging {

class RosterChats {
 public:
  RosterChats(IdGenerator& ids, const Clock& clock) : ids_(ids), clock_(clock) {}

  // Applies one event of a school's stream in `tx` (the caller stores its cursor in the same
  // transaction, so every event is applied exactly once).
  absl::Status Apply(pqxx::transaction_base& tx, const directory::v1::DirectoryEvent& event);

 private:
  void EnsureSchoolChats(pqxx::transaction_base& tx, const directory::v1::School& school);
  void SyncSchoolMember(pqxx::transaction_base& tx, const std::string& school_id,
                        const std::string& user_id);
  void MirrorClass(pqxx::transaction_base& tx, const directory::v1::Class& school_class);
  void SyncClassChats(pqxx::transaction_base& tx, const std::string& class_id);
  void SyncClassesOfStudent(pqxx::transaction_base& tx, const std::string& student_id);

  IdGenerator& ids_;
  const Clock& clock_;
};

}  // namespace parta::messaging
