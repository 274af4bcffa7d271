#pragma once

// Calls in Postgres: the call itself (one live call per chat), each person's stays in it (the
// attendance), the people a host removed, and which of the chat's notices are still to post.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/pg/pool.h"
#include "parta/signaling/v1/model.pb.h"

namespace parta::signaling {

// A call as stored.
struct CallRecord {
  std::string id;
  std::string chat_id;
  std::string school_id;
  std::string host_id;
  v1::CallTopology topology = v1::CALL_TOPOLOGY_UNSPECIFIED;
  v1::CallProfile profile = v1::CALL_PROFILE_UNSPECIFIED;
  absl::Time started_at;
  std::optional<absl::Time> ended_at;
  v1::CallEndReason end_reason = v1::CALL_END_REASON_UNSPECIFIED;
  bool locked = false;
  bool waiting_room = false;
  // SFU calls: the Janus instance and the room.
  std::string media_server;
  int64_t room = 0;

  bool live() const { return !ended_at.has_value(); }
};

// One stay of a person in a call.
struct Stay {
  std::string user_id;
  v1::CallRole role = v1::CALL_ROLE_UNSPECIFIED;
  absl::Time joined_at;
  std::optional<absl::Time> left_at;
  v1::LeaveReason leave_reason = v1::LEAVE_REASON_UNSPECIFIED;
};

// A guest link as stored.
struct GuestLink {
  std::string call_id;
  absl::Time expires_at;
  bool used = false;
};

// A chat notice still to post.
struct PendingNotice {
  CallRecord call;
  bool ended = false;  // the end's notice; otherwise the start's
};

class CallStore {
 public:
  explicit CallStore(pg::Pool& pool) : pool_(pool) {}

  // Stores a new live call. A retry of the host's `request_id` answers the call it started
  // (ALREADY_EXISTS `REQUEST_ID_REUSED` when that was in another chat); a live call in the chat
  // answers ALREADY_EXISTS `CALL_IN_PROGRESS`.
  absl::StatusOr<CallRecord> Create(const CallRecord& call, const std::string& request_id);

  // NOT_FOUND `CALL_NOT_FOUND` when there is no such call.
  absl::StatusOr<CallRecord> Find(const std::string& call_id);
  // NOT_FOUND `NO_LIVE_CALL` when the chat has none.
  absl::StatusOr<CallRecord> FindLive(const std::string& chat_id);

  // Sets a live call's lock and waiting room (unset: unchanged); the call as it is now.
  // FAILED_PRECONDITION `CALL_ENDED` when the call is over.
  absl::StatusOr<CallRecord> SetControls(const std::string& call_id, std::optional<bool> locked,
                                         std::optional<bool> waiting_room);

  // Opens a stay of `user_id` in a live call; false when he has one open already (his place is
  // kept). FAILED_PRECONDITION `CALL_ENDED` when the call is over.
  absl::StatusOr<bool> OpenStay(const std::string& call_id, const std::string& user_id,
                                v1::CallRole role, absl::Time at);
  // Closes his open stay; false when he had none.
  absl::StatusOr<bool> CloseStay(const std::string& call_id, const std::string& user_id,
                                 v1::LeaveReason reason, absl::Time at);
  // His open stay, if any.
  absl::StatusOr<std::optional<Stay>> OpenStayOf(const std::string& call_id,
                                                 const std::string& user_id);
  // Every open stay of a call.
  absl::StatusOr<std::vector<Stay>> OpenStays(const std::string& call_id);
  // Every stay of a call, by join time.
  absl::StatusOr<std::vector<Stay>> Attendance(const std::string& call_id);

  // Ends a live call and closes its open stays; false when it had ended already.
  absl::StatusOr<bool> End(const std::string& call_id, v1::CallEndReason reason, absl::Time at);

  // Records that a host removed `user_id` from the call.
  absl::Status Remove(const std::string& call_id, const std::string& user_id,
                      const std::string& removed_by, absl::Time at);
  absl::StatusOr<bool> IsRemoved(const std::string& call_id, const std::string& user_id);

  // Stores a guest link by its code's hash.
  absl::Status CreateGuestLink(const std::string& code_hash, const std::string& call_id,
                               const std::string& created_by, absl::Time at,
                               absl::Time expires_at);
  // NOT_FOUND `GUEST_LINK_NOT_FOUND` when there is none.
  absl::StatusOr<GuestLink> FindGuestLink(const std::string& code_hash);
  // Spends a link on the guest account it made and makes him a guest of its call, at once;
  // FAILED_PRECONDITION `GUEST_LINK_USED` when someone spent it first, `GUEST_LINK_EXPIRED`
  // when it expired meanwhile.
  absl::Status UseGuestLink(const std::string& code_hash, const std::string& guest_id,
                            const std::string& display_name, absl::Time at);
  // Whether `user_id` came to the call by one of its guest links.
  absl::StatusOr<bool> IsGuest(const std::string& call_id, const std::string& user_id);

  // Live calls placed on a media server.
  absl::StatusOr<std::vector<CallRecord>> LiveCallsOn(const std::string& media_server);

  // Notices not posted yet, oldest first.
  absl::StatusOr<std::vector<PendingNotice>> PendingNotices(int limit);
  absl::Status MarkNoticePosted(const std::string& call_id, bool ended);
  // How many different people took part in a call.
  absl::StatusOr<int> PeopleCount(const std::string& call_id);

 private:
  pg::Pool& pool_;
};

}  // namespace parta::signaling
