#include "services/signaling/calls/live_state.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/time_util.h"
#include "libs/core/status.h"
#include "libs/realtime/channels.h"
#include "libs/realtime/publish.h"

namespace parta::signaling {
namespace {

std::string PeopleKey(absl::string_view call_id) {
  return absl::StrCat("parta:call:{", call_id, "}:people");
}

std::string WaitingKey(absl::string_view call_id) {
  return absl::StrCat("parta:call:{", call_id, "}:waiting");
}

std::string AdmittedKey(absl::string_view call_id) {
  return absl::StrCat("parta:call:{", call_id, "}:admitted");
}

std::string SequenceKey(absl::string_view call_id) {
  return absl::StrCat("parta:call:{", call_id, "}:sequence");
}

std::string BeatMember(absl::string_view call_id, absl::string_view user_id) {
  return absl::StrCat(call_id, "/", user_id);
}

std::string Millis(absl::Time t) { return absl::StrCat(absl::ToUnixMillis(t)); }

// KEYS: people, beats, waiting. ARGV: user id, participant, capacity, deadline, beat member.
// 1: entered (and no longer waiting), 0: back in (state replaced), -1: the call is full.
constexpr const char* kEnter = R"lua(
local present = redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1
if not present and tonumber(ARGV[3]) > 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return -1
end
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
if present then return 0 end
return 1
)lua";

// KEYS: people. ARGV: user id, participant. 1 when replaced, 0 when he is not in the call.
constexpr const char* kUpdate = R"lua(
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
)lua";

// KEYS: people, waiting, beats. ARGV: user id, deadline, beat member. 1 when moved, 0 when he
// is neither in the call nor waiting.
constexpr const char* kBeat = R"lua(
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  return 0
end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
return 1
)lua";

// KEYS: waiting, beats, people. ARGV: user id, person, deadline, beat member. 1 when he knocked
// now, 0 when he was waiting already, -1 when he is in the call.
constexpr const char* kWait = R"lua(
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return -1 end
local knocked = redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return knocked
)lua";

// KEYS: waiting, admitted, beats. ARGV: user id, beat member, "1" when admitted. His knock, or
// false when he was not waiting.
constexpr const char* kEndWait = R"lua(
local person = redis.call('HGET', KEYS[1], ARGV[1])
if not person then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[2])
if ARGV[3] == '1' then redis.call('SADD', KEYS[2], ARGV[1]) end
return person
)lua";

// KEYS: sequence. ARGV: the floor for a lost counter. The next number.
constexpr const char* kNext = R"lua(
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('INCR', KEYS[1])
)lua";

absl::StatusOr<int64_t> Integer(absl::StatusOr<redis::Value> reply) {
  if (!reply.ok()) return reply.status();
  return reply->integer;
}

}  // namespace

absl::StatusOr<bool> LiveState::Enter(const std::string& call_id,
                                      const v1::Participant& participant, int capacity,
                                      absl::Time deadline) {
  ASSIGN_OR_RETURN(int64_t entered,
                   Integer(redis_.Command({"EVAL", kEnter, "3", PeopleKey(call_id),
                                           beats_key_, WaitingKey(call_id), participant.user_id(),
                                           participant.SerializeAsString(),
                                           absl::StrCat(capacity), Millis(deadline),
                                           BeatMember(call_id, participant.user_id())})));
  if (entered < 0) {
    return FailedPrecondition("CALL_FULL", "the call has as many people as it takes");
  }
  return entered == 1;
}

absl::StatusOr<bool> LiveState::Update(const std::string& call_id,
                                       const v1::Participant& participant) {
  ASSIGN_OR_RETURN(int64_t updated,
                   Integer(redis_.Command({"EVAL", kUpdate, "1", PeopleKey(call_id),
                                           participant.user_id(),
                                           participant.SerializeAsString()})));
  return updated == 1;
}

absl::StatusOr<bool> LiveState::Leave(const std::string& call_id, const std::string& user_id) {
  ASSIGN_OR_RETURN(std::vector<redis::Value> replies,
                   redis_.Pipeline({{"HDEL", PeopleKey(call_id), user_id},
                                    {"ZREM", beats_key_, BeatMember(call_id, user_id)}}));
  return replies[0].integer == 1;
}

