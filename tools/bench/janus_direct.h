#pragma once

// S9's reference: publishers joining VideoRoom rooms straight over Janus's own HTTP API, as a
// client of Janus would, driven by the benchmark's HTTP client. A join is: create a session,
// attach a VideoRoom handle, join a room as a publisher (pin and join token), publish an offer,
// and long-poll the session until Janus's answer arrives.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/janus/admin.h"
#include "tools/bench/core/http_load.h"
#include "tools/bench/core/load.h"
#include "tools/bench/janus_process.h"

namespace parta::bench {

class JanusDirect {
 public:
  // `connections` keep-alive connections to Janus's API.
  static absl::StatusOr<std::unique_ptr<JanusDirect>> Connect(const JanusProcess& janus,
                                                              int connections);
  ~JanusDirect();

  // Makes `rooms` rooms as signaling makes a call's (private, a secret and a pin, VP8 and Opus,
  // 100 publishers, joins not announced), each admitting `per_room` join tokens made now.
  absl::Status CreateRooms(int rooms, int per_room);
  // Joins participant `index` (room index / per_room) with `offer`; `done(true)` once Janus's
  // answer has arrived. Any thread.
  void Join(int index, const std::string& offer, Done done);
  // Destroys the sessions of the joins and the rooms.
  absl::Status Clear();
  // The first few failures since the rooms were made ("" when none).
  std::string Failures();

  struct Participant;

 private:
  JanusDirect() = default;
  void Post(const std::string& path, std::string json,
            std::function<void(bool ok, const std::string& body)> then);
  // Long-polls the participant's session until the event answering `transaction` (at most 30 s
  // from the first poll).
  void Poll(Participant& participant, const std::string& transaction,
            std::function<void(bool ok, const std::string& event)> then,
            absl::Time deadline = absl::InfinitePast());

  std::string api_secret_;
  std::string room_secret_;
  std::string room_pin_;
  int per_room_ = 0;
  std::unique_ptr<janus::JanusAdmin> admin_;
  std::unique_ptr<HttpLoad> http_;
  std::vector<uint64_t> rooms_;
  std::vector<std::string> tokens_;  // per participant
  std::vector<std::unique_ptr<Participant>> participants_;
  absl::Mutex mu_;
  std::vector<std::string> failures_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parta::bench
