#include "libs/pg/pool.h"

#include <utility>

#include "libs/core/log.h"
#include "libs/core/status.h"

namespace parta::pg {

absl::Status StatusFromException(const std::exception& error) {
  if (dynamic_cast<const pqxx::unique_violation*>(&error) != nullptr) {
    return AlreadyExists("DUPLICATE", "the object already exists");
  }
  if (dynamic_cast<const pqxx::serialization_failure*>(&error) != nullptr ||
      dynamic_cast<const pqxx::deadlock_detected*>(&error) != nullptr) {
    return Error(absl::StatusCode::kAborted, "CONCURRENT_UPDATE",
                 "a concurrent update conflicted; retry");
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr) {
    return Unavailable("DATABASE_UNAVAILABLE", "the database is unreachable");
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error)) {
    if (sql->sqlstate() == "57014") {
      return Error(absl::StatusCode::kDeadlineExceeded, "DATABASE_TIMEOUT",
                   "the database did not answer in time");
    }
    log::Error("database error").With("sqlstate", sql->sqlstate());
    return Internal("DATABASE_ERROR", "a database statement failed");
  }
  log::Error("database error").With("what", error.what());
  return Internal("DATABASE_ERROR", "a database operation failed");
}

Pool::Pool(Options options) : options_(std::move(options)) {}

Pool::~Pool() = default;

Pool::Lease::Lease(Pool* pool, std::unique_ptr<pqxx::connection> connection)
    : pool_(pool), connection_(std::move(connection)) {}

Pool::Lease::~Lease() {
  if (connection_) pool_->Release(std::move(connection_));
}

absl::StatusOr<Pool::Lease> Pool::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < options_.size;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&available), options_.acquire_timeout)) {
      return Unavailable("DATABASE_BUSY", "no database connection became free in time");
    }
    if (!idle_.empty()) {
      std::unique_ptr<pqxx::connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
    ++open_;  // reserve the slot, connect outside the lock
  }
  try {
    return Lease(this, std::make_unique<pqxx::connection>(options_.uri));
  } catch (const std::exception& error) {
    absl::MutexLock lock(&mu_);
    --open_;
    return Unavailable("DATABASE_UNAVAILABLE", "cannot connect to the database");
  }
}

void Pool::Release(std::unique_ptr<pqxx::connection> connection) {
  absl::MutexLock lock(&mu_);
  if (connection->is_open()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
  }
}

template <typename Tx>
absl::Status Pool::Run(const std::function<absl::Status(Tx&)>& work) {
  absl::Status last;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    absl::StatusOr<Lease> lease = Acquire();
    if (!lease.ok()) return lease.status();
    try {
      Tx tx(**lease);
      absl::Status status = work(tx);
      if (!status.ok()) {
        tx.abort();
        return status;
      }
      tx.commit();
      return absl::OkStatus();
    } catch (const std::exception& error) {
      last = StatusFromException(error);
      if (last.code() != absl::StatusCode::kAborted) return last;
    }
  }
  return last;
}

absl::Status Pool::Transact(const std::function<absl::Status(pqxx::work&)>& work) {
  return Run<pqxx::work>(work);
}

absl::Status Pool::TransactSerializable(
    const std::function<absl::Status(pqxx::transaction<pqxx::serializable>&)>& work) {
  return Run<pqxx::transaction<pqxx::serializable>>(work);
}

absl::Status Pool::Read(const std::function<absl::Status(pqxx::nontransaction&)>& work) {
  return Run<pqxx::nontransaction>(work);
}

template absl::Status Pool::Run<pqxx::work>(const std::function<absl::Status(pqxx::work&)>&);
template absl::Status Pool::Run<pqxx::nontransaction>(
    const std::function<absl::Status(pqxx::nontransaction&)>&);
template absl::Status Pool::Run<pqxx::transaction<pqxx::serializable>>(
    const std::function<absl::Status(pqxx::transaction<pqxx::serializable>&)>&);

absl::Status Pool::Ping() {
  return Transact([](pqxx::work& tx) {
    tx.exec("SELECT 1");
    return absl::OkStatus();
  });
}

}  // namespace parta::pg
