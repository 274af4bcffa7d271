#include "services/directory/adapters/redis_permission_cache.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/core/status.h"

namespace parta::directory {
namespace {

// KEYS[1] generation key; ARGV[1] generation, ARGV[2] generation key TTL (s). Never moves back.
constexpr char kAdvance[] = R"(
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
return 0)";

// A generation key outlives every answer by far; it only goes away with a school nobody asks
// about any more.
constexpr int64_t kGenerationTtlSeconds = 7 * 24 * 3600;

// The school's keys share a hash tag, so they stay together on a Redis cluster too.
std::string GenerationKey(absl::string_view school_id) {
  return absl::StrCat("parta:perm:{", school_id, "}:gen");
}

std::string AnswerKey(absl::string_view school_id, absl::string_view key) {
  return absl::StrCat("parta:perm:{", school_id, "}:a:", key);
}

prometheus::Family<prometheus::Counter>& LookupFamily(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("parta_directory_permission_cache_lookups_total")
      .Help("Permission answers looked up in Redis, by result (error: Postgres answered)")
      .Register(registry);
}

// An answer is stored as "<generation>:<0|1>"; it counts only under the current generation.
std::optional<bool> AnswerUnder(const redis::Value& generation, const redis::Value& answer) {
  if (generation.is_nil() || answer.is_nil()) return std::nullopt;
  std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(answer.text, ':');
  if (parts.first != generation.text) return std::nullopt;
  return parts.second == "1";
}

}  // namespace

RedisPermissionCache::RedisPermissionCache(redis::Pool& pool, redis::PipelinedConnection& lookups,
                                           absl::Duration answer_ttl,
                                           prometheus::Registry& registry)
    : pool_(pool),
      lookups_(lookups),
      answer_ttl_(answer_ttl),
      hits_(LookupFamily(registry).Add({{"result", "hit"}})),
      misses_(LookupFamily(registry).Add({{"result", "miss"}})),
      errors_(LookupFamily(registry).Add({{"result", "error"}})) {}

void RedisPermissionCache::Lookup(const std::string& school_id, const std::string& key,
                                  LookupDone done) {
  // One plain MGET: the school's generation and the answer, which names the generation it was
  // computed under.
  lookups_.Command(
      {"MGET", GenerationKey(school_id), AnswerKey(school_id, key)},
      [this, done = std::move(done)](absl::StatusOr<redis::Value> reply) {
        if (!reply.ok() || reply->elements.size() != 2) {
          errors_.Increment();
          done(reply.ok() ? Internal("REDIS_ERROR", "unexpected reply to MGET") : reply.status());
          return;
        }
        std::optional<bool> answer = AnswerUnder(reply->elements[0], reply->elements[1]);
        (answer ? hits_ : misses_).Increment();
        done(answer);
      });
}

absl::Status RedisPermissionCache::Store(absl::string_view school_id, int64_t generation,
                                         absl::string_view key, bool allowed) {
  // The generation key is set only when Redis has none (after a restart); moving it is
  // Advance's job. An answer of an older generation is stored but never counts.
  return pool_
      .Pipeline({{"SET", AnswerKey(school_id, key), absl::StrCat(generation, allowed ? ":1" : ":0"),
                  "EX", absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(answer_ttl_)))},
                 {"SET", GenerationKey(school_id), absl::StrCat(generation), "EX",
                  absl::StrCat(kGenerationTtlSeconds), "NX"}})
      .status();
}

absl::Status RedisPermissionCache::Advance(absl::string_view school_id, int64_t generation) {
  return pool_
      .Command({"EVAL", kAdvance, "1", GenerationKey(school_id), absl::StrCat(generation),
                absl::StrCat(kGenerationTtlSeconds)})
      .status();
}

}  // namespace parta::directory
