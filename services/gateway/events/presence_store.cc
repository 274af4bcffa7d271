#include "services/gateway/events/presence_store.h"

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "libs/core/status.h"

namespace parta::gateway {
namespace {

// KEYS[1] the user's set; ARGV: socket, its expiry (ms), now (ms), key TTL (ms).
// Returns how many live sockets the user had before.
constexpr char kConnect[] = R"(
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local before = redis.call('ZCARD', KEYS[1])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then before = before - 1 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return before)";

// KEYS[1] the user's set; ARGV: socket, now (ms). Returns how many live sockets are left.
constexpr char kDisconnect[] = R"(
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
return redis.call('ZCARD', KEYS[1]))";

std::string Key(const std::string& user_id) {
  return "parta:presence-sockets:" + user_id;
}

std::string Millis(absl::Time time) { return std::to_string(absl::ToUnixMillis(time)); }

}  // namespace

absl::StatusOr<bool> PresenceStore::Connect(const std::string& user_id,
                                            const std::string& socket_id) {
  const absl::Time now = absl::Now();
  ASSIGN_OR_RETURN(redis::Value before,
                   pool_.Command({"EVAL", kConnect, "1", Key(user_id), socket_id,
                                  Millis(now + ttl_), Millis(now),
                                  std::to_string(absl::ToInt64Milliseconds(ttl_))}));
  return before.integer == 0;
}

absl::StatusOr<bool> PresenceStore::Disconnect(const std::string& user_id,
                                               const std::string& socket_id) {
  ASSIGN_OR_RETURN(redis::Value left, pool_.Command({"EVAL", kDisconnect, "1", Key(user_id),
                                                     socket_id, Millis(absl::Now())}));
  return left.integer == 0;
}

absl::StatusOr<std::vector<UserPresence>> PresenceStore::Get(
    const std::vector<std::string>& user_ids) {
  std::vector<std::vector<std::string>> commands;
  for (const std::string& user_id : user_ids) {
    commands.push_back({"ZREVRANGE", Key(user_id), "0", "0", "WITHSCORES"});
  }
  std::vector<UserPresence> presences(user_ids.size());
  if (commands.empty()) return presences;
  ASSIGN_OR_RETURN(std::vector<redis::Value> replies, pool_.Pipeline(commands));
  const absl::Time now = absl::Now();
  for (size_t i = 0; i < replies.size() && i < presences.size(); ++i) {
    const redis::Value& reply = replies[i];
    if (reply.elements.size() < 2) continue;
    int64_t until_ms = 0;
    if (!absl::SimpleAtoi(reply.elements[1].text, &until_ms)) continue;
    const absl::Time until = absl::FromUnixMillis(until_ms);
    presences[i] = {until > now, until};
  }
  return presences;
}

}  // namespace parta::gateway
