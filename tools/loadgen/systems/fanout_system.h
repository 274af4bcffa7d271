#pragma once

// A system a fan-out run drives: Parta through its gateway, or a reference (raw Redis pub/sub,
// Mosquitto). The audience is `groups` × `members` receivers, receiver r = group × members +
// member, each on a connection of its own following his group (a chat, a channel, a topic).

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/loadgen/delivery/deliveries.h"

namespace parta::loadgen {

class FanoutSystem {
 public:
  virtual ~FanoutSystem() = default;

  virtual std::string Name() const = 0;
  // The last sequence of each group before the run (the references number from 0).
  virtual absl::StatusOr<std::vector<int64_t>> Baselines() = 0;
  // Opens every receiver's connection, feeding `deliveries`, and waits until each follows his
  // group; then the run starts.
  virtual absl::Status Connect(Deliveries& deliveries) = 0;
  // Posts in `group` as `sender` (a receiver index, or negative: a sender outside the audience)
  // a post scheduled at `scheduled_ns`. `acked` gets the post's sequence in its group, or -1
  // when the system refused or failed; from any thread.
  virtual void Send(int group, int sender, int64_t scheduled_ns,
                    std::function<void(int64_t sequence)> acked) = 0;
  // The group's changes after `after`, as receiver `receiver` fetches them from history to fill
  // a gap; nullopt for a system that keeps no history.
  virtual std::optional<std::vector<int64_t>> History(int receiver, int64_t after) = 0;
  // Closes every receiver's connection (the loop has stopped feeding `deliveries` on return).
  virtual void Disconnect() = 0;
  // Why posts failed since the last call ("HTTP 503 SHUTTING_DOWN × 3; …"); empty when none.
  virtual std::string TakeFailures() { return ""; }

  // The processes whose CPU is the system's (system-wide helpers such as Postgres are named
  // by command), and the one holding the receivers' connections (memory per connection).
  virtual std::vector<pid_t> Processes() const = 0;
  virtual std::vector<std::string> SharedCommands() const { return {}; }
  virtual pid_t ConnectionHolder() const = 0;
};

}  // namespace parta::loadgen