absl::StatusOr<bool> LiveState::Beat(const std::string& call_id, const std::string& user_id,
                                     absl::Time deadline) {
  ASSIGN_OR_RETURN(int64_t moved,
                   Integer(redis_.Command({"EVAL", kBeat, "3", PeopleKey(call_id),
                                           WaitingKey(call_id), beats_key_, user_id,
                                           Millis(deadline),
                                           BeatMember(call_id, user_id)})));
  return moved == 1;
}

absl::StatusOr<KnockOutcome> LiveState::Wait(const std::string& call_id,
                                      const v1::WaitingPerson& person, absl::Time deadline) {
  ASSIGN_OR_RETURN(int64_t knocked,
                   Integer(redis_.Command({"EVAL", kWait, "3", WaitingKey(call_id), beats_key_,
                                           PeopleKey(call_id), person.user_id(),
                                           person.SerializeAsString(), Millis(deadline),
                                           BeatMember(call_id, person.user_id())})));
  if (knocked < 0) return KnockOutcome::kInCall;
  return knocked == 1 ? KnockOutcome::kKnocked : KnockOutcome::kRenewed;
}

absl::StatusOr<std::optional<v1::WaitingPerson>> LiveState::EndWait(const std::string& call_id,
                                                                    const std::string& user_id,
                                                                    bool admitted) {
  ASSIGN_OR_RETURN(redis::Value reply,
                   redis_.Command({"EVAL", kEndWait, "3", WaitingKey(call_id),
                                   AdmittedKey(call_id), beats_key_, user_id,
                                   BeatMember(call_id, user_id), admitted ? "1" : "0"}));
  if (reply.is_nil()) return std::nullopt;
  v1::WaitingPerson person;
  if (!person.ParseFromString(reply.text)) {
    return Internal("CALL_STATE_CORRUPT", "a waiting person's state does not parse");
  }
  return person;
}

absl::StatusOr<bool> LiveState::WasAdmitted(const std::string& call_id,
                                            const std::string& user_id) {
  ASSIGN_OR_RETURN(int64_t member,
                   Integer(redis_.Command({"SISMEMBER", AdmittedKey(call_id), user_id})));
  return member == 1;
}

absl::StatusOr<std::vector<v1::WaitingPerson>> LiveState::Waiting(const std::string& call_id) {
  ASSIGN_OR_RETURN(redis::Value reply, redis_.Command({"HVALS", WaitingKey(call_id)}));
  std::vector<v1::WaitingPerson> waiting(reply.elements.size());
  for (size_t i = 0; i < reply.elements.size(); ++i) {
    if (!waiting[i].ParseFromString(reply.elements[i].text)) {
      return Internal("CALL_STATE_CORRUPT", "a waiting person's state does not parse");
    }
  }
  std::sort(waiting.begin(), waiting.end(),
            [](const v1::WaitingPerson& a, const v1::WaitingPerson& b) {
              using google::protobuf::util::TimeUtil;
              if (a.knock_time() != b.knock_time()) return a.knock_time() < b.knock_time();
              return a.user_id() < b.user_id();
            });
  return waiting;
}

absl::StatusOr<std::optional<v1::Participant>> LiveState::Find(const std::string& call_id,
                                                               const std::string& user_id) {
  ASSIGN_OR_RETURN(redis::Value reply, redis_.Command({"HGET", PeopleKey(call_id), user_id}));
  if (reply.is_nil()) return std::nullopt;
  v1::Participant participant;
  if (!participant.ParseFromString(reply.text)) {
    return Internal("CALL_STATE_CORRUPT", "a participant's state does not parse");
  }
  return participant;
}

