#pragma once

// Chats people make and run: groups (teachers and admins of a school), direct chats (where the
// directory's visibility table lets each of the two contact the other), their members and
// roles, and every chat's title, avatar and settings. Roster chats follow the roster instead:
// their members and titles are the directory's.

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "libs/pg/pool.h"
#include "parta/messaging/v1/messaging.pb.h"
#include "services/messaging/chats/direct_chats.h"

namespace parta::messaging {

class ChatAdmin {
 public:
  ChatAdmin(pg::Pool& pool, IdGenerator& ids, const Clock& clock, ContactCheck contact,
            std::function<void()> committed)
      : pool_(pool),
        ids_(ids),
        clock_(clock),
        contact_(std::move(contact)),
        committed_(std::move(committed)) {}

  // Makes a group; with a request id, a retry by the caller answers the group the first call
  // made (the same id with another request: ALREADY_EXISTS `REQUEST_ID_REUSED`).
  absl::StatusOr<v1::Chat> CreateGroup(const std::string& caller,
                                       const v1::CreateGroupChatRequest& req);
  // Opens the pair's direct chat, or the one they had: a party who had left it (contact had
  // ended) is back in it, with its history.
  absl::StatusOr<v1::Chat> OpenDirect(const std::string& caller,
                                      const v1::OpenDirectChatRequest& req);
  absl::StatusOr<v1::ListChatMembersResponse> ListMembers(const std::string& caller,
                                                          const v1::ListChatMembersRequest& req);
  absl::StatusOr<v1::AddChatMembersResponse> AddMembers(const std::string& caller,
                                                        const v1::AddChatMembersRequest& req);
  absl::Status RemoveMember(const std::string& caller, const v1::RemoveChatMemberRequest& req);
  absl::StatusOr<v1::ChatMember> SetMemberRole(const std::string& caller,
                                               const v1::SetChatMemberRoleRequest& req);
  absl::StatusOr<v1::Chat> Update(const std::string& caller, const v1::UpdateChatRequest& req);

 private:
  // The group `caller` made with `request_id`, as he sees it now; nullopt when he made none
  // with it. A group made from another request (`request_hash` differs) is ALREADY_EXISTS
  // `REQUEST_ID_REUSED`.
  absl::StatusOr<std::optional<v1::Chat>> GroupMadeBy(const std::string& caller,
                                                      const std::string& request_id,
                                                      const std::string& request_hash);
  // Every one of `user_ids` may be contacted by `caller` in the school.
  absl::Status CheckContacts(const std::string& school_id, const std::string& caller,
                             const std::vector<std::string>& user_ids);

  pg::Pool& pool_;
  IdGenerator& ids_;
  const Clock& clock_;
  const ContactCheck contact_;
  const std::function<void()> committed_;
};

}  // namespace parta::messaging
