#include "services/signaling/calls/calls.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "libs/grpc/request_values.h"
#include "services/signaling/attendance/attendance_csv.h"
#include "services/signaling/domain/policy.h"
#include "services/signaling/domain/validation.h"

namespace parta::signaling {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp TimestampOf(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

absl::Status NotInCall() {
  return FailedPrecondition("NOT_IN_CALL", "the caller is not in this call: join it first");
}

absl::Status CallEnded() { return FailedPrecondition("CALL_ENDED", "the call is over"); }

absl::Status HostOnly() {
  return PermissionDenied("HOST_ONLY", "only the call's hosts do this");
}

std::vector<std::string> UserIds(const std::vector<v1::Participant>& people) {
  std::vector<std::string> ids;
  ids.reserve(people.size());
  for (const v1::Participant& person : people) ids.push_back(person.user_id());
  return ids;
}

}  // namespace

Calls::Calls(CallStore& store, LiveState& live, CallChats& chats, CallPeople& people,
             const IceServers& ice, CallMedia* media, const Clock& clock, IdGenerator& ids,
             CallSettings settings, std::function<void()> notices_pending)
    : store_(store),
      live_(live),
      chats_(chats),
      people_(people),
      ice_(ice),
      media_(media),
      clock_(clock),
      ids_(ids),
      settings_(settings),
      notices_pending_(std::move(notices_pending)) {}

absl::Time Calls::Deadline() const {
  return clock_.Now() + settings_.heartbeat_interval * settings_.missed_heartbeats;
}

absl::StatusOr<Calls::Access> Calls::AccessCall(const Caller& caller,
                                                const std::string& call_id) {
  RETURN_IF_ERROR(CheckId(call_id, "INVALID_CALL_ID", "call_id"));
  absl::StatusOr<CallRecord> call = store_.Find(call_id);
  if (call.status().code() == absl::StatusCode::kNotFound) {
    // As for a call of someone else's chat: an id reveals nothing.
    return PermissionDenied("NOT_CHAT_MEMBER", "the caller is not a member of the call's chat");
  }
  RETURN_IF_ERROR(call.status());
  absl::StatusOr<messaging::v1::Chat> chat = chats_.ChatOf(caller.bearer, call->chat_id);
  if (absl::IsPermissionDenied(chat.status())) {
    // Not in the chat: one of the call's guests touches the call, and nothing of its chat.
    ASSIGN_OR_RETURN(bool guest, store_.IsGuest(call->id, caller.user_id));
    if (guest) return Access{.call = *std::move(call), .guest = true};
  }
  RETURN_IF_ERROR(chat.status());
  return Access{.call = *std::move(call), .chat = *std::move(chat)};
}

v1::CallRole Calls::RoleOf(const Access& access, const std::string& user_id) {
  if (access.guest) return v1::CALL_ROLE_GUEST;
  return RoleInCall(access.chat, user_id, access.call.host_id);
}

absl::StatusOr<Calls::Presence> Calls::RequireParticipant(const Caller& caller,
                                                          const std::string& call_id) {
  RETURN_IF_ERROR(CheckId(call_id, "INVALID_CALL_ID", "call_id"));
  absl::StatusOr<CallRecord> call = store_.Find(call_id);
  if (call.ok() && call->live()) {
    ASSIGN_OR_RETURN(std::optional<v1::Participant> participant,
                     live_.Find(call_id, caller.user_id));
    if (participant) return Presence{.call = *std::move(call), .participant = *participant};
  }
  // Not in it: say why only to those who may see the call.
  ASSIGN_OR_RETURN(Access access, AccessCall(caller, call_id));
  if (!access.call.live()) return CallEnded();
  return NotInCall();
}

absl::StatusOr<v1::Call> Calls::CallProto(const CallRecord& call) {
  v1::Call proto;
  proto.set_id(call.id);
  proto.set_chat_id(call.chat_id);
  proto.set_school_id(call.school_id);
  proto.set_host_id(call.host_id);
  proto.set_state(call.live() ? v1::CALL_STATE_LIVE : v1::CALL_STATE_ENDED);
  proto.set_topology(call.topology);
  proto.set_profile(call.profile);
  *proto.mutable_start_time() = TimestampOf(call.started_at);
  if (call.ended_at) *proto.mutable_end_time() = TimestampOf(*call.ended_at);
  proto.set_end_reason(call.end_reason);
  proto.set_locked(call.locked);
  proto.set_waiting_room(call.waiting_room);
  // The sequence first: a change after this read has a higher number than the state shows.
  ASSIGN_OR_RETURN(int64_t sequence, live_.Sequence(call.id));
  proto.set_sequence(sequence);
  if (call.live()) {
    ASSIGN_OR_RETURN(std::vector<v1::Participant> people, live_.People(call.id));
    for (v1::Participant& person : people) *proto.add_participants() = std::move(person);
    ASSIGN_OR_RETURN(std::vector<v1::WaitingPerson> waiting, live_.Waiting(call.id));
    for (v1::WaitingPerson& person : waiting) *proto.add_waiting() = std::move(person);
  }
  return proto;
}

google::protobuf::Duration Calls::HeartbeatInterval() const {
  google::protobuf::Duration interval;
  interval.set_seconds(absl::ToInt64Seconds(settings_.heartbeat_interval));
  interval.set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(settings_.heartbeat_interval % absl::Seconds(1))));
  return interval;
}

template <typename Response>
void Calls::FillParticipation(const std::string& user_id, Response& response) const {
  for (v1::IceServer& server : ice_.For(user_id)) *response.add_ice_servers() = std::move(server);
  *response.mutable_heartbeat_interval() = HeartbeatInterval();
}