absl::StatusOr<std::vector<v1::Participant>> LiveState::People(const std::string& call_id) {
  ASSIGN_OR_RETURN(redis::Value reply, redis_.Command({"HVALS", PeopleKey(call_id)}));
  std::vector<v1::Participant> people(reply.elements.size());
  for (size_t i = 0; i < reply.elements.size(); ++i) {
    if (!people[i].ParseFromString(reply.elements[i].text)) {
      return Internal("CALL_STATE_CORRUPT", "a participant's state does not parse");
    }
  }
  std::sort(people.begin(), people.end(), [](const v1::Participant& a, const v1::Participant& b) {
    using google::protobuf::util::TimeUtil;
    if (a.join_time() != b.join_time()) return a.join_time() < b.join_time();
    return a.user_id() < b.user_id();
  });
  return people;
}

absl::Status LiveState::Drop(const std::string& call_id, const std::vector<std::string>& user_ids) {
  std::vector<std::vector<std::string>> commands = {
      {"DEL", PeopleKey(call_id), WaitingKey(call_id), AdmittedKey(call_id)}};
  // The sequence stays a while: late readers of the ended call still see it grow.
  commands.push_back({"EXPIRE", SequenceKey(call_id), "86400"});
  if (!user_ids.empty()) {
    std::vector<std::string> zrem = {"ZREM", beats_key_};
    for (const std::string& user_id : user_ids) zrem.push_back(BeatMember(call_id, user_id));
    commands.push_back(std::move(zrem));
  }
  return redis_.Pipeline(commands).status();
}

absl::StatusOr<std::vector<Vanished>> LiveState::Overdue(absl::Time now, int limit) {
  ASSIGN_OR_RETURN(redis::Value reply,
                   redis_.Command({"ZRANGEBYSCORE", beats_key_, "-inf", Millis(now),
                                   "LIMIT", "0", absl::StrCat(limit)}));
  std::vector<Vanished> vanished;
  for (const redis::Value& member : reply.elements) {
    std::pair<std::string, std::string> parts = absl::StrSplit(member.text, '/');
    vanished.push_back({.call_id = parts.first, .user_id = parts.second});
  }
  return vanished;
}

absl::StatusOr<int64_t> LiveState::Sequence(const std::string& call_id) {
  ASSIGN_OR_RETURN(redis::Value reply, redis_.Command({"GET", SequenceKey(call_id)}));
  if (reply.is_nil()) return 0;
  int64_t sequence = 0;
  if (!absl::SimpleAtoi(reply.text, &sequence)) {
    return Internal("CALL_STATE_CORRUPT", "a call's sequence is not a number");
  }
  return sequence;
}

absl::Status LiveState::Announce(const std::string& call_id, events::v1::CallChange change,
                                 const std::vector<std::string>& recipients) {
  const absl::Time now = clock_.Now();
  ASSIGN_OR_RETURN(int64_t sequence,
                   Integer(redis_.Command({"EVAL", kNext, "1", SequenceKey(call_id),
                                           absl::StrCat(absl::ToUnixMicros(now))})));
  events::v1::Envelope envelope;
  events::v1::Event& event = *envelope.mutable_event();
  event.set_id(ids_.NewId());
  *event.mutable_time() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(now));
  event.set_stream(absl::StrCat("call/", call_id));
  event.set_sequence(sequence);
  change.set_call_id(call_id);
  *event.mutable_call_change() = std::move(change);
  const std::string payload = envelope.SerializeAsString();
  std::vector<std::vector<std::string>> publishes;
  publishes.reserve(recipients.size());
  for (const std::string& user_id : recipients) {
    publishes.push_back({"PUBLISH", realtime::UserChannel(user_id), payload});
  }
  if (publishes.empty()) return absl::OkStatus();
  return redis_.Pipeline(publishes).status();
}

absl::Status LiveState::Relay(const std::string& to_user_id, events::v1::CallSignal signal) {
  events::v1::Envelope envelope;
  events::v1::Event& event = *envelope.mutable_event();
  event.set_id(ids_.NewId());
  *event.mutable_time() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(clock_.Now()));
  event.set_stream(absl::StrCat("call/", signal.call_id()));
  *event.mutable_call_signal() = std::move(signal);
  return realtime::Publish(redis_, realtime::UserChannel(to_user_id), envelope);
}

}  // namespace parta::signaling
