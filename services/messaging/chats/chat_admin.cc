#include "services/messaging/chats/chat_admin.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/time_util.h>
#include <openssl/sha.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "libs/core/page_token.h"
#include "libs/core/status.h"
#include "libs/pg/arrays.h"
#include "libs/pg/time.h"
#include "services/messaging/chats/chat_log.h"
#include "services/messaging/chats/school_roles.h"
#include "services/messaging/domain/policy.h"
#include "services/messaging/domain/validation.h"

namespace parta::messaging {
namespace {

using google::protobuf::util::TimeUtil;

constexpr int kMaxGroupMembers = 500;

absl::Status NotAGroup() {
  return Error(absl::StatusCode::kFailedPrecondition, "NOT_A_GROUP",
               "only groups have members chosen by people; roster chats follow the roster");
}

absl::Status ValidateUserIds(const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    if (!IsUuid(id)) return InvalidArgument("INVALID_USER_ID", "user ids are account ids");
  }
  return absl::OkStatus();
}

absl::Status CheckInSchool(pqxx::transaction_base& tx, const std::string& school_id,
                           const std::vector<std::string>& user_ids) {
  if (NotInSchool(tx, school_id, user_ids).empty()) return absl::OkStatus();
  return InvalidArgument("NOT_IN_SCHOOL", "everyone added must be a member of the school");
}

constexpr int kDefaultMembersPage = 100;
constexpr int kMaxMembersPage = 1000;
constexpr absl::string_view kMembersList = "members";
constexpr absl::string_view kNoMember = "00000000-0000-0000-0000-000000000000";

// The chat's active members by account id after `after`, at most `limit` (a group's members
// are at most kMaxGroupMembers: AddChatMembers answers with all of them).
v1::ListChatMembersResponse MembersOf(pqxx::transaction_base& tx, const std::string& chat_id,
                                      absl::string_view after = kNoMember,
                                      int limit = kMaxGroupMembers) {
  v1::ListChatMembersResponse response;
  for (const pqxx::row& row :
       tx.exec_params("SELECT user_id::text, role, read_sequence, " PARTA_PG_US(
                          "muted_until") " FROM chat_members WHERE chat_id = $1 AND active "
                                         "AND user_id > $2::uuid ORDER BY user_id LIMIT $3",
                      chat_id, std::string(after), limit)) {
    v1::ChatMember& member = *response.add_members();
    member.set_user_id(row[0].as<std::string>());
    member.set_role(
        ToProto(ChatRoleFromName(row[1].as<std::string>()).value_or(ChatRole::kReader)));
    member.set_read_sequence(row[2].as<int64_t>());
    if (!row[3].is_null()) {
      *member.mutable_mute_end_time() = TimeUtil::MicrosecondsToTimestamp(row[3].as<int64_t>());
    }
  }
  return response;
}

// What makes two CreateGroupChat calls the same: SHA-256 of everything asked but the request id.
std::string CreateRequestHash(const v1::CreateGroupChatRequest& req) {
  v1::CreateGroupChatRequest asked = req;
  asked.clear_request_id();
  std::string material;
  {
    google::protobuf::io::StringOutputStream out(&material);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    asked.SerializeToCodedStream(&coded);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

// Who made a group, and with which request (`request_id` empty: none to answer again).
struct Creation {
  std::string creator_id;
  std::string request_id;
  std::string request_hash;
};

// A new chat's row, locked (just inserted) for its first changes. A second group of the same
// creator and request id is a unique violation (ALREADY_EXISTS from the pool).
Chat InsertChat(pqxx::transaction_base& tx, Chat chat, const std::string& direct_key,
                const Creation& creation = {}) {
  tx.exec_params(
      "INSERT INTO chats (id, school_id, kind, title, settings, direct_key, created_at, "
      "updated_at, creator_id, create_request_id, create_request_hash) VALUES ($1, $2, $3, $4, "
      "$5, nullif($6, ''), " PARTA_PG_TS("$7") ", " PARTA_PG_TS(
          "$7") ", nullif($8, '')::uuid, nullif($9, ''), decode(nullif($10, ''), 'hex'))",
      chat.id, chat.school_id, std::string(NameOf(chat.kind)), chat.title,
      pqxx::binarystring(StoredSettings(chat.settings)), direct_key, pg::ToMicros(chat.created_at),
      creation.creator_id, creation.request_id, pg::Hex(creation.request_hash));
  return chat;
}

}  // namespace

absl::Status ChatAdmin::CheckContacts(const std::string& school_id, const std::string& caller,
                                      const std::vector<std::string>& user_ids) {
  for (const std::string& user_id : user_ids) {
    if (user_id == caller) continue;
    RETURN_IF_ERROR(RequireContact(contact_, school_id, caller, user_id));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::Chat>> ChatAdmin::GroupMadeBy(const std::string& caller,
                                                               const std::string& request_id,
                                                               const std::string& request_hash) {
  return pool_.ReadFor<std::optional<v1::Chat>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::optional<v1::Chat>> {
        pqxx::result made = tx.exec_params(
            "SELECT id::text, create_request_hash FROM chats "
            "WHERE creator_id = $1::uuid AND create_request_id = $2",
            caller, request_id);
        if (made.empty()) return std::nullopt;
        if (pqxx::binarystring(made[0][1]).str() != request_hash) {
          return AlreadyExists("REQUEST_ID_REUSED", "this request_id was used for another group");
        }
        // He may have left the school, and with it the group, since.
        std::optional<ChatAccess> access = ReadChat(tx, made[0][0].as<std::string>(), caller);
        if (!access || !access->member) return NotChatMember();
        return ChatToProto(*access);
      });
}

absl::StatusOr<v1::Chat> ChatAdmin::CreateGroup(const std::string& caller,
                                                const v1::CreateGroupChatRequest& req) {
  if (!IsUuid(req.school_id())) return InvalidArgument("INVALID_SCHOOL_ID", "school_id is a UUID");
  RETURN_IF_ERROR(ValidateTitle(req.title()));
  std::set<std::string> members(req.member_ids().begin(), req.member_ids().end());
  members.erase(caller);
  std::vector<std::string> people(members.begin(), members.end());
  RETURN_IF_ERROR(ValidateUserIds(people));
  if (people.size() + 1 > kMaxGroupMembers) {
    return InvalidArgument("TOO_MANY_MEMBERS", "a group has at most 500 members");
  }
  const Creation creation{.creator_id = caller,
                          .request_id = req.request_id(),
                          .request_hash = req.request_id().empty() ? "" : CreateRequestHash(req)};
  if (!creation.request_id.empty()) {
    RETURN_IF_ERROR(ValidateRequestId(creation.request_id));
    // A retry: the group the first call made.
    ASSIGN_OR_RETURN(std::optional<v1::Chat> made,
                     GroupMadeBy(caller, creation.request_id, creation.request_hash));
    if (made) return *std::move(made);
  }
  absl::Status may = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    if (!HoldsRole(tx, req.school_id(), caller, SchoolRole::kTeacher) &&
        !HoldsRole(tx, req.school_id(), caller, SchoolRole::kAdmin)) {
      return PermissionDenied("NOT_TEACHER_OR_ADMIN", "teachers and admins make groups");
    }
    return CheckInSchool(tx, req.school_id(), people);
  });
  RETURN_IF_ERROR(may);
  RETURN_IF_ERROR(CheckContacts(req.school_id(), caller, people));
  absl::StatusOr<v1::Chat> created =
      pool_.TransactFor<v1::Chat>([&](pqxx::work& tx) -> absl::StatusOr<v1::Chat> {
        absl::Time now = clock_.Now();
        Chat chat = InsertChat(tx,
                               Chat{.id = ids_.NewId(),
                                    .school_id = req.school_id(),
                                    .kind = ChatKind::kGroup,
                                    .title = req.title(),
                                    .created_at = now},
                               "", creation);
        SetMember(tx, chat, caller, ChatRole::kOwner, ids_, now);
        for (const std::string& person : people) {
          SetMember(tx, chat, person, ChatRole::kMember, ids_, now);
        }
        return ChatToProto(*ReadChat(tx, chat.id, caller));
      });
  if (created.ok()) committed_();
  if (!creation.request_id.empty() && !created.ok() &&
      created.status().code() == absl::StatusCode::kAlreadyExists) {
    // A retry racing the first call: it waited for the first call's commit on the request id.
    ASSIGN_OR_RETURN(std::optional<v1::Chat> made,
                     GroupMadeBy(caller, creation.request_id, creation.request_hash));
    if (made) return *std::move(made);
  }
  return created;
}

absl::StatusOr<v1::Chat> ChatAdmin::OpenDirect(const std::string& caller,
                                               const v1::OpenDirectChatRequest& req) {
  if (!IsUuid(req.school_id())) return InvalidArgument("INVALID_SCHOOL_ID", "school_id is a UUID");
  if (!IsUuid(req.user_id())) return InvalidArgument("INVALID_USER_ID", "user_id is an account id");
  if (req.user_id() == caller) {
    return InvalidArgument("SELF_CHAT", "a direct chat is with someone else");
  }
  // A direct chat is mutual: each may contact the other (a student in safe mode writes to no
  // adult who may not write to him).
  RETURN_IF_ERROR(RequireMutualContact(contact_, req.school_id(), caller, req.user_id()));
  const std::string& low = std::min(caller, req.user_id());
  const std::string& high = std::max(caller, req.user_id());
  std::string key = absl::StrCat(req.school_id(), "/", low, "/", high);
  bool changed = false;
  absl::StatusOr<v1::Chat> chat =
      pool_.TransactFor<v1::Chat>([&](pqxx::work& tx) -> absl::StatusOr<v1::Chat> {
        changed = false;
        pqxx::result existing =
            tx.exec_params("SELECT id::text FROM chats WHERE direct_key = $1 FOR UPDATE", key);
        if (existing.empty()) {
          absl::Time now = clock_.Now();
          // Two people opening it at once: one insert wins, the other waits on the key and
          // retries the transaction (unique violation) to find it.
          Chat direct = InsertChat(tx,
                                   Chat{.id = ids_.NewId(),
                                        .school_id = req.school_id(),
                                        .kind = ChatKind::kDirect,
                                        .created_at = now},
                                   key);
          SetMember(tx, direct, caller, ChatRole::kMember, ids_, now);
          SetMember(tx, direct, req.user_id(), ChatRole::kMember, ids_, now);
          changed = true;
          return ChatToProto(*ReadChat(tx, direct.id, caller));
        }
        // Contact allowed again (it is, both ways): whoever had left is back.
        const std::string chat_id = existing[0][0].as<std::string>();
        std::optional<ChatAccess> locked = LockChat(tx, chat_id, caller);
        absl::Time now = clock_.Now();
        for (const std::string& person : {caller, req.user_id()}) {
          if (!ReadChat(tx, chat_id, person)->member) {
            SetMember(tx, locked->chat, person, ChatRole::kMember, ids_, now);
            changed = true;
          }
        }
        return ChatToProto(*ReadChat(tx, chat_id, caller));
      });
  if (!chat.ok() && chat.status().code() == absl::StatusCode::kAlreadyExists) {
    return OpenDirect(caller, req);  // the other side made it a moment ago
  }
  if (chat.ok() && changed) committed_();
  return chat;
}

absl::StatusOr<v1::ListChatMembersResponse> ChatAdmin::ListMembers(
    const std::string& caller, const v1::ListChatMembersRequest& req) {
  const std::string& chat_id = req.chat_id();
  RETURN_IF_ERROR(ValidateChatId(chat_id));
  ASSIGN_OR_RETURN(int page_size,
                   PageSize(req.page_size(), kDefaultMembersPage, kMaxMembersPage));
  ASSIGN_OR_RETURN(std::vector<std::string> key,
                   DecodePageToken(req.page_token(), kMembersList, chat_id, 1));
  std::string after = key.empty() ? std::string(kNoMember) : key[0];
  if (!IsUuid(after)) return InvalidPageToken();
  return pool_.TransactFor<v1::ListChatMembersResponse>(
      [&](pqxx::work& tx) -> absl::StatusOr<v1::ListChatMembersResponse> {
        std::optional<ChatAccess> access = ReadChat(tx, chat_id, caller);
        if (!access || !access->member) return NotChatMember();
        v1::ListChatMembersResponse page = MembersOf(tx, chat_id, after, page_size + 1);
        if (page.members_size() > page_size) {
          page.mutable_members()->DeleteSubrange(page_size, page.members_size() - page_size);
          page.set_next_page_token(
              EncodePageToken(kMembersList, chat_id, {page.members(page_size - 1).user_id()}));
        }
        return page;
      });
}

absl::StatusOr<v1::AddChatMembersResponse> ChatAdmin::AddMembers(
    const std::string& caller, const v1::AddChatMembersRequest& req) {
  RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  std::set<std::string> unique(req.user_ids().begin(), req.user_ids().end());
  std::vector<std::string> people(unique.begin(), unique.end());
  RETURN_IF_ERROR(ValidateUserIds(people));
  std::string school_id;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    std::optional<ChatAccess> access = ReadChat(tx, req.chat_id(), caller);
    if (!access || !access->member) return NotChatMember();
    if (access->chat.kind != ChatKind::kGroup) return NotAGroup();
    RETURN_IF_ERROR(
        MayBySettings(access->chat, access->chat.settings.invite, access->member->role));
    school_id = access->chat.school_id;
    return CheckInSchool(tx, school_id, people);
  }));
  RETURN_IF_ERROR(CheckContacts(school_id, caller, people));
  absl::StatusOr<v1::AddChatMembersResponse> added =
      pool_.TransactFor<v1::AddChatMembersResponse>(
          [&](pqxx::work& tx) -> absl::StatusOr<v1::AddChatMembersResponse> {
            // Checked again under the chat's lock: the settings may have changed meanwhile.
            std::optional<ChatAccess> access = LockChat(tx, req.chat_id(), caller);
            if (!access || !access->member) return NotChatMember();
            RETURN_IF_ERROR(
                MayBySettings(access->chat, access->chat.settings.invite, access->member->role));
            int count = tx.exec_params(
                              "SELECT count(*) FROM chat_members WHERE chat_id = $1 "
                              "AND active",
                              req.chat_id())[0][0]
                            .as<int>();
            if (count + static_cast<int>(people.size()) > kMaxGroupMembers) {
              return InvalidArgument("TOO_MANY_MEMBERS", "a group has at most 500 members");
            }
            absl::Time now = clock_.Now();
            for (const std::string& person : people) {
              if (!ReadChat(tx, req.chat_id(), person)->member) {
                SetMember(tx, access->chat, person, ChatRole::kMember, ids_, now);
              }
            }
            v1::AddChatMembersResponse response;
            response.mutable_members()->Swap(MembersOf(tx, req.chat_id()).mutable_members());
            return response;
          });
  if (added.ok()) committed_();
  return added;
}

