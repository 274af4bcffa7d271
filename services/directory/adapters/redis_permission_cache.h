#pragma once

// Permission answers in Redis. Per school, `parta:perm:{school}:gen` holds the newest
// generation Redis has heard of; each answer is a key `parta:perm:{school}:a:<question>` with a
// short TTL whose value names the generation it was computed under ("<generation>:<0|1>"). A
// lookup reads both with one MGET and counts the answer only under the current generation, so
// once the generation moved no older answer is returned.

#include <string>

#include "absl/time/time.h"

namespace prometheus {
class Counter;
class Registry;
}  // namespace prometheus

#include "libs/redis/client.h"
#include "libs/redis/pipelined.h"
#include "services/directory/domain/ports.h"

namespace parta::directory {

class RedisPermissionCache final : public PermissionCache {
 public:
  // Lookups go through `lookups` (pipelined, no thread waits); stores and generation moves
  // through `pool`. Counts lookups by result in `registry`
  // (parta_directory_permission_cache_lookups_total{result="hit|miss|error"}).
  RedisPermissionCache(redis::Pool& pool, redis::PipelinedConnection& lookups,
                       absl::Duration answer_ttl, prometheus::Registry& registry);

  void Lookup(const std::string& school_id, const std::string& key, LookupDone done) override;
  absl::Status Store(absl::string_view school_id, int64_t generation, absl::string_view key,
                     bool allowed) override;
  absl::Status Advance(absl::string_view school_id, int64_t generation) override;

 private:
  redis::Pool& pool_;
  redis::PipelinedConnection& lookups_;
  const absl::Duration answer_ttl_;
  prometheus::Counter& hits_;
  prometheus::Counter& misses_;
  prometheus::Counter& errors_;
};

}  // namespace parta::directory
