#pragma once

// The moderation log: every moderator's deletion, mute, report and resolution, kept.

#include <pqxx/pqxx>
#include <string>

#include "absl/time/time.h"

namespace parta::messaging {

struct ModerationEntry {
  std::string school_id;
  std::string chat_id;
  std::string actor_id;
  std::string action;  // "delete_message", "mute", "unmute", "report", "resolve_report"
  std::string message_id;
  std::string target_user_id;
  std::string details;
};

void LogModeration(pqxx::transaction_base& tx, const ModerationEntry& entry, absl::Time at);

}  // namespace parta::messaging
