#pragma once

// Statements of hot paths as prepared statements of their connection: planned once per
// connection instead of on every call, which for short statements costs more than running them.

#include <pqxx/pqxx>
#include <string>
#include <utility>

namespace parta::pg {

// Runs `sql` under `name` (unique per statement text in the service), preparing it on the
// transaction's connection the first time.
template <typename... Args>
pqxx::result ExecPrepared(pqxx::transaction_base& tx, const std::string& name,
                          const std::string& sql, Args&&... args) {
  tx.conn().prepare(name, sql);
  return tx.exec_prepared(name, std::forward<Args>(args)...);
}

}  // namespace parta::pg
