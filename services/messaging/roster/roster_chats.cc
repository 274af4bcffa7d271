#include "services/messaging/roster/roster_chats.h"

#include <map>
#include <vector>

#include "libs/core/status.h"
#include "libs/pg/time.h"
#include "services/messaging/chats/chat_log.h"
#include "services/messaging/domain/policy.h"

namespace parta::messaging {
namespace {

namespace dir = directory::v1;

// A user id that is nobody's: locks a chat without a member's view.
constexpr char kNobody[] = "00000000-0000-0000-0000-000000000000";
constexpr char kStaffChatTitle[] = "Сотрудники школы";
constexpr char kChannelTitle[] = "Канал школы";
constexpr char kFamilyChatTitle[] = "Дневник";

std::optional<SchoolRole> SchoolRoleOf(dir::Role role) {
  switch (role) {
    case dir::ROLE_ADMIN:
      return SchoolRole::kAdmin;
    case dir::ROLE_TEACHER:
      return SchoolRole::kTeacher;
    case dir::ROLE_EMPLOYEE:
      return SchoolRole::kEmployee;
    case dir::ROLE_STUDENT:
      return SchoolRole::kStudent;
    case dir::ROLE_PARENT:
      return SchoolRole::kParent;
    default:
      return std::nullopt;
  }
}

std::vector<std::string> Column(const pqxx::result& rows) {
  std::vector<std::string> values;
  for (const pqxx::row& row : rows) values.push_back(row[0].as<std::string>());
  return values;
}

// Records a change of the chat's own state (title, archive) in its log.
void AnnounceChat(pqxx::transaction_base& tx, Chat& chat, IdGenerator& ids, absl::Time now) {
  events::v1::ChatChange change;
  *change.mutable_chat_updated() = ChatToProto(ChatAccess{.chat = chat});
  AppendChange(tx, chat, std::move(change), ids, now);
  // The announced state carries the sequence before the announcement; clients take the rest
  // from the event.
  tx.exec_params("UPDATE chats SET title = $2, archived = $3 WHERE id = $1", chat.id, chat.title,
                 chat.archived);
}

// Brings the chat's active members to `desired`.
void Reconcile(pqxx::transaction_base& tx, Chat& chat,
               const std::map<std::string, ChatRole>& desired, IdGenerator& ids, absl::Time now) {
  std::map<std::string, ChatRole> current;
  for (const pqxx::row& row : tx.exec_params(
           "SELECT user_id::text, role FROM chat_members WHERE chat_id = $1 AND active", chat.id)) {
    current[row[0].as<std::string>()] =
        ChatRoleFromName(row[1].as<std::string>()).value_or(ChatRole::kReader);
  }
  for (const auto& [user_id, role] : desired) {
    auto it = current.find(user_id);
    if (it == current.end() || it->second != role) SetMember(tx, chat, user_id, role, ids, now);
  }
  for (const auto& [user_id, role] : current) {
    if (!desired.contains(user_id)) RemoveMember(tx, chat, user_id, ids, now);
  }
}

std::optional<Chat> LockSchoolChat(pqxx::transaction_base& tx, const std::string& school_id,
                                   ChatKind kind) {
  pqxx::result rows = tx.exec_params(
      "SELECT id::text FROM chats WHERE school_id = $1 AND kind = $2 AND class_id IS NULL",
      school_id, std::string(NameOf(kind)));
  if (rows.empty()) return std::nullopt;
  std::optional<ChatAccess> access = LockChat(tx, rows[0][0].as<std::string>(), kNobody);
  if (!access) return std::nullopt;
  return std::move(access->chat);
}

// Queues the person's direct chats in the school for the contact checker: the change may have
// ended his contact with the other person of one of them.
void QueueDirectChecks(pqxx::transaction_base& tx, const std::string& school_id,
                       const std::string& user_id) {
  tx.exec_params(
      "INSERT INTO direct_chat_checks (chat_id) SELECT c.id FROM chat_members m "
      "JOIN chats c ON c.id = m.chat_id WHERE m.user_id = $2 AND m.active AND c.school_id = $1 "
      "AND c.kind = 'direct' ON CONFLICT (chat_id) DO UPDATE SET ticket = excluded.ticket",
      school_id, user_id);
}

}  // namespace

absl::Status RosterChats::Apply(pqxx::transaction_base& tx, const dir::DirectoryEvent& event) {
  const std::string& school_id = event.school_id();
  switch (event.change_case()) {
    case dir::DirectoryEvent::kSchoolCreated:
      EnsureSchoolChats(tx, event.school_created().school());
      break;
    case dir::DirectoryEvent::kSchoolUpdated:
      EnsureSchoolChats(tx, event.school_updated().school());
      break;
    case dir::DirectoryEvent::kRoleGranted:
    case dir::DirectoryEvent::kRoleRemoved: {
      bool granted = event.has_role_granted();
      const dir::RoleChanged& change = granted ? event.role_granted() : event.role_removed();
      std::optional<SchoolRole> role = SchoolRoleOf(change.role());
      if (!role) break;
      if (granted) {
        tx.exec_params(
            "INSERT INTO roster_roles (school_id, user_id, role) VALUES ($1, $2, $3) "
            "ON CONFLICT DO NOTHING",
            school_id, change.user_id(), std::string(NameOf(*role)));
      } else {
        tx.exec_params(
            "DELETE FROM roster_roles WHERE school_id = $1 AND user_id = $2 AND "
            "role = $3",
            school_id, change.user_id(), std::string(NameOf(*role)));
      }
      dir::School school;
      school.set_id(school_id);
      EnsureSchoolChats(tx, school);
      SyncSchoolMember(tx, school_id, change.user_id());
      if (!granted) LeaveIfGone(tx, school_id, change.user_id());
      QueueDirectChecks(tx, school_id, change.user_id());
      break;
    }
    case dir::DirectoryEvent::kClassCreated:
      MirrorClass(tx, event.class_created().class_());
      SyncClassChats(tx, event.class_created().class_().id());
      break;
    case dir::DirectoryEvent::kClassUpdated: {
      const dir::Class& updated = event.class_updated().class_();
      // A class teacher replaced may no longer contact the class's students.
      for (const std::string& former : Column(
               tx.exec_params("SELECT class_teacher_id::text FROM roster_classes WHERE id = $1 "
                              "AND class_teacher_id IS NOT NULL AND class_teacher_id::text <> $2",
                              updated.id(), updated.class_teacher_id()))) {
        QueueDirectChecks(tx, school_id, former);
      }
      MirrorClass(tx, updated);
      SyncClassChats(tx, updated.id());
      break;
    }
    case dir::DirectoryEvent::kClassArchived:
      MirrorClass(tx, event.class_archived().class_());
      SyncClassChats(tx, event.class_archived().class_().id());
      break;
    case dir::DirectoryEvent::kStudentAdded:
      tx.exec_params(
          "INSERT INTO roster_students (class_id, user_id) VALUES ($1, $2) "
          "ON CONFLICT DO NOTHING",
          event.student_added().class_id(), event.student_added().user_id());
      SyncClassChats(tx, event.student_added().class_id());
      QueueDirectChecks(tx, school_id, event.student_added().user_id());
      break;
    case dir::DirectoryEvent::kStudentRemoved:
      tx.exec_params("DELETE FROM roster_students WHERE class_id = $1 AND user_id = $2",
                     event.student_removed().class_id(), event.student_removed().user_id());
      SyncClassChats(tx, event.student_removed().class_id());
      QueueDirectChecks(tx, school_id, event.student_removed().user_id());
      break;
    case dir::DirectoryEvent::kTeacherAdded:
      tx.exec_params(
          "INSERT INTO roster_teachers (class_id, user_id, subject) "
          "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
          event.teacher_added().class_id(), event.teacher_added().user_id(),
          event.teacher_added().subject());
      SyncClassChats(tx, event.teacher_added().class_id());
      break;
    case dir::DirectoryEvent::kTeacherRemoved:
      // Without a subject the teacher leaves the class altogether, its lead included.
      tx.exec_params(
          "DELETE FROM roster_teachers WHERE class_id = $1 AND user_id = $2 "
          "AND (subject = $3 OR $3 = '')",
          event.teacher_removed().class_id(), event.teacher_removed().user_id(),
          event.teacher_removed().subject());
      tx.exec_params(
          "UPDATE roster_classes SET class_teacher_id = NULL WHERE id = $1 "
          "AND class_teacher_id = $2 AND $3 = ''",
          event.teacher_removed().class_id(), event.teacher_removed().user_id(),
          event.teacher_removed().subject());
      SyncClassChats(tx, event.teacher_removed().class_id());
      QueueDirectChecks(tx, school_id, event.teacher_removed().user_id());
      break;
    // A link is the school's whose stream carries it: only that school's chats follow it.
    case dir::DirectoryEvent::kParentLinkConfirmed: {
      const dir::ParentLink& link = event.parent_link_confirmed().link();
      tx.exec_params(
          "INSERT INTO roster_parents (school_id, parent_id, student_id) VALUES ($1, $2, $3) "
          "ON CONFLICT DO NOTHING",
          school_id, link.parent_id(), link.student_id());
      SyncClassesOfStudent(tx, school_id, link.student_id());
      SyncFamilyChat(tx, school_id, link.student_id());
      break;
    }
    case dir::DirectoryEvent::kParentLinkEnded: {
      const dir::ParentLink& link = event.parent_link_ended().link();
      tx.exec_params(
          "DELETE FROM roster_parents WHERE school_id = $1 AND parent_id = $2 AND student_id = $3",
          school_id, link.parent_id(), link.student_id());
      SyncClassesOfStudent(tx, school_id, link.student_id());
      SyncFamilyChat(tx, school_id, link.student_id());
      QueueDirectChecks(tx, school_id, link.parent_id());
      break;
    }
    case dir::DirectoryEvent::kStudentSettingsChanged:
      // Safe mode on again: people outside his circle may no longer contact him.
      QueueDirectChecks(tx, school_id, event.student_settings_changed().student_id());
      break;
    default:
      break;  // timetables, settings, requests: nothing for chats
  }
  return absl::OkStatus();
}

void RosterChats::EnsureSchoolChats(pqxx::transaction_base& tx, const dir::School& school) {
  absl::Time now = clock_.Now();
  // Role events name the school by its id alone: only a school's own events carry its region.
  if (!school.region_code().empty()) {
    tx.exec_params("INSERT INTO school_regions (school_id, region_code) VALUES ($1, $2) "
                   "ON CONFLICT (school_id) DO UPDATE SET region_code = excluded.region_code",
                   school.id(), school.region_code());
  }
  for (ChatKind kind : {ChatKind::kStaff, ChatKind::kChannel}) {
    std::string title = kind == ChatKind::kStaff      ? kStaffChatTitle
                        : school.short_name().empty() ? kChannelTitle
                                                      : school.short_name();
    tx.exec_params("INSERT INTO chats (id, school_id, kind, title, created_at, updated_at) "
                   "VALUES ($1, $2, $3, $4, " PARTA_PG_TS("$5") ", " PARTA_PG_TS("$5") ") "
                   "ON CONFLICT (school_id, kind) WHERE class_id IS NULL "
                   "AND kind IN ('staff', 'channel') DO NOTHING",
                   ids_.NewId(), school.id(), std::string(NameOf(kind)), title,
                   pg::ToMicros(now));
    if (kind != ChatKind::kChannel || school.short_name().empty()) continue;
    std::optional<Chat> channel = LockSchoolChat(tx, school.id(), kind);
    if (channel && channel->title != title) {
      channel->title = title;
      AnnounceChat(tx, *channel, ids_, now);
    }
  }
}

void RosterChats::SyncSchoolMember(pqxx::transaction_base& tx, const std::string& school_id,
                                   const std::string& user_id) {
  std::vector<RoleGrant> grants;
  for (const pqxx::row& row :
       tx.exec_params("SELECT role FROM roster_roles WHERE school_id = $1 AND user_id = $2",
                      school_id, user_id)) {
    if (auto role = SchoolRoleFromName(row[0].as<std::string>())) {
      grants.push_back({.user_id = user_id, .role = *role});
    }
  }
  absl::Time now = clock_.Now();
  for (ChatKind kind : {ChatKind::kStaff, ChatKind::kChannel, ChatKind::kSupport}) {
    std::optional<Chat> chat = LockSchoolChat(tx, school_id, kind);
    if (!chat) continue;
    std::map<std::string, ChatRole> desired = MembersOfSchoolChat(kind, grants);
    if (auto it = desired.find(user_id); it != desired.end()) {
      SetMember(tx, *chat, user_id, it->second, ids_, now);
    } else {
      RemoveMember(tx, *chat, user_id, ids_, now);
    }
  }
}

void RosterChats::MirrorClass(pqxx::transaction_base& tx, const dir::Class& school_class) {
  tx.exec_params(
      "INSERT INTO roster_classes (id, school_id, display_name, academic_year, class_teacher_id, "
      "archived) VALUES ($1, $2, $3, $4, nullif($5, '')::uuid, $6) ON CONFLICT (id) DO UPDATE "
      "SET display_name = excluded.display_name, academic_year = excluded.academic_year, "
      "class_teacher_id = excluded.class_teacher_id, archived = excluded.archived",
      school_class.id(), school_class.school_id(), school_class.display_name(),
      school_class.academic_year(), school_class.class_teacher_id(), school_class.archived());
}

void RosterChats::SyncClassChats(pqxx::transaction_base& tx, const std::string& class_id) {
  pqxx::result found = tx.exec_params(
      "SELECT school_id::text, display_name, academic_year, archived FROM roster_classes "
      "WHERE id = $1",
      class_id);
  if (found.empty()) return;  // a class this service never heard of: nothing hangs on it
  const std::string school_id = found[0][0].as<std::string>();
  const std::string title = found[0][1].as<std::string>();
  const int academic_year = found[0][2].as<int>();
  const bool archived = found[0][3].as<bool>();
  absl::Time now = clock_.Now();

  ClassRoster roster;
  roster.students = Column(
      tx.exec_params("SELECT user_id::text FROM roster_students WHERE class_id = $1", class_id));
  roster.teachers =
      Column(tx.exec_params("SELECT user_id::text FROM roster_teachers WHERE class_id = $1 UNION "
                            "SELECT class_teacher_id::text FROM roster_classes WHERE id = $1 "
                            "AND class_teacher_id IS NOT NULL",
                            class_id));
  roster.parents =
      Column(tx.exec_params("SELECT DISTINCT p.parent_id::text FROM roster_parents p "
                            "JOIN roster_students s ON s.user_id = p.student_id "
                            "WHERE s.class_id = $1 AND p.school_id = $2",
                            class_id, school_id));

  for (ChatKind kind : {ChatKind::kClassStudents, ChatKind::kClassParents}) {
    tx.exec_params(
        "INSERT INTO chats (id, school_id, kind, class_id, academic_year, title, created_at, "
        "updated_at) VALUES ($1, $2, $3, $4, $5, $6, " PARTA_PG_TS("$7") ", " PARTA_PG_TS(
            "$7") ") ON CONFLICT (class_id, kind) WHERE class_id IS NOT NULL DO NOTHING",
        ids_.NewId(), school_id, std::string(NameOf(kind)), class_id, academic_year, title,
        pg::ToMicros(now));
    pqxx::result chat_id =
        tx.exec_params("SELECT id::text FROM chats WHERE class_id = $1 AND kind = $2", class_id,
                       std::string(NameOf(kind)));
    std::optional<ChatAccess> access = LockChat(tx, chat_id[0][0].as<std::string>(), kNobody);
    Chat& chat = access->chat;
    if (chat.archived) continue;  // frozen with the year's members
    if (chat.title != title || archived) {
      chat.title = title;
      chat.archived = archived;
      AnnounceChat(tx, chat, ids_, now);
    }
    if (archived) continue;
    Reconcile(tx, chat, MembersOfClassChat(kind, roster), ids_, now);
  }
}

void RosterChats::SyncClassesOfStudent(pqxx::transaction_base& tx, const std::string& school_id,
                                       const std::string& student_id) {
  for (const std::string& class_id :
       Column(tx.exec_params("SELECT s.class_id::text FROM roster_students s "
                             "JOIN roster_classes c ON c.id = s.class_id "
                             "WHERE s.user_id = $1 AND c.school_id = $2",
                             student_id, school_id))) {
    SyncClassChats(tx, class_id);
  }
}

namespace {

// The family chat of the pupil in the school, if there is one, locked; its members are then
// changed by one transaction at a time: a notice making the chat and the feed applying a parent
// link each see the other's work (the advisory lock is taken before either reads).
std::optional<ChatAccess> LockFamilyChat(pqxx::transaction_base& tx, const std::string& school_id,
                                         const std::string& pupil_id) {
  // Keyed by the ids as Postgres writes them, whatever case the caller's ids came in.
  tx.exec_params(
      "SELECT pg_advisory_xact_lock(hashtextextended('family/' || $1::uuid || '/' || $2::uuid, 0))",
      school_id, pupil_id);
  pqxx::result found = tx.exec_params(
      "SELECT id::text FROM chats WHERE school_id = $1 AND pupil_id = $2 AND kind = 'family'",
      school_id, pupil_id);
  if (found.empty()) return std::nullopt;
  return LockChat(tx, found[0][0].as<std::string>(), kNobody);
}

}  // namespace

void RosterChats::ReconcileFamily(pqxx::transaction_base& tx, Chat& chat,
                                  const std::string& school_id, const std::string& pupil_id) {
  const std::vector<std::string> parents = Column(
      tx.exec_params("SELECT parent_id::text FROM roster_parents "
                     "WHERE school_id = $1 AND student_id = $2",
                     school_id, pupil_id));
  Reconcile(tx, chat, MembersOfFamilyChat(parents), ids_, clock_.Now());
}

void RosterChats::SyncFamilyChat(pqxx::transaction_base& tx, const std::string& school_id,
                                 const std::string& student_id) {
  std::optional<ChatAccess> access = LockFamilyChat(tx, school_id, student_id);
  if (access) ReconcileFamily(tx, access->chat, school_id, student_id);
}

absl::StatusOr<std::string> RosterChats::OpenFamilyChat(pqxx::transaction_base& tx,
                                                        const std::string& school_id,
                                                        const std::string& class_id,
                                                        const std::string& pupil_id) {
  if (tx.exec_params("SELECT 1 FROM roster_students s JOIN roster_classes c ON c.id = s.class_id "
                     "WHERE s.class_id = $1 AND s.user_id = $2 AND c.school_id = $3",
                     class_id, pupil_id, school_id)
          .empty()) {
    return NotFound("PUPIL_NOT_FOUND", "the school's class has no such pupil");
  }
  std::optional<ChatAccess> access = LockFamilyChat(tx, school_id, pupil_id);
  if (!access) {
    ChatSettings settings;
    settings.newcomer_history = NewcomerHistory::kAll;  // a parent linked later reads it all
    const absl::Time now = clock_.Now();
    const std::string chat_id = ids_.NewId();
    tx.exec_params(
        "INSERT INTO chats (id, school_id, kind, pupil_id, title, settings, created_at, "
        "updated_at) VALUES ($1, $2, 'family', $3, $4, $5, " PARTA_PG_TS("$6") ", " PARTA_PG_TS(
            "$6") ")",
        chat_id, school_id, pupil_id, std::string(kFamilyChatTitle),
        pqxx::binarystring(StoredSettings(settings)), pg::ToMicros(now));
    access = LockChat(tx, chat_id, kNobody);
  }
  // Brought to the mirror at every notice: cheap for a family, and never stale.
  ReconcileFamily(tx, access->chat, school_id, pupil_id);
  return access->chat.id;
}

void RosterChats::LeaveIfGone(pqxx::transaction_base& tx, const std::string& school_id,
                              const std::string& user_id) {
  if (!tx.exec_params("SELECT 1 FROM roster_roles WHERE school_id = $1 AND user_id = $2 LIMIT 1",
                      school_id, user_id)
           .empty()) {
    return;
  }
  absl::Time now = clock_.Now();
  // In chat id order, like every transaction that locks several chats.
  for (const std::string& chat_id : Column(
           tx.exec_params("SELECT c.id::text FROM chat_members m JOIN chats c ON c.id = m.chat_id "
                          "WHERE m.user_id = $2 AND m.active AND c.school_id = $1 "
                          "AND c.kind IN ('group', 'direct') ORDER BY c.id",
                          school_id, user_id))) {
    std::optional<ChatAccess> access = LockChat(tx, chat_id, kNobody);
    if (access) RemoveMember(tx, access->chat, user_id, ids_, now);
  }
}

void RosterChats::Repair(pqxx::transaction_base& tx, const std::string& kind,
                         const std::string& id) {
  if (kind == "class") {
    SyncClassChats(tx, id);
    return;
  }
  for (const std::string& user_id : Column(tx.exec_params(
           "SELECT DISTINCT m.user_id::text FROM chat_members m JOIN chats c ON c.id = m.chat_id "
           "WHERE c.school_id = $1 AND c.kind IN ('group', 'direct') AND m.active",
           id))) {
    LeaveIfGone(tx, id, user_id);
  }
}

}  // namespace parta::messaging
