#include "services/messaging/roster/directory_feed.h"

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "libs/grpc/client.h"
#include "libs/grpc/status.h"

namespace parta::messaging {
namespace {

constexpr absl::string_view kSchoolPrefix = "school/";

}  // namespace

DirectoryFeed::DirectoryFeed(pg::Pool& pool, redis::Pool& redis, std::string events_key,
                             std::shared_ptr<::grpc::Channel> directory, TokenSource tokens,
                             RosterChats& chats, std::function<void()> committed)
    : pool_(pool),
      directory_(directory::v1::DirectoryService::NewStub(std::move(directory))),
      tokens_(std::move(tokens)),
      chats_(chats),
      committed_(std::move(committed)),
      consumer_(
          redis, std::move(events_key),
          [this](const std::string& stream, int64_t after, int limit) {
            return CatchUp(stream, after, limit);
          },
          [this](const Event& event) { return Apply(event); }) {}

DirectoryFeed::~DirectoryFeed() { Stop(); }

void DirectoryFeed::Start() {
  if (absl::Status repaired = Repair(); !repaired.ok()) {
    log::Warning("roster repairs not finished; retried at the next start")
        .With("error", repaired.ToString());
  }
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> cursors =
      pool_.ReadFor<std::vector<std::pair<std::string, int64_t>>>(
          [](pqxx::nontransaction& tx)
              -> absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> {
            std::vector<std::pair<std::string, int64_t>> cursors;
            for (const pqxx::row& row : tx.exec("SELECT stream, sequence FROM directory_cursors")) {
              cursors.emplace_back(row[0].as<std::string>(), row[1].as<int64_t>());
            }
            return cursors;
          });
  if (cursors.ok()) {
    for (const auto& [stream, sequence] : *cursors) consumer_.SetCursor(stream, sequence);
    for (const auto& [stream, sequence] : *cursors) {
      if (absl::Status caught_up = consumer_.CatchUpStream(stream); !caught_up.ok()) {
        log::Warning("directory catch-up failed; retried on the next gap")
            .With("stream", stream)
            .With("error", caught_up.ToString());
        break;
      }
    }
  } else {
    log::Warning("directory cursors not loaded").With("error", cursors.status().ToString());
  }
  thread_ = std::thread([this] {
    bool failing = false;
    while (!stopping_.load()) {
      absl::Status polled = Poll(absl::Milliseconds(500));
      if (polled.ok() == !failing) {
        if (!polled.ok()) absl::SleepFor(absl::Milliseconds(500));
        continue;
      }
      failing = !polled.ok();
      if (failing) {
        log::Warning("directory feed paused").With("error", polled.ToString());
        absl::SleepFor(absl::Milliseconds(500));
      } else {
        log::Info("directory feed resumed");
      }
    }
  });
}

void DirectoryFeed::Stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

absl::Status DirectoryFeed::Poll(absl::Duration block) { return consumer_.Poll(block); }

absl::Status DirectoryFeed::Repair() {
  while (true) {
    bool found = false;
    RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
      // Replicas starting together share the work.
      pqxx::result item = tx.exec(
          "SELECT kind, id::text FROM roster_repairs ORDER BY kind, id LIMIT 1 "
          "FOR UPDATE SKIP LOCKED");
      found = !item.empty();
      if (!found) return absl::OkStatus();
      const std::string kind = item[0][0].as<std::string>();
      const std::string id = item[0][1].as<std::string>();
      chats_.Repair(tx, kind, id);
      tx.exec_params("DELETE FROM roster_repairs WHERE kind = $1 AND id = $2", kind, id);
      return absl::OkStatus();
    }));
    if (!found) return absl::OkStatus();
    committed_();
  }
}

absl::StatusOr<std::vector<Event>> DirectoryFeed::CatchUp(const std::string& stream, int64_t after,
                                                          int limit) {
  if (!absl::StartsWith(stream, kSchoolPrefix)) return std::vector<Event>{};
  ASSIGN_OR_RETURN(std::string token, tokens_());
  directory::v1::ListEventsRequest request;
  request.set_school_id(stream.substr(kSchoolPrefix.size()));
  request.set_after_sequence(after);
  request.set_page_size(std::min(limit, 1000));
  directory::v1::ListEventsResponse response;
  auto context = grpc::MakeClientContext({.timeout = absl::Seconds(10), .bearer_token = token});
  RETURN_IF_ERROR(grpc::FromGrpcStatus(directory_->ListEvents(context.get(), request, &response)));
  std::vector<Event> events;
  for (const directory::v1::StreamedEvent& streamed : response.events()) {
    events.push_back(Event{.stream = stream,
                           .sequence = streamed.sequence(),
                           .type = streamed.event().GetTypeName(),
                           .payload = streamed.event().SerializeAsString()});
  }
  return events;
}

absl::Status DirectoryFeed::Apply(const Event& event) {
  if (!absl::StartsWith(event.stream, kSchoolPrefix)) return absl::OkStatus();
  directory::v1::DirectoryEvent parsed;
  if (!parsed.ParseFromString(event.payload)) {
    log::Error("a directory event does not parse; skipped")
        .With("stream", event.stream)
        .With("sequence", event.sequence);
    return absl::OkStatus();
  }
  bool applied = false;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    applied = false;
    pqxx::result cursor = tx.exec_params(
        "INSERT INTO directory_cursors (stream, sequence) VALUES ($1, 0) "
        "ON CONFLICT (stream) DO UPDATE SET sequence = directory_cursors.sequence "
        "RETURNING sequence",
        event.stream);
    if (cursor[0][0].as<int64_t>() >= event.sequence) return absl::OkStatus();  // applied before
    RETURN_IF_ERROR(chats_.Apply(tx, parsed));
    tx.exec_params("UPDATE directory_cursors SET sequence = $2 WHERE stream = $1", event.stream,
                   event.sequence);
    applied = true;
    return absl::OkStatus();
  }));
  if (applied) committed_();
  return absl::OkStatus();
}

}  // namespace parta::messaging
