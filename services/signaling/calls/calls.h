#pragma once

// The use cases of calls: start, join (or wait to be admitted), leave, end, heartbeats, media
// state, relayed WebRTC messages, the hosts' controls, the attendance export, and the background
// work that keeps calls honest (vanished
// participants leave, the chat's notices get posted). Every use case first checks that the
// caller may touch the call: a member of its chat, as messaging sees him; participants' own
// messages (heartbeats, signals) check only that he is in the call.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "parta/signaling/v1/signaling.pb.h"
#include "services/signaling/calls/call_store.h"
#include "services/signaling/calls/live_state.h"
#include "services/signaling/chats/call_chats.h"
#include "services/signaling/ice/ice_servers.h"
#include "services/signaling/people/call_people.h"
#include "services/signaling/sfu/call_media.h"

namespace parta::signaling {

struct CallSettings {
  // How often clients send heartbeats; a participant is dropped after `missed_heartbeats`
  // intervals without one.
  absl::Duration heartbeat_interval = absl::Seconds(5);
  int missed_heartbeats = 3;
  // People in one SFU call at most.
  int sfu_capacity = 100;
};

// Who calls: his account id and his token, for messaging's view of his chats.
struct Caller {
  std::string user_id;
  std::string bearer;
};

class Calls {
 public:
  // `media` may be null: calls that need the SFU are then refused (`NO_MEDIA_SERVER`).
  // `notices_pending` wakes the task that posts the chat's notices.
  Calls(CallStore& store, LiveState& live, CallChats& chats, CallPeople& people,
        const IceServers& ice, CallMedia* media, const Clock& clock, IdGenerator& ids,
        CallSettings settings, std::function<void()> notices_pending);

  absl::StatusOr<v1::StartCallResponse> Start(const Caller& caller,
                                              const v1::StartCallRequest& request);
  absl::StatusOr<v1::Call> GetLive(const Caller& caller, const std::string& chat_id);
  absl::StatusOr<v1::Call> Get(const Caller& caller, const std::string& call_id);
  absl::StatusOr<v1::JoinCallResponse> Join(const Caller& caller, const std::string& call_id);
  absl::Status Leave(const Caller& caller, const std::string& call_id);
  absl::StatusOr<v1::Call> End(const Caller& caller, const std::string& call_id);
  absl::StatusOr<v1::HeartbeatResponse> Heartbeat(const Caller& caller,
                                                  const std::string& call_id);
  absl::StatusOr<v1::Participant> SetMediaState(const Caller& caller,
                                                const v1::SetMediaStateRequest& request);
  absl::StatusOr<v1::GetIceServersResponse> IceServersFor(const Caller& caller,
                                                          const std::string& call_id);
  absl::Status SendSignal(const Caller& caller, const v1::SendSignalRequest& request);
  absl::Status Moderate(const Caller& caller, const v1::ModerateParticipantRequest& request);
  absl::StatusOr<v1::Call> SetControls(const Caller& caller,
                                       const v1::SetCallControlsRequest& request);
  // Who was muted now.
  absl::StatusOr<std::vector<std::string>> MuteEveryone(const Caller& caller,
                                                        const std::string& call_id);
  absl::Status Admit(const Caller& caller, const v1::AdmitParticipantRequest& request);
  absl::StatusOr<v1::CreateGuestLinkResponse> CreateGuestLink(
      const Caller& caller, const v1::CreateGuestLinkRequest& request);
  // Without a caller: the code is the guest's only credential.
  absl::StatusOr<v1::JoinAsGuestResponse> JoinAsGuest(const v1::JoinAsGuestRequest& request);
  // The attendance as a CSV file (attendance/attendance_csv.h).
  absl::StatusOr<api::v1::HttpBody> ExportAttendance(const Caller& caller,
                                                     const std::string& call_id);

  // SFU calls: the JSEP relayed between the participant and the media server.
  absl::StatusOr<v1::SessionDescription> Publish(const Caller& caller,
                                                 const v1::PublishMediaRequest& request);
  absl::StatusOr<v1::SubscribeMediaResponse> Subscribe(const Caller& caller,
                                                       const v1::SubscribeMediaRequest& request);
  absl::Status AnswerSubscription(const Caller& caller,
                                  const v1::AnswerSubscriptionRequest& request);
  absl::Status Trickle(const Caller& caller, const v1::TrickleMediaRequest& request);

