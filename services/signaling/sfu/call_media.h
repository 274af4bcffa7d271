#pragma once

// What a call through the SFU needs from its media server, whichever it is: a room per call,
// each participant's publication and subscriptions with their JSEP relayed, and the hosts'
// controls applied where a client cannot undo them. services/signaling/sfu/janus_media.h
// implements it with Janus VideoRoom.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "parta/signaling/v1/model.pb.h"

namespace parta::signaling {

// Where a call's room is.
struct RoomPlace {
  std::string media_server;
  int64_t room = 0;
};

// A subscription's id and the media server's offer for it.
struct SubscriptionOffer {
  std::string subscription_id;
  v1::SessionDescription offer;
};

class CallMedia {
 public:
  virtual ~CallMedia() = default;

  // A room for a new call on the least loaded media server that answers. FAILED_PRECONDITION
  // `NO_MEDIA_SERVER` when none does.
  virtual absl::StatusOr<RoomPlace> CreateRoom(const std::string& call_id) = 0;
  // Ends the room: every participant's media stops.
  virtual absl::Status DestroyRoom(const RoomPlace& place) = 0;

  // Lets a participant into the room as a publisher (once per stay; again after a rejoin).
  virtual absl::Status Enter(const RoomPlace& place, const std::string& call_id,
                             const std::string& user_id) = 0;
  // Sends his offer and answers with the media server's answer; `muted`: his audio is muted
  // at the server from the start.
  virtual absl::StatusOr<v1::SessionDescription> Publish(const RoomPlace& place,
                                                         const std::string& call_id,
                                                         const std::string& user_id,
                                                         const v1::SessionDescription& offer,
                                                         bool muted) = 0;
  // Subscribes him to a publisher's media: FAILED_PRECONDITION `PEER_NOT_PUBLISHING` when the
  // publisher's media has not reached the server.
  virtual absl::StatusOr<SubscriptionOffer> Subscribe(const RoomPlace& place,
                                                      const std::string& call_id,
                                                      const std::string& user_id,
                                                      const std::string& publisher_id) = 0;
  // His answer to a subscription's offer. NOT_FOUND `SUBSCRIPTION_NOT_FOUND`.
  virtual absl::Status Answer(const std::string& call_id, const std::string& user_id,
                              const std::string& subscription_id,
                              const v1::SessionDescription& answer) = 0;
  // His ICE candidates for his publication (empty `subscription_id`) or a subscription.
  virtual absl::Status Trickle(const std::string& call_id, const std::string& user_id,
                               const std::string& subscription_id,
                               const std::vector<v1::IceCandidate>& candidates) = 0;
  // Mutes (or unmutes) his audio at the server.
  virtual absl::Status Mute(const RoomPlace& place, const std::string& call_id,
                            const std::string& user_id, bool muted) = 0;
  // Takes him out of the room: his media stops at once and he cannot come back by himself.
  virtual absl::Status Kick(const RoomPlace& place, const std::string& call_id,
                            const std::string& user_id) = 0;
  // He left: his publication and subscriptions end.
  virtual absl::Status Leave(const RoomPlace& place, const std::string& call_id,
                             const std::string& user_id) = 0;
};

}  // namespace parta::signaling