absl::StatusOr<v1::StartCallResponse> Calls::Start(const Caller& caller,
                                                   const v1::StartCallRequest& request) {
  RETURN_IF_ERROR(CheckId(request.chat_id(), "INVALID_CHAT_ID", "chat_id"));
  if (request.request_id().empty()) {
    return InvalidArgument("INVALID_REQUEST_ID", "request_id is required");
  }
  RETURN_IF_ERROR(grpc::CheckRequestId(request.request_id()));
  ASSIGN_OR_RETURN(messaging::v1::Chat chat, chats_.ChatOf(caller.bearer, request.chat_id()));
  RETURN_IF_ERROR(MayStartCall(chat));
  CallRecord call{.id = ids_.NewId(),
                  .chat_id = chat.id(),
                  .school_id = chat.school_id(),
                  .host_id = caller.user_id,
                  .topology = TopologyFor(chat),
                  .profile = ProfileFor(chat),
                  .started_at = clock_.Now()};
  if (call.topology == v1::CALL_TOPOLOGY_SFU) {
    if (media_ == nullptr) {
      return FailedPrecondition("NO_MEDIA_SERVER", "no media server is configured for calls");
    }
    ASSIGN_OR_RETURN(RoomPlace place, media_->CreateRoom(call.id));
    call.media_server = place.media_server;
    call.room = place.room;
  }
  absl::StatusOr<CallRecord> stored = store_.Create(call, request.request_id());
  if (call.topology == v1::CALL_TOPOLOGY_SFU && (!stored.ok() || stored->id != call.id)) {
    // A retry, or another call went live first: our room is not needed.
    if (absl::Status destroyed = media_->DestroyRoom(RoomOf(call)); !destroyed.ok()) {
      log::Warning("an unused call room stays").With("error", destroyed.ToString());
    }
  }
  RETURN_IF_ERROR(stored.status());
  v1::StartCallResponse response;
  if (stored->id != call.id) {
    // A retry: the call the first request started, as it is now.
    ASSIGN_OR_RETURN(*response.mutable_call(), CallProto(*stored));
  } else {
    notices_pending_();
    absl::StatusOr<v1::JoinCallResponse> joined = JoinAs({.call = *stored, .chat = chat}, caller);
    if (!joined.ok()) {
      // A call nobody could enter is not left live, blocking the chat's next one.
      if (absl::Status ended = EndAs(*stored, v1::CALL_END_REASON_EVERYONE_LEFT, "").status();
          !ended.ok()) {
        log::Warning("a call that failed to start stays live").With("error", ended.ToString());
      }
      return joined.status();
    }
    *response.mutable_call() = std::move(*joined->mutable_call());
  }
  FillParticipation(caller.user_id, response);
  return response;
}

absl::StatusOr<v1::Call> Calls::GetLive(const Caller& caller, const std::string& chat_id) {
  RETURN_IF_ERROR(CheckId(chat_id, "INVALID_CHAT_ID", "chat_id"));
  RETURN_IF_ERROR(chats_.ChatOf(caller.bearer, chat_id).status());
  ASSIGN_OR_RETURN(CallRecord call, store_.FindLive(chat_id));
  return CallProto(call);
}

absl::StatusOr<v1::Call> Calls::Get(const Caller& caller, const std::string& call_id) {
  ASSIGN_OR_RETURN(Access access, AccessCall(caller, call_id));
  return CallProto(access.call);
}

absl::StatusOr<v1::JoinCallResponse> Calls::Join(const Caller& caller,
                                                 const std::string& call_id) {
  ASSIGN_OR_RETURN(Access access, AccessCall(caller, call_id));
  return JoinAs(access, caller);
}

absl::StatusOr<v1::JoinCallResponse> Calls::JoinAs(const Access& access, const Caller& caller) {
  const CallRecord& call = access.call;
  if (!call.live()) return CallEnded();
  ASSIGN_OR_RETURN(bool removed, store_.IsRemoved(call.id, caller.user_id));
  if (removed) {
    return PermissionDenied("REMOVED_FROM_CALL", "a host removed the caller from this call");
  }
  const v1::CallRole role = RoleOf(access, caller.user_id);
  v1::JoinCallResponse response;
  ASSIGN_OR_RETURN(std::optional<v1::Participant> earlier, live_.Find(call.id, caller.user_id));
  // A lock keeps newcomers out; who is in keeps his place.
  if (call.locked && !earlier && !ControlsCall(role)) {
    return FailedPrecondition("CALL_LOCKED", "a host locked the call");
  }
  // Guests always wait for a host; others when the call has a waiting room.
  const bool waits = role == v1::CALL_ROLE_GUEST || (call.waiting_room && !ControlsCall(role));
  if (!earlier && waits) {
    ASSIGN_OR_RETURN(bool admitted, live_.WasAdmitted(call.id, caller.user_id));
    if (!admitted) {
      ASSIGN_OR_RETURN(bool waiting, Knock(call, caller.user_id, role));
      if (waiting) {
        ASSIGN_OR_RETURN(*response.mutable_call(), CallProto(call));
        // ICE servers once in (GetIceServers).
        *response.mutable_heartbeat_interval() = HeartbeatInterval();
        response.set_waiting(true);
        return response;
      }
      ASSIGN_OR_RETURN(earlier, live_.Find(call.id, caller.user_id));  // in after all
    }
  }
  RETURN_IF_ERROR(Enter(call, caller.user_id, role, earlier, caller.user_id));
  ASSIGN_OR_RETURN(*response.mutable_call(), CallProto(call));
  FillParticipation(caller.user_id, response);
  return response;
}

