#include "libs/pg/outbox.h"

#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "libs/pg/time.h"

namespace parta::pg {
namespace {

Event EventFromRow(const pqxx::row& row) {
  pqxx::binarystring payload(row[3]);
  return Event{.stream = row[0].as<std::string>(),
               .sequence = row[1].as<int64_t>(),
               .type = row[2].as<std::string>(),
               .payload = payload.str(),
               .created_at = FromMicros(row[4].as<int64_t>())};
}

constexpr char kColumns[] = "stream, sequence, event_type, payload, " PARTA_PG_US("created_at");

}  // namespace

int64_t AppendToOutbox(pqxx::transaction_base& tx, const std::string& stream,
                       const std::string& type, const std::string& payload) {
  // The upsert locks the stream's row until commit: concurrent writers of one stream queue here,
  // so sequences follow commit order and a rollback leaves no gap.
  int64_t sequence = tx.exec_params1(
                           "INSERT INTO outbox_streams (stream, last_sequence) VALUES ($1, 1) "
                           "ON CONFLICT (stream) DO UPDATE "
                           "SET last_sequence = outbox_streams.last_sequence + 1 "
                           "RETURNING last_sequence",
                           stream)[0]
                         .as<int64_t>();
  AppendNumberedToOutbox(tx, stream, sequence, type, payload);
  return sequence;
}

void AppendNumberedToOutbox(pqxx::transaction_base& tx, const std::string& stream, int64_t sequence,
                            const std::string& type, const std::string& payload) {
  tx.exec_params(
      "INSERT INTO outbox (stream, sequence, event_type, payload) VALUES ($1, $2, $3, $4)", stream,
      sequence, type, pqxx::binarystring(payload.data(), payload.size()));
}

absl::StatusOr<std::vector<Event>> ReadOutbox(Pool& pool, const std::string& stream,
                                              int64_t after_sequence, int limit) {
  return pool.TransactFor<std::vector<Event>>([&](pqxx::work& tx) {
    pqxx::result rows = tx.exec_params(std::string("SELECT ") + kColumns +
                                           " FROM outbox WHERE stream = $1 AND sequence > $2 "
                                           "ORDER BY sequence LIMIT $3",
                                       stream, after_sequence, limit);
    std::vector<Event> events;
    for (const pqxx::row& row : rows) events.push_back(EventFromRow(row));
    return absl::StatusOr<std::vector<Event>>(std::move(events));
  });
}

OutboxRelay::OutboxRelay(Pool& pool, Publish publish, int batch_size)
    : pool_(pool), publish_(std::move(publish)), batch_size_(batch_size) {}

absl::StatusOr<int> OutboxRelay::RelayOnce() {
  absl::Status publish_error;
  absl::StatusOr<int> published = pool_.TransactFor<int>([&](pqxx::work& tx) {
    publish_error = absl::OkStatus();
    // One relay at a time across replicas, so each stream is published in sequence order.
    // Marking events published need not wait for the disk: after a crash that loses the mark,
    // they are published again, which at-least-once delivery allows.
    if (!tx.exec("SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.outbox')), "
                 "set_config('synchronous_commit', 'off', true)")[0][0]
             .as<bool>()) {
      return absl::StatusOr<int>(0);
    }
    pqxx::result rows = tx.exec_params(std::string("SELECT ") + kColumns +
                                           " FROM outbox WHERE published_at IS NULL "
                                           "ORDER BY stream, sequence LIMIT $1",
                                       batch_size_);
    // Marked published in one statement for the batch: stream names are ids and paths
    // ("chat/<uuid>"), never quotes or backslashes, so they go into array literals as they are.
    std::string streams = "{", sequences = "{";
    int count = 0;
    for (const pqxx::row& row : rows) {
      Event event = EventFromRow(row);
      publish_error = publish_(event);
      if (!publish_error.ok()) break;
      absl::StrAppend(&streams, count ? "," : "", "\"", event.stream, "\"");
      absl::StrAppend(&sequences, count ? "," : "", event.sequence);
      ++count;
    }
    if (count > 0) {
      tx.exec_params(
          "UPDATE outbox SET published_at = now() FROM unnest($1::text[], $2::bigint[]) "
          "AS p(stream, sequence) WHERE outbox.stream = p.stream AND outbox.sequence = p.sequence",
          streams + "}", sequences + "}");
    }
    return absl::StatusOr<int>(count);
  });
  if (!published.ok()) return published.status();
  if (!publish_error.ok()) return publish_error;
  return published;
}

absl::StatusOr<int64_t> OutboxRelay::Purge(absl::Duration age, const std::string& stream_prefix) {
  return pool_.TransactFor<int64_t>([&](pqxx::work& tx) {
    pqxx::result result = tx.exec_params(
        "DELETE FROM outbox WHERE published_at IS NOT NULL "
        "AND published_at < now() - $1 * interval '1 microsecond' "
        "AND starts_with(stream, $2)",
        absl::ToInt64Microseconds(age), stream_prefix);
    return absl::StatusOr<int64_t>(static_cast<int64_t>(result.affected_rows()));
  });
}

std::unique_ptr<PeriodicTask> RelayPeriodically(OutboxRelay& relay, absl::Duration interval) {
  return std::make_unique<PeriodicTask>(
      "outbox-relay", interval, [&relay, failing = false]() mutable {
        absl::StatusOr<int> published = relay.RelayOnce();
        if (published.ok() == !failing) return;
        failing = !published.ok();
        if (failing) {
          log::Warning("outbox relay paused").With("error", published.status().ToString());
        } else {
          log::Info("outbox relay resumed");
        }
      });
}

}  // namespace parta::pg
