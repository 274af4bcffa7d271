#include <catch2/catch.hpp>

#include <atomic>
#include <latch>
#include <thread>

#include "libs/pg/pool.h"
#include "libs/testing/fixtures.h"
#include "libs/testing/status_matchers.h"

namespace parta::pg {
namespace {

TEST_CASE("Transact commits on OK and rolls back on an error", "[pg][integration]") {
  PARTA_TEST_SCHEMA(schema);
  auto pool = schema->MakePool();
  REQUIRE_OK(pool->Transact([](pqxx::work& tx) {
    tx.exec("CREATE TABLE items (name text PRIMARY KEY)");
    return absl::OkStatus();
  }));
  REQUIRE_OK(pool->Transact([](pqxx::work& tx) {
    tx.exec_params("INSERT INTO items VALUES ($1)", "kept");
    return absl::OkStatus();
  }));
  CHECK_STATUS(pool->Transact([](pqxx::work& tx) {
    tx.exec_params("INSERT INTO items VALUES ($1)", "rolled back");
    return InvalidArgument("NOPE", "the use case refused");
  }), kInvalidArgument, "NOPE");
  CHECK_STATUS(pool->Transact([](pqxx::work& tx) {
    tx.exec_params("INSERT INTO items VALUES ($1)", "kept");
    return absl::OkStatus();
  }), kAlreadyExists, "DUPLICATE");

  absl::StatusOr<int64_t> count = pool->TransactFor<int64_t>([](pqxx::work& tx) {
    return tx.exec1("SELECT count(*) FROM items")[0].as<int64_t>();
  });
  REQUIRE_OK(count);
  CHECK(*count == 1);
}

TEST_CASE("Serializable transactions that conflict are retried until both succeed",
          "[pg][integration]") {
  PARTA_TEST_SCHEMA(schema);
  auto pool = schema->MakePool(4);
  REQUIRE_OK(pool->Transact([](pqxx::work& tx) {
    tx.exec("CREATE TABLE counter (n integer NOT NULL); INSERT INTO counter VALUES (0)");
    return absl::OkStatus();
  }));
  std::atomic<int> attempts{0};
  // Both first attempts read before either writes, so one of them must fail and be retried.
  std::latch both_read(2);
  auto increment = [&] {
    bool first_attempt = true;
    return pool->TransactSerializable([&](pqxx::transaction<pqxx::serializable>& tx) {
      attempts.fetch_add(1);
      int n = tx.exec1("SELECT n FROM counter")[0].as<int>();
      if (first_attempt) {
        first_attempt = false;
        both_read.arrive_and_wait();
      }
      tx.exec_params("UPDATE counter SET n = $1", n + 1);
      return absl::OkStatus();
    });
  };
  absl::Status first, second;
  std::thread a([&] { first = increment(); });
  std::thread b([&] { second = increment(); });
  a.join();
  b.join();
  REQUIRE_OK(first);
  REQUIRE_OK(second);
  absl::StatusOr<int> n = pool->TransactFor<int>(
      [](pqxx::work& tx) { return tx.exec1("SELECT n FROM counter")[0].as<int>(); });
  CHECK(*n == 2);
  CHECK(attempts.load() >= 3);
}

TEST_CASE("A pool that cannot connect answers UNAVAILABLE", "[pg][unit]") {
  Pool pool({.uri = "host=/nonexistent port=1 dbname=none connect_timeout=1", .size = 1});
  CHECK_STATUS(pool.Ping(), kUnavailable, "DATABASE_UNAVAILABLE");
}

}  // namespace
}  // namespace parta::pg
