#pragma once

// A real gRPC server on 127.0.0.1:0 for gateway tests: parta.testing.v1.TranscodingTestService
// answers with what it received (fields and metadata), so tests can see the mapping;
// parta.events.v1.SubscriptionService lists the backend's own room channel (`room()`, unique per
// backend, so that tests sharing a Redis do not hear each other) for every caller, one channel
// per page whatever the page size asked, so the gateway must walk the pages; and
// parta.events.v1.ClientSignalService records typing frames (chat "forbidden" is refused).

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#include <grpcpp/grpcpp.h>

namespace parta::gateway::testing {

class TranscodingBackend {
 public:
  TranscodingBackend();
  ~TranscodingBackend();
  int port() const { return port_; }
  const std::string& room() const { return room_; }
  // Chat ids of the typing frames received so far.
  std::vector<std::string> typing() const;
  // Whether ListMySubscriptions lists the room (it does at first).
  void ListRoom(bool listed);
  // ListMySubscriptions lists `count` more channels after the room (none at first), each on a
  // page of its own: ExtraChannel(1) … ExtraChannel(count).
  void ListExtraChannels(int count);
  std::string ExtraChannel(int n) const { return room_ + ":extra:" + std::to_string(n); }
  // While held, ListMySubscriptions calls wait (answering what was true when they came);
  // WaitForHeldListing: until one waits, false after `timeout`.
  void HoldListings(bool hold);
  bool WaitForHeldListing(absl::Duration timeout);

 private:
  class Service;
  class Subscriptions;
  class Signals;
  std::unique_ptr<Service> service_;
  std::unique_ptr<Subscriptions> subscriptions_;
  std::unique_ptr<Signals> signals_;
  std::unique_ptr<::grpc::Server> server_;
  int port_ = 0;
  std::string room_;
};

}  // namespace parta::gateway::testing