absl::Status ChatAdmin::RemoveMember(const std::string& caller,
                                     const v1::RemoveChatMemberRequest& req) {
  RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  RETURN_IF_ERROR(ValidateUserIds({req.user_id()}));
  absl::Status removed = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    std::optional<ChatAccess> access = LockChat(tx, req.chat_id(), caller);
    if (!access || !access->member) return NotChatMember();
    if (access->chat.kind != ChatKind::kGroup) return NotAGroup();
    std::optional<Membership> target = req.user_id() == caller
                                           ? access->member
                                           : ReadChat(tx, req.chat_id(), req.user_id())->member;
    if (!target) return NotFound("MEMBER_NOT_FOUND", "the person is not a member of this chat");
    if (target->role == ChatRole::kOwner) {
      return Error(absl::StatusCode::kFailedPrecondition, "OWNER_STAYS",
                   "the group's owner neither leaves nor is removed");
    }
    if (req.user_id() != caller) RETURN_IF_ERROR(MayModerate(access->member->role));
    messaging::RemoveMember(tx, access->chat, req.user_id(), ids_, clock_.Now());
    return absl::OkStatus();
  });
  if (removed.ok()) committed_();
  return removed;
}

absl::StatusOr<v1::ChatMember> ChatAdmin::SetMemberRole(const std::string& caller,
                                                        const v1::SetChatMemberRoleRequest& req) {
  RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  RETURN_IF_ERROR(ValidateUserIds({req.user_id()}));
  if (req.role() != v1::CHAT_ROLE_MODERATOR && req.role() != v1::CHAT_ROLE_MEMBER) {
    return InvalidArgument("INVALID_ROLE", "role is CHAT_ROLE_MODERATOR or CHAT_ROLE_MEMBER");
  }
  ChatRole role = req.role() == v1::CHAT_ROLE_MODERATOR ? ChatRole::kModerator : ChatRole::kMember;
  absl::StatusOr<v1::ChatMember> changed =
      pool_.TransactFor<v1::ChatMember>([&](pqxx::work& tx) -> absl::StatusOr<v1::ChatMember> {
        std::optional<ChatAccess> access = LockChat(tx, req.chat_id(), caller);
        if (!access || !access->member) return NotChatMember();
        if (access->chat.kind != ChatKind::kGroup) return NotAGroup();
        if (access->member->role != ChatRole::kOwner) {
          return PermissionDenied("NOT_OWNER", "the group's owner names its moderators");
        }
        std::optional<Membership> target = ReadChat(tx, req.chat_id(), req.user_id())->member;
        if (!target || target->role == ChatRole::kOwner) {
          return NotFound("MEMBER_NOT_FOUND", "the person is not a member of this chat");
        }
        SetMember(tx, access->chat, req.user_id(), role, ids_, clock_.Now());
        v1::ChatMember member;
        member.set_user_id(req.user_id());
        member.set_role(ToProto(role));
        member.set_read_sequence(target->read_sequence);
        return member;
      });
  if (changed.ok()) committed_();
  return changed;
}

