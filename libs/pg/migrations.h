#pragma once

// Applies a service's migrations: files `NNNN_description.sql` in one folder, numbered from 0001
// without gaps, each applied once, in order, in its own transaction. An advisory lock makes
// concurrent runners (several replicas starting at once) wait for each other. A migration that
// changed after it was applied is refused: migrations are append-only.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/pg/pool.h"

namespace parta::pg {

struct Migration {
  int version = 0;
  std::string name;  // file name
  std::string sql;
};

// Reads and checks the numbering of a migrations folder.
absl::StatusOr<std::vector<Migration>> LoadMigrations(const std::string& directory);

// A service's `migrate` command: loads the folder and applies what is missing to the database at
// `pg_uri`, logging how many were applied.
absl::Status MigrateDatabase(const std::string& pg_uri, const std::string& directory);

// Applies what is not applied yet; returns the versions applied by this call.
absl::StatusOr<std::vector<int>> ApplyMigrations(Pool& pool,
                                                 const std::vector<Migration>& migrations);

}  // namespace parta::pg
