#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "libs/pg/outbox.h"
#include "libs/redis/streams.h"
#include "libs/testing/fixtures.h"
#include "libs/testing/servers.h"
#include "libs/testing/status_matchers.h"

namespace parta::pg {
namespace {

constexpr char kOutboxTables[] = R"sql(
  CREATE TABLE outbox_streams (stream text PRIMARY KEY, last_sequence bigint NOT NULL);
  CREATE TABLE outbox (
    stream text NOT NULL, sequence bigint NOT NULL, event_type text NOT NULL,
    payload bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz, PRIMARY KEY (stream, sequence));
  CREATE INDEX outbox_unpublished ON outbox (stream, sequence) WHERE published_at IS NULL;
)sql";

std::unique_ptr<Pool> OutboxPool(const testing::TestSchema& schema) {
  auto pool = schema.MakePool(8);
  REQUIRE_OK(pool->Transact([](pqxx::work& tx) {
    tx.exec(kOutboxTables);
    return absl::OkStatus();
  }));
  return pool;
}

absl::Status Append(Pool& pool, const std::string& stream, const std::string& payload) {
  return pool.Transact([&](pqxx::work& tx) {
    AppendToOutbox(tx, stream, "test.Event", payload);
    return absl::OkStatus();
  });
}

TEST_CASE("Outbox sequences are per stream, gap-free across rollbacks and concurrent writers",
          "[pg][integration]") {
  PARTA_TEST_SCHEMA(schema);
  auto pool = OutboxPool(*schema);
  REQUIRE_OK(Append(*pool, "a", "1"));
  CHECK_STATUS(pool->Transact([](pqxx::work& tx) {
    AppendToOutbox(tx, "a", "test.Event", "rolled back");
    return InvalidArgument("NO", "the change failed");
  }), kInvalidArgument, "NO");
  REQUIRE_OK(Append(*pool, "b", "1"));

  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 25; ++i) CHECK(Append(*pool, "a", absl::StrCat(w, ":", i)).ok());
    });
  }
  for (std::thread& writer : writers) writer.join();

  absl::StatusOr<std::vector<Event>> a = ReadOutbox(*pool, "a", 0, 1000);
  REQUIRE_OK(a);
  REQUIRE(a->size() == 101);
  for (size_t i = 0; i < a->size(); ++i) CHECK((*a)[i].sequence == static_cast<int64_t>(i) + 1);
  CHECK((*a)[0].payload == "1");
  CHECK(ReadOutbox(*pool, "b", 0, 10)->size() == 1);
  CHECK(ReadOutbox(*pool, "a", 100, 10)->size() == 1);
}

TEST_CASE("The outbox reaches a deduplicating consumer exactly once across a Redis restart, "
          "and a late consumer catches up", "[pg][redis][integration]") {
  PARTA_TEST_SCHEMA(schema);
  auto pool = OutboxPool(*schema);
  testing::PrivateRedis server;
  redis::Pool redis_pool({.endpoint = *redis::Endpoint::Parse(server.uri()),
                          .timeout = absl::Milliseconds(500)});
  const std::string key = "parta:events:test";
  OutboxRelay relay(*pool, [&](const Event& event) {
    return redis::AppendEvent(redis_pool, key, event);
  }, /*batch_size=*/20);
  auto catch_up = [&](const std::string& stream, int64_t after, int limit) {
    return ReadOutbox(*pool, stream, after, limit);
  };

  std::vector<int64_t> delivered;
  redis::EventConsumer consumer(redis_pool, key, catch_up, [&](const Event& event) {
    delivered.push_back(event.sequence);
    return absl::OkStatus();
  });

  constexpr int kEvents = 300;
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (int i = 1; i <= kEvents; ++i) CHECK(Append(*pool, "s", absl::StrCat(i)).ok());
    writing = false;
  });
  bool restarted = false;
  for (int round = 0; round < 5000; ++round) {
    (void)relay.RelayOnce();  // fails while Redis is down; retried next round
    (void)consumer.Poll(absl::Milliseconds(5));
    if (!restarted && delivered.size() > kEvents / 3) {
      server.Kill();  // events XADDed but not yet read are lost with it
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      server.Start();
      restarted = true;
    }
    if (!writing && delivered.size() == kEvents) break;
  }
  writer.join();
  CHECK(restarted);
  REQUIRE(delivered.size() == kEvents);
  for (int i = 0; i < kEvents; ++i) CHECK(delivered[i] == i + 1);

  std::vector<int64_t> late;
  redis::EventConsumer late_consumer(redis_pool, key, catch_up, [&](const Event& event) {
    late.push_back(event.sequence);
    return absl::OkStatus();
  });
  REQUIRE_OK(late_consumer.CatchUpStream("s"));
  REQUIRE_OK(late_consumer.Poll(absl::Milliseconds(5)));  // what Redis still holds: duplicates
  CHECK(late.size() == kEvents);
  CHECK(std::set<int64_t>(late.begin(), late.end()).size() == kEvents);
}

}  // namespace
}  // namespace parta::pg