absl::StatusOr<v1::Chat> ChatAdmin::Update(const std::string& caller,
                                           const v1::UpdateChatRequest& req) {
  RETURN_IF_ERROR(ValidateChatId(req.chat().id()));
  std::set<std::string> paths(req.update_mask().paths().begin(), req.update_mask().paths().end());
  if (paths.empty()) {
    return InvalidArgument("INVALID_UPDATE_MASK", "update_mask names the fields to change");
  }
  for (const std::string& path : paths) {
    if (path != "title" && path != "avatar_content_id" && path != "settings") {
      return InvalidArgument("INVALID_UPDATE_MASK",
                             "update_mask holds title, avatar_content_id or settings");
    }
  }
  if (paths.contains("title")) RETURN_IF_ERROR(ValidateTitle(req.chat().title()));
  if (paths.contains("avatar_content_id") && !req.chat().avatar_content_id().empty()) {
    RETURN_IF_ERROR(ValidateAttachments({req.chat().avatar_content_id()}));
  }
  const v1::ChatSettings& asked = req.chat().settings();
  if (paths.contains("settings") && asked.newcomer_history() == v1::NEWCOMER_HISTORY_LAST &&
      (asked.newcomer_history_count() < 1 || asked.newcomer_history_count() > 1000)) {
    return InvalidArgument("INVALID_SETTINGS", "newcomer_history_count is 1-1,000");
  }
  absl::StatusOr<v1::Chat> updated =
      pool_.TransactFor<v1::Chat>([&](pqxx::work& tx) -> absl::StatusOr<v1::Chat> {
        std::optional<ChatAccess> access = LockChat(tx, req.chat().id(), caller);
        if (!access || !access->member) return NotChatMember();
        Chat& chat = access->chat;
        ChatRole role = access->member->role;
        if (paths.contains("title") || paths.contains("avatar_content_id")) {
          RETURN_IF_ERROR(MayBySettings(chat, chat.settings.edit_info, role));
        }
        if (paths.contains("title")) {
          if (chat.kind != ChatKind::kGroup) {
            return Error(absl::StatusCode::kFailedPrecondition, "ROSTER_TITLE",
                         "a roster chat's title is the class's or the school's");
          }
          chat.title = req.chat().title();
        }
        if (paths.contains("avatar_content_id")) {
          chat.avatar_content_id = req.chat().avatar_content_id();
        }
        if (paths.contains("settings")) {
          if (chat.archived) return ChatArchived();
          if (!InAudience(chat.kind, Audience::kOwner, role)) {
            return PermissionDenied("NOT_OWNER", "the chat's owner changes its settings");
          }
          chat.settings = SettingsFromProto(asked, chat.settings);
          chat.read_only = asked.read_only();
        }
        absl::Time now = clock_.Now();
        tx.exec_params(
            "UPDATE chats SET title = $2, avatar_content_id = $3, settings = $4, "
            "read_only = $5 WHERE id = $1",
            chat.id, chat.title, chat.avatar_content_id,
            pqxx::binarystring(StoredSettings(chat.settings)), chat.read_only);
        events::v1::ChatChange change;
        change.set_actor_id(caller);
        *change.mutable_chat_updated() = ChatToProto(ChatAccess{.chat = chat});
        AppendChange(tx, chat, std::move(change), ids_, now);
        return ChatToProto(*ReadChat(tx, chat.id, caller));
      });
  if (updated.ok()) committed_();
  return updated;
}

}  // namespace parta::messaging
