#pragma once

// A live call's fast state in Redis, shared by every signaling instance: who is in it with his
// media state (a hash per call), who waits in its waiting room and who was admitted, heartbeats (one sorted set of deadlines for all calls, so any
// instance finds who vanished), and the call's sequence of changes. Changes are published to
// the participants' own channels (parta:user:<id>), which their sockets follow.
//
// The sequence survives the loss of Redis's data: a missing counter starts again above any
// number handed out before (microseconds of the clock), so clients never see it go back.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "libs/redis/client.h"
#include "parta/events/v1/events.pb.h"
#include "parta/signaling/v1/model.pb.h"

namespace parta::signaling {

// A participant whose heartbeat deadline passed.
struct Vanished {
  std::string call_id;
  std::string user_id;
};

// What a knock at a waiting room did.
enum class KnockOutcome {
  kKnocked,  // he waits now
  kRenewed,  // he was waiting already: his knock was renewed
  kInCall,   // he is in the call: nothing to wait for
};

class LiveState {
 public:
  // `beats_key`: the sorted set of every participant's heartbeat deadline, shared by the
  // instances of one deployment.
  LiveState(redis::Pool& redis, std::string beats_key, const Clock& clock, IdGenerator& ids)
      : redis_(redis), beats_key_(std::move(beats_key)), clock_(clock), ids_(ids) {}

  // Puts a participant in (or back in) a call with a heartbeat deadline, out of its waiting
  // room. In a call holding
  // `capacity` people (0: no limit) a newcomer beyond it is refused: FAILED_PRECONDITION
  // `CALL_FULL`. True when he was not in it.
  absl::StatusOr<bool> Enter(const std::string& call_id, const v1::Participant& participant,
                             int capacity, absl::Time deadline);
  // Replaces a participant's state; false when he is not in the call.
  absl::StatusOr<bool> Update(const std::string& call_id, const v1::Participant& participant);
  // Takes a participant out; false when he was not in (someone else took him out first).
  absl::StatusOr<bool> Leave(const std::string& call_id, const std::string& user_id);
  // Puts someone who is not in the call in its waiting room with a heartbeat deadline (a knock
  // without heartbeats lapses).
  absl::StatusOr<KnockOutcome> Wait(const std::string& call_id, const v1::WaitingPerson& person,
                             absl::Time deadline);
  // Takes him out of the waiting room: his knock as it was, or nothing when he was not waiting
  // (someone else ended his wait first). `admitted`: he is not asked to wait again.
  absl::StatusOr<std::optional<v1::WaitingPerson>> EndWait(const std::string& call_id,
                                                           const std::string& user_id,
                                                           bool admitted);
  // Whether a host admitted him into the call before.
  absl::StatusOr<bool> WasAdmitted(const std::string& call_id, const std::string& user_id);
  // Everyone waiting, by the time he knocked.
  absl::StatusOr<std::vector<v1::WaitingPerson>> Waiting(const std::string& call_id);

  // Moves his heartbeat deadline; false when he is neither in the call nor waiting.
  absl::StatusOr<bool> Beat(const std::string& call_id, const std::string& user_id,
                            absl::Time deadline);
  // The participant, if in the call.
  absl::StatusOr<std::optional<v1::Participant>> Find(const std::string& call_id,
                                                      const std::string& user_id);
  // Everyone in the call, by join time.
  absl::StatusOr<std::vector<v1::Participant>> People(const std::string& call_id);
  // Forgets an ended call's state (`user_ids`: everyone in it or waiting).
  absl::Status Drop(const std::string& call_id, const std::vector<std::string>& user_ids);

  // Participants whose deadline passed, at most `limit`.
  absl::StatusOr<std::vector<Vanished>> Overdue(absl::Time now, int limit);

  // The call's latest sequence number.
  absl::StatusOr<int64_t> Sequence(const std::string& call_id);
  // Numbers a change and publishes it to `recipients`' channels as the event of stream
  // "call/<call id>".
  absl::Status Announce(const std::string& call_id, events::v1::CallChange change,
                        const std::vector<std::string>& recipients);
  // Publishes a relayed WebRTC message to its recipient's channel (unordered).
  absl::Status Relay(const std::string& to_user_id, events::v1::CallSignal signal);

 private:
  redis::Pool& redis_;
  const std::string beats_key_;
  const Clock& clock_;
  IdGenerator& ids_;
};

}  // namespace parta::signaling
