#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/core/random.h"
#include "libs/pg/migrations.h"
#include "libs/testing/fixtures.h"
#include "libs/testing/status_matchers.h"

namespace parta::pg {
namespace {

namespace fs = std::filesystem;

struct MigrationFolder {
  fs::path path = fs::temp_directory_path() /
                  absl::StrCat("parta-migrations-", absl::BytesToHexString(RandomBytes(6)));
  MigrationFolder() { fs::create_directories(path); }
  ~MigrationFolder() { fs::remove_all(path); }
  void Write(const std::string& name, const std::string& sql) {
    std::ofstream(path / name) << sql;
  }
};

int64_t Count(Pool& pool, const std::string& sql) {
  return *pool.TransactFor<int64_t>(
      [&](pqxx::work& tx) { return tx.exec1(sql)[0].as<int64_t>(); });
}

TEST_CASE("Migrations apply once, in order, and a second run changes nothing",
          "[pg][integration]") {
  PARTA_TEST_SCHEMA(schema);
  auto pool = schema->MakePool();
  MigrationFolder folder;
  folder.Write("0001_create.sql", "CREATE TABLE notes (id integer PRIMARY KEY, body text);");
  folder.Write("0002_seed.sql", "INSERT INTO notes VALUES (1, 'первая');");

  absl::StatusOr<std::vector<Migration>> migrations = LoadMigrations(folder.path.string());
  REQUIRE_OK(migrations);
  absl::StatusOr<std::vector<int>> applied = ApplyMigrations(*pool, *migrations);
  REQUIRE_OK(applied);
  CHECK(*applied == std::vector<int>{1, 2});
  absl::StatusOr<std::vector<int>> again = ApplyMigrations(*pool, *migrations);
  REQUIRE_OK(again);
  CHECK(again->empty());
  CHECK(Count(*pool, "SELECT count(*) FROM notes") == 1);
  CHECK(Count(*pool, "SELECT count(*) FROM schema_migrations") == 2);
}

TEST_CASE("Concurrent migration runners apply each migration exactly once",
          "[pg][integration]") {
  PARTA_TEST_SCHEMA(schema);
  auto pool = schema->MakePool(4);
  MigrationFolder folder;
  folder.Write("0001_create.sql", "CREATE TABLE notes (id integer PRIMARY KEY);");
  folder.Write("0002_seed.sql", "INSERT INTO notes VALUES (1);");
  auto migrations = *LoadMigrations(folder.path.string());
  absl::StatusOr<std::vector<int>> a, b;
  std::thread first([&] { a = ApplyMigrations(*pool, migrations); });
  std::thread second([&] { b = ApplyMigrations(*pool, migrations); });
  first.join();
  second.join();
  REQUIRE_OK(a);
  REQUIRE_OK(b);
  CHECK(a->size() + b->size() == 2);
  CHECK(Count(*pool, "SELECT count(*) FROM notes") == 1);
}

TEST_CASE("A failing migration leaves nothing half-applied", "[pg][integration]") {
  PARTA_TEST_SCHEMA(schema);
  auto pool = schema->MakePool();
  MigrationFolder folder;
  folder.Write("0001_create.sql", "CREATE TABLE notes (id integer PRIMARY KEY);");
  folder.Write("0002_broken.sql", "CREATE TABLE more (id integer); SELECT no_such_column;");
  CHECK_STATUS(ApplyMigrations(*pool, *LoadMigrations(folder.path.string())),
               kFailedPrecondition, "MIGRATION_FAILED");
  CHECK(Count(*pool, "SELECT count(*) FROM schema_migrations") == 1);
  CHECK(Count(*pool, "SELECT count(*) FROM pg_tables WHERE tablename = 'more' AND "
                     "schemaname = current_schema()") == 0);
}

TEST_CASE("An applied migration that was edited is refused", "[pg][integration]") {
  PARTA_TEST_SCHEMA(schema);
  auto pool = schema->MakePool();
  MigrationFolder folder;
  folder.Write("0001_create.sql", "CREATE TABLE notes (id integer PRIMARY KEY);");
  REQUIRE_OK(ApplyMigrations(*pool, *LoadMigrations(folder.path.string())));
  folder.Write("0001_create.sql", "CREATE TABLE notes (id bigint PRIMARY KEY);");
  CHECK_STATUS(ApplyMigrations(*pool, *LoadMigrations(folder.path.string())),
               kFailedPrecondition, "MIGRATION_CHANGED");
}

TEST_CASE("A gap in migration numbers is refused before anything runs", "[pg][unit]") {
  MigrationFolder folder;
  folder.Write("0001_a.sql", "SELECT 1;");
  folder.Write("0003_c.sql", "SELECT 1;");
  CHECK_STATUS(LoadMigrations(folder.path.string()), kFailedPrecondition, "MIGRATION_GAP");
  folder.Write("01_bad.sql", "SELECT 1;");
  CHECK_STATUS(LoadMigrations(folder.path.string()), kFailedPrecondition, "BAD_MIGRATION_NAME");
  CHECK_STATUS(LoadMigrations("/nonexistent/migrations"), kFailedPrecondition,
               "MIGRATIONS_MISSING");
}

}  // namespace
}  // namespace parta::pg
