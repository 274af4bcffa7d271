#pragma once

// Moderation: muting a member for a while, reports of messages to the school's admins and their
// resolution. Every action is written to the moderation log; mutes and removals are chat
// changes with sequences like any other.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "libs/auth/token.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "libs/pg/pool.h"
#include "parta/messaging/v1/messaging.pb.h"

namespace parta::messaging {

class Moderation {
 public:
  Moderation(pg::Pool& pool, IdGenerator& ids, const Clock& clock, std::function<void()> committed)
      : pool_(pool), ids_(ids), clock_(clock), committed_(std::move(committed)) {}

  absl::StatusOr<v1::ChatMember> Mute(const std::string& caller, const v1::MuteMemberRequest& req);
  absl::StatusOr<v1::Report> Report(const std::string& caller, const v1::ReportMessageRequest& req);
  absl::StatusOr<v1::ListReportsResponse> ListReports(const std::string& caller,
                                                      const v1::ListReportsRequest& req);
  absl::StatusOr<v1::Report> Resolve(const std::string& caller,
                                     const v1::ResolveReportRequest& req);
  // The school's moderation log for its admins, the newest first, filtered.
  // The school's log: its admins, and platform operators.
  absl::StatusOr<v1::ListModerationLogResponse> ListLog(const auth::Claims& caller,
                                                        const v1::ListModerationLogRequest& req);

 private:
  pg::Pool& pool_;
  IdGenerator& ids_;
  const Clock& clock_;
  const std::function<void()> committed_;
};

}  // namespace parta::messaging