  // The media server says a participant's media reached it (or stopped): others may subscribe.
  void MediaChanged(const std::string& call_id, const std::string& user_id, bool publishing);
  // A media server stopped answering: its calls end (participants are told; they may start
  // again on another).
  void MediaServerLost(const std::string& media_server);

  // Participants whose heartbeats stopped leave (`TIMED_OUT`). Returns how many.
  absl::StatusOr<int> DropVanished();
  // Posts the chat notices not posted yet. Returns how many are still pending.
  absl::StatusOr<int> PostNotices();

 private:
  // The call and its chat as the caller sees it, or why he may not touch it.
  // A guest of the call (came by a guest link) has no chat.
  struct Access {
    CallRecord call;
    messaging::v1::Chat chat;
    bool guest = false;
  };
  absl::StatusOr<Access> AccessCall(const Caller& caller, const std::string& call_id);
  // His part in the call: a guest, or as the chat makes him.
  static v1::CallRole RoleOf(const Access& access, const std::string& user_id);
  // The call with the caller in it as a participant (his state), or why not: a caller who is
  // not in it gets NOT_IN_CALL if he may see the call, NOT_CHAT_MEMBER otherwise.
  struct Presence {
    CallRecord call;
    v1::Participant participant;
  };
  absl::StatusOr<Presence> RequireParticipant(const Caller& caller, const std::string& call_id);
  // AccessCall for a host of a live call: HOST_ONLY, CALL_ENDED otherwise.
  absl::StatusOr<Access> AccessAsHost(const Caller& caller, const std::string& call_id);

  absl::StatusOr<v1::JoinCallResponse> JoinAs(const Access& access, const Caller& caller);
  // Puts someone in the waiting room; the call hears of it. False when he need not wait after
  // all: he is in the call, or the waiting room closed meanwhile (then he is let in: enter him).
  absl::StatusOr<bool> Knock(const CallRecord& call, const std::string& user_id,
                             v1::CallRole role);
  // Puts someone in the call (`earlier`: his state when he is in it already) and the media
  // server's room, opens his stay; the call hears of it.
  absl::Status Enter(const CallRecord& call, const std::string& user_id, v1::CallRole role,
                     const std::optional<v1::Participant>& earlier, const std::string& actor_id);
  // Ends a wait as a host decides: admitted people enter (and wait again if they cannot).
  absl::Status AdmitAs(const CallRecord& call, const std::string& user_id, bool admit,
                       const std::string& actor_id);
  absl::Status EndedWait(const CallRecord& call, const std::string& user_id,
                         v1::WaitOutcome outcome, const std::string& actor_id);
  // A host's mute at the media server, then Replace.
  absl::Status HostMute(const CallRecord& call, v1::Participant& participant, bool mute,
                        const std::string& actor_id);
  // Stores a participant's new state and tells the call (PEER_NOT_IN_CALL when he left).
  absl::Status Replace(const std::string& call_id, const v1::Participant& participant,
                       const std::string& actor_id);
  // Publishes a change to everyone in the call, to those waiting when it concerns them, and to
  // `also`.
  absl::Status AnnounceToCall(const std::string& call_id, events::v1::CallChange change,
                              std::vector<std::string> also = {});
  absl::Status LeaveAs(const CallRecord& call, const std::string& user_id,
                       v1::LeaveReason reason, const std::string& actor_id);
  absl::StatusOr<v1::Call> EndAs(const CallRecord& call, v1::CallEndReason reason,
                                 const std::string& actor_id);
  // Where an SFU call's room is.
  static RoomPlace RoomOf(const CallRecord& call) {
    return {.media_server = call.media_server, .room = call.room};
  }

  absl::StatusOr<v1::Call> CallProto(const CallRecord& call);
  // What a participant needs to take part: ICE servers and the heartbeat interval.
  template <typename Response>
  void FillParticipation(const std::string& user_id, Response& response) const;
  google::protobuf::Duration HeartbeatInterval() const;
  absl::Time Deadline() const;

  CallStore& store_;
  LiveState& live_;
  CallChats& chats_;
  CallPeople& people_;
  const IceServers& ice_;
  CallMedia* media_;
  const Clock& clock_;
  IdGenerator& ids_;
  const CallSettings settings_;
  std::function<void()> notices_pending_;
};

}  // namespace parta::signaling
