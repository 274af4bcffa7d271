#pragma once

// Follows the directory's events: the Redis stream `parta:events:directory` wakes it, the
// directory's ListEvents fills every gap (a late start, a Redis restart, trimmed entries), and a
// cursor per school stream, stored with the chats in one transaction, makes each event apply
// exactly once. One thread polls; several replicas may run it (the cursor's row lock lets one
// of them apply each event).

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "libs/pg/pool.h"
#include "libs/redis/client.h"
#include "libs/redis/streams.h"
#include "parta/directory/v1/directory.grpc.pb.h"
#include "services/messaging/roster/roster_chats.h"

namespace parta::messaging {

class DirectoryFeed {
 public:
  // A service token for the directory's internal ListEvents.
  using TokenSource = std::function<absl::StatusOr<std::string>()>;

  DirectoryFeed(pg::Pool& pool, redis::Pool& redis, std::string events_key,
                std::shared_ptr<::grpc::Channel> directory, TokenSource tokens, RosterChats& chats,
                std::function<void()> committed);
  ~DirectoryFeed();  // Stop()s.

  // Does the roster repairs a migration left (`roster_repairs`), loads the stored cursors and
  // catches every known school up (errors are logged: the directory may start later), then
  // polls on a thread of its own.
  void Start();
  void Stop();

  // One round: what Redis holds (waiting up to `block`), gaps filled from the directory.
  absl::Status Poll(absl::Duration block);

 private:
  absl::StatusOr<std::vector<Event>> CatchUp(const std::string& stream, int64_t after, int limit);
  absl::Status Apply(const Event& event);
  // Empties `roster_repairs`, one item per transaction.
  absl::Status Repair();

  pg::Pool& pool_;
  std::unique_ptr<directory::v1::DirectoryService::Stub> directory_;
  const TokenSource tokens_;
  RosterChats& chats_;
  const std::function<void()> committed_;
  redis::EventConsumer consumer_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace parta::messaging