absl::StatusOr<bool> Calls::Knock(const CallRecord& call, const std::string& user_id,
                                  v1::CallRole role) {
  v1::WaitingPerson person;
  person.set_user_id(user_id);
  person.set_role(role);
  *person.mutable_knock_time() = TimestampOf(clock_.Now());
  ASSIGN_OR_RETURN(KnockOutcome knock, live_.Wait(call.id, person, Deadline()));
  if (knock == KnockOutcome::kInCall) return false;
  if (knock == KnockOutcome::kKnocked) {
    events::v1::CallChange change;
    change.set_actor_id(user_id);
    *change.mutable_participant_waiting() = person;
    RETURN_IF_ERROR(AnnounceToCall(call.id, std::move(change), {user_id}));
  }
  // The call may have ended or closed its waiting room since it was read. The knock is in Redis
  // before this read, and those changes commit before they read Redis: one side sees the other.
  ASSIGN_OR_RETURN(CallRecord now, store_.Find(call.id));
  if (!now.live()) {
    (void)live_.EndWait(call.id, user_id, /*admitted=*/false);
    return CallEnded();
  }
  if (now.waiting_room || role == v1::CALL_ROLE_GUEST) return true;
  ASSIGN_OR_RETURN(std::optional<v1::WaitingPerson> mine,
                   live_.EndWait(call.id, user_id, /*admitted=*/true));
  if (mine) RETURN_IF_ERROR(EndedWait(now, user_id, v1::WAIT_OUTCOME_ADMITTED, ""));
  return false;  // no waiting room any more: he comes in
}

absl::Status Calls::Enter(const CallRecord& call, const std::string& user_id, v1::CallRole role,
                          const std::optional<v1::Participant>& earlier,
                          const std::string& actor_id) {
  v1::Participant participant;
  participant.set_user_id(user_id);
  participant.set_role(role);
  *participant.mutable_join_time() = TimestampOf(clock_.Now());
  const bool lesson_pupil = call.profile == v1::CALL_PROFILE_LESSON && !ControlsCall(role);
  // A host's mute outlasts a rejoin; in a lesson, pupils come in muted.
  const bool muted = earlier ? earlier->muted_by_host() : lesson_pupil;
  participant.set_muted_by_host(muted);
  participant.set_screen_allowed(earlier ? earlier->screen_allowed() : !lesson_pupil);
  participant.mutable_media()->set_microphone(!muted);
  participant.mutable_media()->set_camera(true);
  if (earlier) *participant.mutable_join_time() = earlier->join_time();

  const int capacity = CapacityOf(call.topology, settings_.sfu_capacity);
  ASSIGN_OR_RETURN(bool entered, live_.Enter(call.id, participant, capacity, Deadline()));
  absl::StatusOr<bool> opened = store_.OpenStay(call.id, user_id, role, clock_.Now());
  if (opened.ok() && call.topology == v1::CALL_TOPOLOGY_SFU) {
    absl::Status in_room = media_ ? media_->Enter(RoomOf(call), call.id, user_id)
                                  : FailedPrecondition("NO_MEDIA_SERVER", "no media server");
    if (!in_room.ok()) opened = in_room;
  }
  if (!opened.ok()) {
    if (entered) {
      (void)live_.Leave(call.id, user_id);
      (void)store_.CloseStay(call.id, user_id, v1::LEAVE_REASON_LEFT, clock_.Now());
    }
    return opened.status();
  }
  events::v1::CallChange change;
  change.set_actor_id(actor_id);
  *change.mutable_participant_joined() = participant;
  return AnnounceToCall(call.id, std::move(change));
}

absl::Status Calls::AnnounceToCall(const std::string& call_id, events::v1::CallChange change,
                                   std::vector<std::string> also) {
  ASSIGN_OR_RETURN(std::vector<v1::Participant> people, live_.People(call_id));
  ASSIGN_OR_RETURN(std::vector<v1::WaitingPerson> waiting, live_.Waiting(call_id));
  std::vector<std::string> recipients = UserIds(people);
  // Those waiting hear about the waiting room only: the call's own business is for those in it.
  const bool about_waiting = change.has_participant_waiting() || change.has_wait_ended() ||
                             change.has_controls_changed() || change.has_call_ended();
  if (about_waiting) {
    for (const v1::WaitingPerson& person : waiting) recipients.push_back(person.user_id());
  }
  for (std::string& user_id : also) {
    if (std::find(recipients.begin(), recipients.end(), user_id) == recipients.end()) {
      recipients.push_back(std::move(user_id));
    }
  }
  return live_.Announce(call_id, std::move(change), recipients);
}

absl::Status Calls::Leave(const Caller& caller, const std::string& call_id) {
  ASSIGN_OR_RETURN(Access access, AccessCall(caller, call_id));
  if (!access.call.live()) return absl::OkStatus();
  return LeaveAs(access.call, caller.user_id, v1::LEAVE_REASON_LEFT, caller.user_id);
}

