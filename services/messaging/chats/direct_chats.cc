#include "services/messaging/chats/direct_chats.h"

#include <vector>

#include "absl/strings/str_split.h"
#include "libs/core/random.h"
#include "libs/core/status.h"

namespace parta::messaging {
namespace {

// Chats remembered at most; past it the memory starts again (facts are read again on demand).
constexpr size_t kMaxKnownChats = 100'000;

// One way, refused with `refusal` as the message.
absl::Status Ask(const ContactCheck& contact, const std::string& school_id,
                 const std::string& subject, const std::string& user_id,
                 absl::string_view refusal) {
  absl::StatusOr<bool> allowed = contact(school_id, subject, user_id);
  if (!allowed.ok()) {
    return Unavailable("DIRECTORY_UNAVAILABLE",
                       "the directory could not say who may contact whom: " +
                           std::string(allowed.status().message()));
  }
  if (!*allowed) return PermissionDenied("CONTACT_NOT_ALLOWED", refusal);
  return absl::OkStatus();
}

}  // namespace

absl::Status RequireContact(const ContactCheck& contact, const std::string& school_id,
                            const std::string& subject, const std::string& user_id) {
  return Ask(contact, school_id, subject, user_id,
             "the school's rules do not let the caller contact this person");
}

absl::Status RequireMutualContact(const ContactCheck& contact, const std::string& school_id,
                                  const std::string& a, const std::string& b) {
  constexpr absl::string_view kRefusal =
      "the school's rules do not let these two people contact each other";
  RETURN_IF_ERROR(Ask(contact, school_id, a, b, kRefusal));
  return Ask(contact, school_id, b, a, kRefusal);
}

bool DirectChatGate::MayNeedCheck(const std::string& chat_id) {
  absl::MutexLock lock(&mu_);
  auto it = known_.find(chat_id);
  return it == known_.end() || it->second.direct;
}

absl::Status DirectChatGate::MayWrite(const std::string& caller, const std::string& chat_id) {
  if (!IsUuid(chat_id)) return absl::OkStatus();  // the write's own checks refuse it
  std::optional<Facts> facts;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = known_.find(chat_id); it != known_.end()) facts = it->second;
  }
  if (!facts) {
    ASSIGN_OR_RETURN(facts, Load(chat_id));
    if (!facts) return absl::OkStatus();  // no such chat: NOT_CHAT_MEMBER from the write
    absl::MutexLock lock(&mu_);
    if (known_.size() >= kMaxKnownChats) known_.clear();
    known_.emplace(chat_id, *facts);
  }
  if (!facts->direct || (caller != facts->low && caller != facts->high)) {
    return absl::OkStatus();
  }
  const std::string& other = caller == facts->low ? facts->high : facts->low;
  return RequireMutualContact(contact_, facts->school_id, caller, other);
}

absl::StatusOr<std::optional<DirectChatGate::Facts>> DirectChatGate::Load(
    const std::string& chat_id) {
  return pool_.ReadFor<std::optional<Facts>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::optional<Facts>> {
        pqxx::result rows = tx.exec_params(
            "SELECT kind = 'direct', school_id::text, coalesce(direct_key, '') FROM chats "
            "WHERE id = $1",
            chat_id);
        if (rows.empty()) return std::nullopt;
        Facts facts{.direct = rows[0][0].as<bool>(), .school_id = rows[0][1].as<std::string>()};
        if (facts.direct) {
          // "<school>/<smaller account id>/<larger account id>"
          std::vector<std::string> parts = absl::StrSplit(rows[0][2].as<std::string>(), '/');
          if (parts.size() != 3)
            return Internal("DIRECT_KEY_INVALID", "a direct chat's key names no pair");
          facts.low = parts[1];
          facts.high = parts[2];
        }
        return facts;
      });
}

}  // namespace parta::messaging
