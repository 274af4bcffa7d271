#pragma once

// Who is in the roster chats, and who may do what in a chat. Pure functions of the facts; the
// tables are printed in the service's README and asserted cell by cell in unit tests.

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/messaging/domain/model.h"

namespace parta::messaging {

// The members of a class's chat and their parts:
//   students' chat: the class's students (member), its teachers (moderator);
//   parents' chat: the students' confirmed parents (member), the class's teachers (moderator).
// A person listed twice gets the larger part.
std::map<std::string, ChatRole> MembersOfClassChat(ChatKind kind, const ClassRoster& roster);

// The members of a pupil's family chat: his parents confirmed by the school, as readers (the
// e-journal posts, nobody writes).
std::map<std::string, ChatRole> MembersOfFamilyChat(const std::vector<std::string>& parents);

// The members of a school's chat and their parts:
//   staff chat: admins (moderator), teachers and employees (member);
//   channel: admins and teachers (moderator), everyone else of the school (reader);
//   support chat: admins (member); the operators who take it up join as moderators.
std::map<std::string, ChatRole> MembersOfSchoolChat(ChatKind kind,
                                                    const std::vector<RoleGrant>& grants);

// The refusals every use case shares: a chat the caller is not an active member of (or that
// does not exist: foreign ids reveal nothing), an archived chat, a deleted message.
absl::Status NotChatMember();
absl::Status ChatArchived();
absl::Status MessageDeleted();

// Whether a member in `role` belongs to `audience` in a chat of `kind`. Chats without an owner
// (all but groups) give the owner's rights to their moderators.
bool InAudience(ChatKind kind, Audience audience, ChatRole role);

// Whether `member` may post in `chat` at `now`: FAILED_PRECONDITION `CHAT_ARCHIVED`,
// PERMISSION_DENIED `READ_ONLY_MEMBER` (a reader), `CHAT_READ_ONLY` (read-only mode, not a
// moderator) or `MEMBER_MUTED`.
absl::Status MayPost(const Chat& chat, const Membership& member, absl::Time now);

// Whether a member may ask readers to acknowledge a post: moderators of a channel or of a
// class's parents' chat (`ACKNOWLEDGEMENT_NOT_ALLOWED`).
absl::Status MayRequestAcknowledgement(const Chat& chat, ChatRole role);

// Whether a member may moderate (delete others' messages, mute, see earlier versions):
// `NOT_MODERATOR`.
absl::Status MayModerate(ChatRole role);

// Whether `caller` may edit a message of `author`: only the author, in a chat not archived.
absl::Status MayEdit(const Chat& chat, const std::string& caller, const std::string& author);

// Whether a member may delete a message for everyone: a moderator at any time, the author
// within `window` of posting (`DELETE_WINDOW_PASSED` after), nobody else
// (`NOT_MESSAGE_AUTHOR`); never in an archived chat.
absl::Status MayDelete(const Chat& chat, ChatRole role, bool is_author, absl::Time posted_at,
                       absl::Time now, absl::Duration window);

// Whether a member may do what `audience` of the chat's settings governs
// (`NOT_ALLOWED_BY_SETTINGS`); never in an archived chat.
absl::Status MayBySettings(const Chat& chat, Audience audience, ChatRole role);

}  // namespace parta::messaging
