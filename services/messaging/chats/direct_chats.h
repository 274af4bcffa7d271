#pragma once

// Direct chats follow the directory's visibility table: one is opened, and carries messages,
// only while each of its two people may contact the other (`member.contact`, asked of the
// directory, which caches its answers under the school's generation). When that ends — a role
// removed, a person gone from the school, a student's safe mode on again — the chat is
// read-only: nobody posts, edits, reacts, pins or votes in it (PERMISSION_DENIED
// `CONTACT_NOT_ALLOWED`). Who keeps reading it is the contact checker's business
// (roster/direct_chat_checks.h).

#include <functional>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libs/pg/pool.h"

namespace parta::messaging {

// Whether `subject` may contact `user_id` in the school (the directory's `member.contact`).
using ContactCheck = std::function<absl::StatusOr<bool>(
    const std::string& school_id, const std::string& subject, const std::string& user_id)>;

// `subject` may contact `user_id`: PERMISSION_DENIED `CONTACT_NOT_ALLOWED` when not,
// UNAVAILABLE `DIRECTORY_UNAVAILABLE` when the directory cannot say.
absl::Status RequireContact(const ContactCheck& contact, const std::string& school_id,
                            const std::string& subject, const std::string& user_id);

// Each of the two may contact the other (the same errors).
absl::Status RequireMutualContact(const ContactCheck& contact, const std::string& school_id,
                                  const std::string& a, const std::string& b);

// The check of every write into a direct chat. What a chat is (its kind, school and pair) never
// changes, so it is read from the database once per chat and kept in memory; the contact is
// asked of the directory at every write.
class DirectChatGate {
 public:
  DirectChatGate(pg::Pool& pool, ContactCheck contact)
      : pool_(pool), contact_(std::move(contact)) {}

  // False only for a chat known not to be direct: a write there needs no check. Never blocks.
  bool MayNeedCheck(const std::string& chat_id);

  // A write by `caller` into the chat: in a direct chat of his, only while the two may contact
  // each other. Any other chat, or one he is not a party to, is left to the write's own checks
  // (membership under the chat's lock). Blocks: the database (once per chat), the directory.
  absl::Status MayWrite(const std::string& caller, const std::string& chat_id);

 private:
  struct Facts {
    bool direct = false;
    std::string school_id;
    std::string low, high;  // the pair, by account id
  };
  absl::StatusOr<std::optional<Facts>> Load(const std::string& chat_id);

  pg::Pool& pool_;
  const ContactCheck contact_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Facts> known_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parta::messaging
