#include "services/directory/adapters/redis_permission_cache.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"

namespace parta::directory {
namespace {

// KEYS[1] generation key; ARGV[1] school id, ARGV[2] answer key.
constexpr char kLookup[] = R"(
local generation = redis.call('GET', KEYS[1])
if not generation then return false end
return redis.call('HGET', 'parta:perm:' .. ARGV[1] .. ':' .. generation, ARGV[2]))";

// KEYS[1] generation key; ARGV[1] generation, ARGV[2] generation key TTL (s).
constexpr char kAdvance[] = R"(
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
return 0)";

// KEYS[1] generation key; ARGV[1] school, ARGV[2] generation, ARGV[3] answer key, ARGV[4] answer,
// ARGV[5] answer TTL (s), ARGV[6] generation key TTL (s). Stores only under the current
// generation (moving it forward when Redis had not heard of it yet).
constexpr char kStore[] = R"(
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local generation = tonumber(ARGV[2])
if generation > current then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[6])
elseif generation < current then
  return 0
end
local hash = 'parta:perm:' .. ARGV[1] .. ':' .. ARGV[2]
redis.call('HSET', hash, ARGV[3], ARGV[4])
redis.call('EXPIRE', hash, ARGV[5])
return 1)";

// A generation key outlives every answer by far; it only goes away with a school nobody asks
// about any more.
constexpr int64_t kGenerationTtlSeconds = 7 * 24 * 3600;

std::string GenerationKey(absl::string_view school_id) {
  return absl::StrCat("parta:perm:gen:", school_id);
}

prometheus::Family<prometheus::Counter>& LookupFamily(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("parta_directory_permission_cache_lookups_total")
      .Help("Permission answers looked up in Redis, by result (error: Postgres answered)")
      .Register(registry);
}

}  // namespace

RedisPermissionCache::RedisPermissionCache(redis::Pool& pool, absl::Duration answer_ttl,
                                           prometheus::Registry& registry)
    : pool_(pool),
      answer_ttl_(answer_ttl),
      hits_(LookupFamily(registry).Add({{"result", "hit"}})),
      misses_(LookupFamily(registry).Add({{"result", "miss"}})),
      errors_(LookupFamily(registry).Add({{"result", "error"}})) {}

absl::StatusOr<std::optional<bool>> RedisPermissionCache::Lookup(absl::string_view school_id,
                                                                 absl::string_view key) {
  absl::StatusOr<redis::Value> answer = pool_.Command(
      {"EVAL", kLookup, "1", GenerationKey(school_id), std::string(school_id), std::string(key)});
  if (!answer.ok()) {
    errors_.Increment();
    return answer.status();
  }
  if (answer->is_nil()) {
    misses_.Increment();
    return std::nullopt;
  }
  hits_.Increment();
  return answer->text == "1";
}

absl::Status RedisPermissionCache::Store(absl::string_view school_id, int64_t generation,
                                         absl::string_view key, bool allowed) {
  return pool_
      .Command({"EVAL", kStore, "1", GenerationKey(school_id), std::string(school_id),
                absl::StrCat(generation), std::string(key), allowed ? "1" : "0",
                absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(answer_ttl_))),
                absl::StrCat(kGenerationTtlSeconds)})
      .status();
}

absl::Status RedisPermissionCache::Advance(absl::string_view school_id, int64_t generation) {
  return pool_
      .Command({"EVAL", kAdvance, "1", GenerationKey(school_id), absl::StrCat(generation),
                absl::StrCat(kGenerationTtlSeconds)})
      .status();
}

}  // namespace parta::directory
