#include "libs/pg/migrations.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "libs/core/status.h"

namespace parta::pg {
namespace {

constexpr char kCreateTable[] = R"sql(
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  ))sql";

absl::Status Failed(absl::string_view reason, std::string message) {
  return Error(absl::StatusCode::kFailedPrecondition, reason, message);
}

}  // namespace

absl::StatusOr<std::vector<Migration>> LoadMigrations(const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(directory, error)) {
    return Failed("MIGRATIONS_MISSING", absl::StrCat("no migrations folder at ", directory));
  }
  std::vector<Migration> migrations;
  for (const fs::directory_entry& entry : fs::directory_iterator(directory)) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".sql") continue;
    Migration migration;
    if (name.size() < 6 || name[4] != '_' ||
        !absl::SimpleAtoi(name.substr(0, 4), &migration.version)) {
      return Failed("BAD_MIGRATION_NAME", absl::StrCat(name, " is not named NNNN_name.sql"));
    }
    std::ifstream file(entry.path());
    std::stringstream text;
    text << file.rdbuf();
    migration.name = name;
    migration.sql = text.str();
    migrations.push_back(std::move(migration));
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return Failed("MIGRATION_GAP", absl::StrCat("migration ", i + 1, " is missing or doubled"));
    }
  }
  return migrations;
}

absl::StatusOr<std::vector<int>> ApplyMigrations(Pool& pool,
                                                 const std::vector<Migration>& migrations) {
  ASSIGN_OR_RETURN(Pool::Lease lease, pool.Acquire());
  std::vector<int> applied;
  try {
    pqxx::nontransaction session(*lease);
    // Session-level lock, keyed by schema, held until every migration is in.
    session.exec("SELECT pg_advisory_lock(hashtext(current_schema() || '.schema_migrations'))");
    absl::Status status = [&]() -> absl::Status {
      session.exec(kCreateTable);
      for (const Migration& migration : migrations) {
        pqxx::row checksum = session.exec_params1("SELECT md5($1)", migration.sql);
        pqxx::result existing = session.exec_params(
            "SELECT checksum FROM schema_migrations WHERE version = $1", migration.version);
        if (!existing.empty()) {
          if (existing[0][0].as<std::string>() != checksum[0].as<std::string>()) {
            return Failed("MIGRATION_CHANGED",
                          absl::StrCat(migration.name, " changed after it was applied"));
          }
          continue;
        }
        session.exec("BEGIN");
        try {
          session.exec(migration.sql);
          session.exec_params(
              "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
              migration.version, migration.name, checksum[0].as<std::string>());
          session.exec("COMMIT");
        } catch (...) {
          session.exec("ROLLBACK");
          throw;
        }
        log::Info("migration applied").With("migration", migration.name);
        applied.push_back(migration.version);
      }
      return absl::OkStatus();
    }();
    session.exec("SELECT pg_advisory_unlock(hashtext(current_schema() || '.schema_migrations'))");
    RETURN_IF_ERROR(status);
  } catch (const pqxx::sql_error& error) {
    lease->disconnect();  // never return a connection that may still hold the lock
    log::Error("migration failed").With("sqlstate", error.sqlstate()).With("what", error.what());
    return Failed("MIGRATION_FAILED", absl::StrCat("a migration failed: ", error.what()));
  } catch (const std::exception& error) {
    lease->disconnect();
    return StatusFromException(error);
  }
  return applied;
}

absl::Status MigrateDatabase(const std::string& pg_uri, const std::string& directory) {
  Pool pool({.uri = pg_uri, .size = 1});
  ASSIGN_OR_RETURN(std::vector<Migration> migrations, LoadMigrations(directory));
  ASSIGN_OR_RETURN(std::vector<int> applied, ApplyMigrations(pool, migrations));
  log::Info("migrations done")
      .With("applied", static_cast<int64_t>(applied.size()))
      .With("total", static_cast<int64_t>(migrations.size()));
  return absl::OkStatus();
}

}  // namespace parta::pg
