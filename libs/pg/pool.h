#pragma once

// A bounded pool of libpqxx connections and the transaction helper every adapter uses. Library
// exceptions never leave this layer: they become absl::Status (see StatusFromException).

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace parta::pg {

// Maps a libpqxx or standard exception to a status:
// unique_violation → ALREADY_EXISTS, serialization failure or deadlock → ABORTED,
// broken connection → UNAVAILABLE, statement timeout → DEADLINE_EXCEEDED, others → INTERNAL.
absl::Status StatusFromException(const std::exception& error);

class Pool {
 public:
  struct Options {
    std::string uri;
    size_t size = 8;
    absl::Duration acquire_timeout = absl::Seconds(5);
    int max_attempts = 5;  // for serialization failures and deadlocks
  };

  explicit Pool(Options options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A connection on loan; it goes back to the pool when destroyed unless it broke.
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<pqxx::connection> connection);
    Lease(Lease&&) = default;
    ~Lease();
    pqxx::connection& operator*() { return *connection_; }
    pqxx::connection* operator->() { return connection_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<pqxx::connection> connection_;
  };

  // A connection within `acquire_timeout`; UNAVAILABLE otherwise.
  absl::StatusOr<Lease> Acquire();

  // Runs `work` in a read-committed transaction (or SERIALIZABLE with `serializable`) and
  // commits when it returns OK; rolls back otherwise. Serialization failures and deadlocks are
  // retried with the whole `work`, which must therefore have no side effects outside the
  // transaction.
  absl::Status Transact(const std::function<absl::Status(pqxx::work&)>& work);
  absl::Status TransactSerializable(
      const std::function<absl::Status(pqxx::transaction<pqxx::serializable>&)>& work);

  // Like Transact, for work that returns a value: `work` is callable as
  // absl::StatusOr<T>(Tx&).
  template <typename T, typename Tx = pqxx::work, typename Work>
  absl::StatusOr<T> TransactFor(Work&& work);

  // Runs `work` without a transaction block: each statement commits on its own. For reads that
  // need one consistent statement (or none), it saves the BEGIN and COMMIT round trips.
  absl::Status Read(const std::function<absl::Status(pqxx::nontransaction&)>& work);
  template <typename T, typename Work>
  absl::StatusOr<T> ReadFor(Work&& work) {
    return TransactFor<T, pqxx::nontransaction>(std::forward<Work>(work));
  }

  // Checks that the server answers.
  absl::Status Ping();

 private:
  template <typename Tx>
  absl::Status Run(const std::function<absl::Status(Tx&)>& work);
  void Release(std::unique_ptr<pqxx::connection> connection);

  const Options options_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  size_t open_ ABSL_GUARDED_BY(mu_) = 0;
};

template <typename T, typename Tx, typename Work>
absl::StatusOr<T> Pool::TransactFor(Work&& work) {
  std::optional<absl::StatusOr<T>> result;
  absl::Status status = Run<Tx>([&](Tx& tx) -> absl::Status {
    result = absl::StatusOr<T>(work(tx));
    return result->status();
  });
  if (!status.ok()) return status;
  return *std::move(result);
}

}  // namespace parta::pg
