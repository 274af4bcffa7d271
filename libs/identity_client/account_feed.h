#pragma once

// Follows identity's account events (locks, closures, erasures): the stream "accounts" carried
// on the Redis stream `parta:events:identity` wakes it, identity's ListAccountEvents fills every
// gap (a late start, a Redis restart, trimmed entries). The service applies each event in its
// own transaction together with its cursor (libs/pg/event_cursor.h), so an event applies once
// however often it arrives. One thread polls; several replicas may run it.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "libs/redis/client.h"
#include "libs/redis/streams.h"
#include "parta/identity/v1/identity.grpc.pb.h"

namespace parta::identity_client {

// The name of identity's account event stream, and where a consumer keeps its cursor of it.
inline constexpr char kAccountsStream[] = "accounts";
inline constexpr char kAccountsCursor[] = "identity/accounts";

class AccountFeed {
 public:
  // A service token with the scope identity.events.read.
  using TokenSource = std::function<absl::StatusOr<std::string>()>;
  // Applies the event numbered `sequence` (and moves the cursor) in one transaction; OK for an
  // event applied before. An error stops delivery; the event comes again on the next poll.
  using Handler = std::function<absl::Status(int64_t sequence,
                                             const identity::v1::AccountEvent& event)>;

  AccountFeed(redis::Pool& redis, std::string events_key,
              std::shared_ptr<::grpc::Channel> identity, TokenSource tokens, Handler handler);
  ~AccountFeed();  // Stop()s.

  // Starts after `cursor` (the last sequence the service applied): on a thread of its own,
  // catches up (errors are logged: identity may start later), then polls.
  void Start(int64_t cursor);
  void Stop();

  // One round: what Redis holds (waiting up to `block`), gaps filled from identity.
  absl::Status Poll(absl::Duration block);

 private:
  absl::StatusOr<std::vector<Event>> CatchUp(const std::string& stream, int64_t after, int limit);
  absl::Status Apply(const Event& event);

  std::unique_ptr<identity::v1::IdentityService::Stub> identity_;
  const TokenSource tokens_;
  const Handler handler_;
  redis::EventConsumer consumer_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace parta::identity_client