absl::Status Calls::LeaveAs(const CallRecord& call, const std::string& user_id,
                            v1::LeaveReason reason, const std::string& actor_id) {
  ASSIGN_OR_RETURN(std::optional<v1::WaitingPerson> knock,
                   live_.EndWait(call.id, user_id, /*admitted=*/false));
  if (knock) return EndedWait(call, user_id, v1::WAIT_OUTCOME_LEFT, actor_id);
  ASSIGN_OR_RETURN(bool was_in, live_.Leave(call.id, user_id));
  ASSIGN_OR_RETURN(bool stayed, store_.CloseStay(call.id, user_id, reason, clock_.Now()));
  if (!was_in && !stayed) return absl::OkStatus();  // someone else took him out first
  if (call.topology == v1::CALL_TOPOLOGY_SFU && media_ != nullptr) {
    absl::Status left = reason == v1::LEAVE_REASON_REMOVED
                            ? media_->Kick(RoomOf(call), call.id, user_id)
                            : media_->Leave(RoomOf(call), call.id, user_id);
    if (!left.ok()) {
      log::Warning("a participant's media was not closed").With("error", left.ToString());
    }
  }
  events::v1::CallChange change;
  change.set_actor_id(actor_id);
  change.mutable_participant_left()->set_user_id(user_id);
  change.mutable_participant_left()->set_reason(reason);
  RETURN_IF_ERROR(AnnounceToCall(call.id, std::move(change), {user_id}));  // his other devices
  ASSIGN_OR_RETURN(std::vector<v1::Participant> people, live_.People(call.id));
  if (people.empty()) {
    ASSIGN_OR_RETURN(std::vector<Stay> open, store_.OpenStays(call.id));
    if (open.empty()) return EndAs(call, v1::CALL_END_REASON_EVERYONE_LEFT, actor_id).status();
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Call> Calls::End(const Caller& caller, const std::string& call_id) {
  ASSIGN_OR_RETURN(Access access, AccessCall(caller, call_id));
  if (!access.call.live()) return CallProto(access.call);
  const v1::CallRole role = RoleOf(access, caller.user_id);
  bool may_end = ControlsCall(role);
  if (access.call.topology == v1::CALL_TOPOLOGY_PEER_TO_PEER && !access.guest) {
    // Either of two people of the chat hangs up for both; a guest only leaves.
    ASSIGN_OR_RETURN(std::optional<v1::Participant> in, live_.Find(call_id, caller.user_id));
    may_end = may_end || in.has_value();
  }
  if (!may_end) return HostOnly();
  return EndAs(access.call, v1::CALL_END_REASON_ENDED_BY_HOST, caller.user_id);
}

absl::StatusOr<v1::Call> Calls::EndAs(const CallRecord& call, v1::CallEndReason reason,
                                      const std::string& actor_id) {
  ASSIGN_OR_RETURN(std::vector<v1::Participant> people, live_.People(call.id));
  ASSIGN_OR_RETURN(std::vector<v1::WaitingPerson> waiting, live_.Waiting(call.id));
  std::vector<std::string> everyone = UserIds(people);
  for (const v1::WaitingPerson& person : waiting) everyone.push_back(person.user_id());
  ASSIGN_OR_RETURN(bool ended_now, store_.End(call.id, reason, clock_.Now()));
  ASSIGN_OR_RETURN(CallRecord ended, store_.Find(call.id));
  ASSIGN_OR_RETURN(v1::Call proto, CallProto(ended));
  if (!ended_now) return proto;
  notices_pending_();
  events::v1::CallChange change;
  change.set_actor_id(actor_id);
  *change.mutable_call_ended() = proto;
  RETURN_IF_ERROR(live_.Announce(call.id, std::move(change), everyone));
  RETURN_IF_ERROR(live_.Drop(call.id, everyone));
  if (call.topology == v1::CALL_TOPOLOGY_SFU && media_ != nullptr &&
      reason != v1::CALL_END_REASON_MEDIA_SERVER_LOST) {
    if (absl::Status destroyed = media_->DestroyRoom(RoomOf(call)); !destroyed.ok()) {
      log::Warning("an ended call's room stays").With("error", destroyed.ToString());
    }
  }
  ASSIGN_OR_RETURN(int64_t sequence, live_.Sequence(call.id));
  proto.set_sequence(sequence);
  return proto;
}

absl::StatusOr<v1::HeartbeatResponse> Calls::Heartbeat(const Caller& caller,
                                                       const std::string& call_id) {
  RETURN_IF_ERROR(CheckId(call_id, "INVALID_CALL_ID", "call_id"));
  v1::HeartbeatResponse response;
  ASSIGN_OR_RETURN(bool beating, live_.Beat(call_id, caller.user_id, Deadline()));
  if (!beating) {
    // Not in the fast state: either he left (or was dropped), or Redis lost the call's state
    // while his stay is still open; then he is put back and told to read the call again.
    absl::StatusOr<CallRecord> call = store_.Find(call_id);
    if (!call.ok() || !call->live()) {
      // Why not, as the caller may learn it (a call of someone else's chat, or over).
      RETURN_IF_ERROR(RequireParticipant(caller, call_id).status());
      return call.ok() ? CallEnded() : call.status();
    }
    ASSIGN_OR_RETURN(std::optional<Stay> stay, store_.OpenStayOf(call_id, caller.user_id));
    if (!stay) {
      RETURN_IF_ERROR(RequireParticipant(caller, call_id).status());
      return NotInCall();
    }
    // Put back only someone who may still be there: a member of the chat, not removed.
    RETURN_IF_ERROR(AccessCall(caller, call_id).status());
    ASSIGN_OR_RETURN(bool removed, store_.IsRemoved(call_id, caller.user_id));
    if (removed) {
      return PermissionDenied("REMOVED_FROM_CALL", "a host removed the caller from this call");
    }
    v1::Participant participant;
    participant.set_user_id(caller.user_id);
    participant.set_role(stay->role);
    *participant.mutable_join_time() = TimestampOf(stay->joined_at);
    participant.mutable_media()->set_camera(true);
    const bool lesson_pupil =
        call->profile == v1::CALL_PROFILE_LESSON && !ControlsCall(stay->role);
    participant.set_muted_by_host(lesson_pupil);
    participant.set_screen_allowed(!lesson_pupil);
    participant.mutable_media()->set_microphone(!lesson_pupil);
    ASSIGN_OR_RETURN(bool entered, live_.Enter(call_id, participant,
                                               CapacityOf(call->topology, settings_.sfu_capacity),
                                               Deadline()));
    if (entered) {
      events::v1::CallChange change;
      *change.mutable_participant_joined() = participant;
      RETURN_IF_ERROR(AnnounceToCall(call_id, std::move(change)));
    }
    response.set_resync(true);
  }
  ASSIGN_OR_RETURN(int64_t sequence, live_.Sequence(call_id));
  response.set_sequence(sequence);
  return response;
}

absl::StatusOr<v1::Participant> Calls::SetMediaState(const Caller& caller,
                                                     const v1::SetMediaStateRequest& request) {
  ASSIGN_OR_RETURN(Presence presence, RequireParticipant(caller, request.call_id()));
  v1::Participant& participant = presence.participant;
  if (request.media().screen() && !participant.media().screen() &&
      !participant.screen_allowed() && !ControlsCall(participant.role())) {
    return PermissionDenied("SCREEN_SHARING_NOT_ALLOWED",
                            "in a lesson, a host allows screen sharing first");
  }
  *participant.mutable_media() = request.media();
  participant.set_hand_raised(request.hand_raised());
  ASSIGN_OR_RETURN(bool updated, live_.Update(request.call_id(), participant));
  if (!updated) return NotInCall();
  events::v1::CallChange change;
  change.set_actor_id(caller.user_id);
  *change.mutable_participant_updated() = participant;
  RETURN_IF_ERROR(AnnounceToCall(request.call_id(), std::move(change)));
  return participant;
}

absl::StatusOr<v1::GetIceServersResponse> Calls::IceServersFor(const Caller& caller,
                                                               const std::string& call_id) {
  RETURN_IF_ERROR(RequireParticipant(caller, call_id).status());
  v1::GetIceServersResponse response;
  for (v1::IceServer& server : ice_.For(caller.user_id)) {
    *response.add_ice_servers() = std::move(server);
  }
  response.mutable_ttl()->set_seconds(absl::ToInt64Seconds(ice_.ttl()));
  return response;
}

absl::Status Calls::SendSignal(const Caller& caller, const v1::SendSignalRequest& request) {
  RETURN_IF_ERROR(CheckId(request.to_user_id(), "INVALID_USER_ID", "to_user_id"));
  // Who may send, and to whom, come first: outsiders learn nothing, not even what a valid
  // signal is.
  ASSIGN_OR_RETURN(Presence presence, RequireParticipant(caller, request.call_id()));
  ASSIGN_OR_RETURN(std::optional<v1::Participant> peer,
                   live_.Find(request.call_id(), request.to_user_id()));
  if (!peer || request.to_user_id() == caller.user_id) {
    return FailedPrecondition("PEER_NOT_IN_CALL", "the recipient is not in the call");
  }
  if (presence.call.topology != v1::CALL_TOPOLOGY_PEER_TO_PEER) {
    return FailedPrecondition("NOT_PEER_TO_PEER",
                              "an SFU call's media goes through PublishMedia and SubscribeMedia");
  }
  events::v1::CallSignal signal;
  switch (request.signal_case()) {
    case v1::SendSignalRequest::kDescription:
      RETURN_IF_ERROR(CheckSessionDescription(request.description()));
      *signal.mutable_description() = request.description();
      break;
    case v1::SendSignalRequest::kCandidate:
      RETURN_IF_ERROR(CheckIceCandidate(request.candidate()));
      *signal.mutable_candidate() = request.candidate();
      break;
    default:
      return InvalidArgument("EMPTY_SIGNAL", "a signal carries a description or a candidate");
  }
  signal.set_call_id(request.call_id());
  signal.set_from_user_id(caller.user_id);
  return live_.Relay(request.to_user_id(), std::move(signal));
}

absl::StatusOr<Calls::Access> Calls::AccessAsHost(const Caller& caller,
                                                  const std::string& call_id) {
  ASSIGN_OR_RETURN(Access access, AccessCall(caller, call_id));
  if (!ControlsCall(RoleOf(access, caller.user_id))) {
    return HostOnly();
  }
  if (!access.call.live()) return CallEnded();
  return access;
}

absl::Status Calls::Moderate(const Caller& caller, const v1::ModerateParticipantRequest& request) {
  RETURN_IF_ERROR(CheckId(request.user_id(), "INVALID_USER_ID", "user_id"));
  ASSIGN_OR_RETURN(Access access, AccessAsHost(caller, request.call_id()));
  const CallRecord& call = access.call;
  ASSIGN_OR_RETURN(std::optional<v1::Participant> target,
                   live_.Find(call.id, request.user_id()));
  if (!target) return FailedPrecondition("PEER_NOT_IN_CALL", "that person is not in the call");
  switch (request.action_case()) {
    case v1::ModerateParticipantRequest::kRemove:
      if (request.user_id() == call.host_id || request.user_id() == caller.user_id) {
        return FailedPrecondition("HOST_NOT_REMOVABLE", "the host (and oneself) stays");
      }
      RETURN_IF_ERROR(store_.Remove(call.id, request.user_id(), caller.user_id, clock_.Now()));
      return LeaveAs(call, request.user_id(), v1::LEAVE_REASON_REMOVED, caller.user_id);
    case v1::ModerateParticipantRequest::kMuteMicrophone:
      return HostMute(call, *target, request.mute_microphone(), caller.user_id);
    case v1::ModerateParticipantRequest::kAllowScreen:
      target->set_screen_allowed(request.allow_screen());
      if (!request.allow_screen()) target->mutable_media()->set_screen(false);
      return Replace(call.id, *target, caller.user_id);
    default:
      return InvalidArgument("EMPTY_ACTION", "say what to do: mute_microphone, allow_screen, remove");
  }
}

absl::Status Calls::HostMute(const CallRecord& call, v1::Participant& participant, bool mute,
                             const std::string& actor_id) {
  // Only a media server holds a mute a client cannot undo.
  if (call.topology != v1::CALL_TOPOLOGY_SFU) {
    return FailedPrecondition("NOT_SFU", "a peer-to-peer call has no media server to mute at");
  }
  if (media_ == nullptr) return FailedPrecondition("NO_MEDIA_SERVER", "no media server");
  RETURN_IF_ERROR(media_->Mute(RoomOf(call), call.id, participant.user_id(), mute));
  // His state as it is after the media server's round trip, not as it was read before.
  ASSIGN_OR_RETURN(std::optional<v1::Participant> now, live_.Find(call.id, participant.user_id()));
  if (!now) return FailedPrecondition("PEER_NOT_IN_CALL", "that person left the call");
  participant = *std::move(now);
  participant.set_muted_by_host(mute);
  if (mute) participant.mutable_media()->set_microphone(false);
  return Replace(call.id, participant, actor_id);
}

absl::Status Calls::Replace(const std::string& call_id, const v1::Participant& participant,
                            const std::string& actor_id) {
  ASSIGN_OR_RETURN(bool updated, live_.Update(call_id, participant));
  if (!updated) return FailedPrecondition("PEER_NOT_IN_CALL", "that person left the call");
  events::v1::CallChange change;
  change.set_actor_id(actor_id);
  *change.mutable_participant_updated() = participant;
  return AnnounceToCall(call_id, std::move(change));
}

absl::StatusOr<std::vector<std::string>> Calls::MuteEveryone(const Caller& caller,
                                                             const std::string& call_id) {
  ASSIGN_OR_RETURN(Access access, AccessAsHost(caller, call_id));
  const CallRecord& call = access.call;
  if (call.topology != v1::CALL_TOPOLOGY_SFU) {
    return FailedPrecondition("NOT_SFU", "a peer-to-peer call has no media server to mute at");
  }
  ASSIGN_OR_RETURN(std::vector<v1::Participant> people, live_.People(call.id));
  std::vector<std::string> muted;
  for (v1::Participant& person : people) {
    if (ControlsCall(person.role()) || person.muted_by_host()) continue;
    absl::Status done = HostMute(call, person, true, caller.user_id);
    if (absl::IsFailedPrecondition(done) && ReasonOf(done) == "PEER_NOT_IN_CALL") continue;
    RETURN_IF_ERROR(done);
    muted.push_back(person.user_id());
  }
  return muted;
}

absl::StatusOr<v1::Call> Calls::SetControls(const Caller& caller,
                                            const v1::SetCallControlsRequest& request) {
  ASSIGN_OR_RETURN(Access access, AccessAsHost(caller, request.call_id()));
  if (!request.has_locked() && !request.has_waiting_room()) {
    return InvalidArgument("EMPTY_CONTROLS", "say what to set: locked, waiting_room");
  }
  ASSIGN_OR_RETURN(
      CallRecord call,
      store_.SetControls(access.call.id,
                         request.has_locked() ? std::optional<bool>(request.locked()) : std::nullopt,
                         request.has_waiting_room() ? std::optional<bool>(request.waiting_room())
                                                    : std::nullopt));
  events::v1::CallChange change;
  change.set_actor_id(caller.user_id);
  change.mutable_controls_changed()->set_locked(call.locked);
  change.mutable_controls_changed()->set_waiting_room(call.waiting_room);
  RETURN_IF_ERROR(AnnounceToCall(call.id, std::move(change)));
  if (!call.waiting_room) {
    // No waiting room: everyone waiting comes in.
    ASSIGN_OR_RETURN(std::vector<v1::WaitingPerson> waiting, live_.Waiting(call.id));
    for (const v1::WaitingPerson& person : waiting) {
      // Guests wait for a host's word in any case.
      if (person.role() == v1::CALL_ROLE_GUEST) continue;
      absl::Status admitted = AdmitAs(call, person.user_id(), true, caller.user_id);
      if (!admitted.ok() && ReasonOf(admitted) != "NOT_WAITING") {
        // He waits on (a full call): the others still come in.
        log::Warning("someone waiting was not let in").With("error", admitted.ToString());
      }
    }
  }
  return CallProto(call);
}

absl::Status Calls::Admit(const Caller& caller, const v1::AdmitParticipantRequest& request) {
  RETURN_IF_ERROR(CheckId(request.user_id(), "INVALID_USER_ID", "user_id"));
  ASSIGN_OR_RETURN(Access access, AccessAsHost(caller, request.call_id()));
  return AdmitAs(access.call, request.user_id(), request.admit(), caller.user_id);
}

absl::Status Calls::AdmitAs(const CallRecord& call, const std::string& user_id, bool admit,
                            const std::string& actor_id) {
  ASSIGN_OR_RETURN(std::optional<v1::WaitingPerson> knock, live_.EndWait(call.id, user_id, admit));
  if (!knock) return FailedPrecondition("NOT_WAITING", "that person is not waiting to come in");
  if (!admit) return EndedWait(call, user_id, v1::WAIT_OUTCOME_DECLINED, actor_id);
  if (absl::Status entered = Enter(call, user_id, knock->role(), std::nullopt, actor_id);
      !entered.ok()) {
    // Not in after all (the call is full, the media server failed, it ended): he waits again,
    // and a host may try again.
    if (absl::Status back = live_.Wait(call.id, *knock, Deadline()).status(); !back.ok()) {
      log::Warning("an admitted guest's knock was lost").With("error", back.ToString());
    }
    return entered;
  }
  return EndedWait(call, user_id, v1::WAIT_OUTCOME_ADMITTED, actor_id);
}

absl::Status Calls::EndedWait(const CallRecord& call, const std::string& user_id,
                              v1::WaitOutcome outcome, const std::string& actor_id) {
  events::v1::CallChange change;
  change.set_actor_id(actor_id);
  change.mutable_wait_ended()->set_user_id(user_id);
  change.mutable_wait_ended()->set_outcome(outcome);
  return AnnounceToCall(call.id, std::move(change), {user_id});
}

absl::StatusOr<v1::SessionDescription> Calls::Publish(const Caller& caller,
                                                      const v1::PublishMediaRequest& request) {
  ASSIGN_OR_RETURN(Presence presence, RequireParticipant(caller, request.call_id()));
  RETURN_IF_ERROR(CheckSessionDescription(request.offer(), v1::SDP_TYPE_OFFER));
  if (presence.call.topology != v1::CALL_TOPOLOGY_SFU || media_ == nullptr) {
    return FailedPrecondition("NOT_SFU", "a peer-to-peer call's media goes through SendSignal");
  }
  return media_->Publish(RoomOf(presence.call), presence.call.id, caller.user_id,
                         request.offer(), presence.participant.muted_by_host());
}

absl::StatusOr<v1::SubscribeMediaResponse> Calls::Subscribe(
    const Caller& caller, const v1::SubscribeMediaRequest& request) {
  RETURN_IF_ERROR(CheckId(request.publisher_user_id(), "INVALID_USER_ID", "publisher_user_id"));
  ASSIGN_OR_RETURN(Presence presence, RequireParticipant(caller, request.call_id()));
  if (presence.call.topology != v1::CALL_TOPOLOGY_SFU || media_ == nullptr) {
    return FailedPrecondition("NOT_SFU", "a peer-to-peer call's media goes through SendSignal");
  }
  ASSIGN_OR_RETURN(std::optional<v1::Participant> publisher,
                   live_.Find(presence.call.id, request.publisher_user_id()));
  if (!publisher || !publisher->publishing() || request.publisher_user_id() == caller.user_id) {
    return FailedPrecondition("PEER_NOT_PUBLISHING", "that person's media is not on the server");
  }
  ASSIGN_OR_RETURN(SubscriptionOffer offer,
                   media_->Subscribe(RoomOf(presence.call), presence.call.id,
                                     caller.user_id, request.publisher_user_id()));
  v1::SubscribeMediaResponse response;
  response.set_subscription_id(offer.subscription_id);
  *response.mutable_offer() = std::move(offer.offer);
  return response;
}

absl::Status Calls::AnswerSubscription(const Caller& caller,
                                       const v1::AnswerSubscriptionRequest& request) {
  ASSIGN_OR_RETURN(Presence presence, RequireParticipant(caller, request.call_id()));
  RETURN_IF_ERROR(CheckSessionDescription(request.answer(), v1::SDP_TYPE_ANSWER));
  if (presence.call.topology != v1::CALL_TOPOLOGY_SFU || media_ == nullptr) {
    return FailedPrecondition("NOT_SFU", "a peer-to-peer call's media goes through SendSignal");
  }
  return media_->Answer(presence.call.id, caller.user_id, request.subscription_id(),
                        request.answer());
}

absl::Status Calls::Trickle(const Caller& caller, const v1::TrickleMediaRequest& request) {
  ASSIGN_OR_RETURN(Presence presence, RequireParticipant(caller, request.call_id()));
  if (request.candidates().empty() || request.candidates_size() > kMaxTrickleCandidates) {
    return InvalidArgument("INVALID_CANDIDATE", "send 1–50 candidates at a time");
  }
  for (const v1::IceCandidate& candidate : request.candidates()) {
    RETURN_IF_ERROR(CheckIceCandidate(candidate));
  }
  if (presence.call.topology != v1::CALL_TOPOLOGY_SFU || media_ == nullptr) {
    return FailedPrecondition("NOT_SFU", "a peer-to-peer call's media goes through SendSignal");
  }
  return media_->Trickle(presence.call.id, caller.user_id, request.subscription_id(),
                         {request.candidates().begin(), request.candidates().end()});
}

absl::StatusOr<api::v1::HttpBody> Calls::ExportAttendance(const Caller& caller,
                                                          const std::string& call_id) {
  // The call's hosts (members of its chat who control it) and the school's admins, who need
  // not be in the chat.
  absl::StatusOr<Access> access = AccessCall(caller, call_id);
  if (!access.ok() && !absl::IsPermissionDenied(access.status())) return access.status();
  std::optional<CallRecord> found;
  if (access.ok()) found = access->call;
  if (!access.ok() || !ControlsCall(RoleOf(*access, caller.user_id))) {
    // Whatever goes wrong on the admins' path, someone outside the chat learns only that.
    const absl::Status refusal = access.ok() ? HostOnly() : access.status();
    if (!found) {
      absl::StatusOr<CallRecord> stored = store_.Find(call_id);
      if (!stored.ok()) return refusal;
      found = *std::move(stored);
    }
    absl::StatusOr<bool> admin = people_.AdministersSchool(caller.bearer, found->school_id);
    if (!admin.ok() && access.ok()) return admin.status();
    if (!admin.ok() || !*admin) return refusal;
  }
  const CallRecord& call = *found;
  ASSIGN_OR_RETURN(std::vector<Stay> stays, store_.Attendance(call.id));

  std::string zone_name = "UTC";
  absl::TimeZone zone = absl::UTCTimeZone();
  if (absl::StatusOr<directory::v1::School> school = people_.SchoolOf(caller.bearer, call.school_id);
      school.ok() && absl::LoadTimeZone(school->time_zone(), &zone)) {
    zone_name = school->time_zone();
  } else {
    log::Warning("an attendance export falls back to UTC")
        .With("error", school.ok() ? "unknown time zone " + school->time_zone()
                                   : school.status().ToString());
    zone = absl::UTCTimeZone();
  }
  absl::flat_hash_map<std::string, std::string> names;
  std::vector<AttendanceRow> rows;
  rows.reserve(stays.size());
  for (const Stay& stay : stays) {
    auto [name, fresh] = names.try_emplace(stay.user_id);
    if (fresh) {
      ASSIGN_OR_RETURN(name->second, people_.DisplayName(stay.user_id));
    }
    rows.push_back({.user_id = stay.user_id,
                    .name = name->second,
                    .role = stay.role,
                    .joined = stay.joined_at,
                    .left = stay.left_at,
                    .reason = stay.leave_reason});
  }
  api::v1::HttpBody body;
  body.set_content_type("text/csv; charset=utf-8");
  body.set_data(AttendanceCsv(rows, zone, zone_name));
  body.set_file_name(absl::StrCat("attendance-", absl::FormatTime("%Y-%m-%d", call.started_at, zone),
                                  "-", call.id.substr(0, 8), ".csv"));
  return body;
}

absl::StatusOr<v1::CreateGuestLinkResponse> Calls::CreateGuestLink(
    const Caller& caller, const v1::CreateGuestLinkRequest& request) {
  ASSIGN_OR_RETURN(Access access, AccessAsHost(caller, request.call_id()));
  absl::Duration valid_for = absl::Hours(2);
  if (request.has_valid_for()) {
    valid_for = absl::Seconds(request.valid_for().seconds()) +
                absl::Nanoseconds(request.valid_for().nanos());
    if (valid_for < absl::Minutes(5) || valid_for > absl::Hours(24)) {
      return InvalidArgument("INVALID_VALID_FOR", "a guest link works for 5 minutes to 24 hours");
    }
  }
  ASSIGN_OR_RETURN(directory::v1::School school,
                   people_.SchoolOf(caller.bearer, access.call.school_id));
  if (!school.call_guests_allowed()) {
    return FailedPrecondition("GUESTS_NOT_ALLOWED",
                              "the school does not let its calls have guests");
  }
  const std::string code = RandomCode(kGuestCodeLength);
  const absl::Time now = clock_.Now();
  RETURN_IF_ERROR(store_.CreateGuestLink(HashGuestCode(code), access.call.id, caller.user_id, now,
                                         now + valid_for));
  v1::CreateGuestLinkResponse response;
  response.set_code(code);
  *response.mutable_expire_time() = TimestampOf(now + valid_for);
  return response;
}

absl::StatusOr<v1::JoinAsGuestResponse> Calls::JoinAsGuest(const v1::JoinAsGuestRequest& request) {
  ASSIGN_OR_RETURN(std::string code, CheckGuestCode(request.code()));
  const std::string code_hash = HashGuestCode(code);
  ASSIGN_OR_RETURN(GuestLink link, store_.FindGuestLink(code_hash));
  if (link.used) return FailedPrecondition("GUEST_LINK_USED", "this guest link was used already");
  const absl::Time now = clock_.Now();
  if (link.expires_at <= now) {
    return FailedPrecondition("GUEST_LINK_EXPIRED", "this guest link has expired");
  }
  ASSIGN_OR_RETURN(CallRecord call, store_.Find(link.call_id));
  if (!call.live()) return CallEnded();
  if (call.locked) return FailedPrecondition("CALL_LOCKED", "a host locked the call");
  ASSIGN_OR_RETURN(GuestAccount guest,
                   people_.CreateGuest(request.display_name(), link.expires_at - now));
  RETURN_IF_ERROR(store_.UseGuestLink(code_hash, guest.user_id, request.display_name(), now));
  RETURN_IF_ERROR(Knock(call, guest.user_id, v1::CALL_ROLE_GUEST).status());
  v1::JoinAsGuestResponse response;
  response.set_user_id(guest.user_id);
  response.set_access_token(guest.access_token);
  response.set_refresh_token(guest.refresh_token);
  *response.mutable_expire_time() = TimestampOf(guest.expires_at);
  ASSIGN_OR_RETURN(*response.mutable_call(), CallProto(call));
  *response.mutable_heartbeat_interval() = HeartbeatInterval();
  return response;
}

void Calls::MediaChanged(const std::string& call_id, const std::string& user_id,
                         bool publishing) {
  absl::StatusOr<std::optional<v1::Participant>> participant = live_.Find(call_id, user_id);
  if (!participant.ok() || !participant->has_value()) return;
  v1::Participant& person = **participant;
  if (person.publishing() == publishing) return;
  person.set_publishing(publishing);
  absl::StatusOr<bool> updated = live_.Update(call_id, person);
  if (!updated.ok() || !*updated) return;
  events::v1::CallChange change;
  *change.mutable_participant_updated() = person;
  if (absl::Status announced = AnnounceToCall(call_id, std::move(change)); !announced.ok()) {
    log::Warning("a publication change was not announced").With("error", announced.ToString());
  }
}

void Calls::MediaServerLost(const std::string& media_server) {
  absl::StatusOr<std::vector<CallRecord>> calls = store_.LiveCallsOn(media_server);
  if (!calls.ok()) {
    log::Warning("calls of a lost media server not found").With("error", calls.status().ToString());
    return;
  }
  for (const CallRecord& call : *calls) {
    absl::Status ended = EndAs(call, v1::CALL_END_REASON_MEDIA_SERVER_LOST, "").status();
    if (!ended.ok()) log::Warning("a call was not ended").With("error", ended.ToString());
  }
}

absl::StatusOr<int> Calls::DropVanished() {
  ASSIGN_OR_RETURN(std::vector<Vanished> overdue, live_.Overdue(clock_.Now(), 100));
  int dropped = 0;
  for (const Vanished& gone : overdue) {
    absl::StatusOr<CallRecord> call = store_.Find(gone.call_id);
    if (call.status().code() == absl::StatusCode::kNotFound) {
      // A stray entry (the call's row is gone): forget it.
      RETURN_IF_ERROR(live_.Leave(gone.call_id, gone.user_id).status());
      continue;
    }
    RETURN_IF_ERROR(call.status());
    RETURN_IF_ERROR(LeaveAs(*call, gone.user_id, v1::LEAVE_REASON_TIMED_OUT, ""));
    ++dropped;
  }
  return dropped;
}

absl::StatusOr<int> Calls::PostNotices() {
  ASSIGN_OR_RETURN(std::vector<PendingNotice> pending, store_.PendingNotices(50));
  int left = 0;
  for (const PendingNotice& notice : pending) {
    const CallRecord& call = notice.call;
    absl::Duration length;
    int people = 0;
    if (notice.ended) {
      length = *call.ended_at - call.started_at;
      ASSIGN_OR_RETURN(people, store_.PeopleCount(call.id));
    }
    absl::Status posted =
        chats_.PostNotice(call.chat_id, call.host_id, call.id, notice.ended, length, people);
    const absl::StatusCode code = posted.code();
    const bool retry = code == absl::StatusCode::kUnavailable ||
                       code == absl::StatusCode::kDeadlineExceeded ||
                       code == absl::StatusCode::kInternal ||
                       code == absl::StatusCode::kUnauthenticated ||
                       code == absl::StatusCode::kResourceExhausted ||
                       code == absl::StatusCode::kAborted;
    if (!posted.ok() && retry) {
      ++left;
      log::Warning("a call's chat notice waits").With("error", posted.ToString());
      continue;
    }
    if (!posted.ok()) {
      // The chat will not take it (archived meanwhile, gone): nothing to retry.
      log::Warning("a call's chat notice was refused").With("error", posted.ToString());
    }
    RETURN_IF_ERROR(store_.MarkNoticePosted(call.id, notice.ended));
    if (!notice.ended && call.ended_at) ++left;  // its end's notice comes next round
  }
  return left;
}

}  // namespace parta::signaling
