#pragma once

// Permission answers in Redis. Per school, a generation key `parta:perm:gen:{school}` holds the
// newest generation Redis has heard of; answers live in the hash
// `parta:perm:{school}:{generation}` with a short TTL. A lookup reads both in one round trip
// (a script), so an answer of an older generation is never returned once the generation moved.

#include <string>

#include "absl/time/time.h"

namespace prometheus {
class Counter;
class Registry;
}  // namespace prometheus

#include "libs/redis/client.h"
#include "services/directory/domain/ports.h"

namespace parta::directory {

class RedisPermissionCache final : public PermissionCache {
 public:
  // Counts lookups by result in `registry`
  // (parta_directory_permission_cache_lookups_total{result="hit|miss|error"}).
  RedisPermissionCache(redis::Pool& pool, absl::Duration answer_ttl,
                       prometheus::Registry& registry);

  absl::StatusOr<std::optional<bool>> Lookup(absl::string_view school_id,
                                             absl::string_view key) override;
  absl::Status Store(absl::string_view school_id, int64_t generation, absl::string_view key,
                     bool allowed) override;
  absl::Status Advance(absl::string_view school_id, int64_t generation) override;

 private:
  redis::Pool& pool_;
  const absl::Duration answer_ttl_;
  prometheus::Counter& hits_;
  prometheus::Counter& misses_;
  prometheus::Counter& errors_;
};

}  // namespace parta::directory
