#pragma once

// What every receiver of a fan-out run got: latency of each delivery from its post's scheduled
// send time, duplicates and changes that arrived early (by the client rule, chat_order.h), and
// per post when its last receiver had it. Fed on the client loop's thread; read once the loop
// has stopped.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "tools/bench/core/histogram.h"
#include "tools/loadgen/delivery/chat_order.h"

namespace parta::loadgen {

// The payload every system carries: "lg <scheduled ns> <sender> <sequence> " and Cyrillic text
// up to about 150 bytes. The sequence is the load generator's own per-group number for the
// references (Parta numbers its chats itself and sends 0).
std::string MakePayload(int64_t scheduled_ns, int sender, int64_t sequence);
struct PayloadFields {
  int64_t scheduled_ns = 0;
  int sender = 0;
  int64_t sequence = 0;
};
// Reads the fields at the front of `text`; false when it is not a load generator's payload.
bool ParsePayload(absl::string_view text, PayloadFields& fields);

class Deliveries {
 public:
  // Receiver r follows group `group_of[r]`, whose last sequence before the run is
  // `baseline[group]`.
  Deliveries(std::vector<int> group_of, std::vector<int64_t> baseline);
  // Latencies count for posts scheduled in [from_ns, until_ns); set once the receivers are
  // connected, before the first post.
  void Measure(int64_t from_ns, int64_t until_ns);

  // Receiver `receiver` got change `sequence` of his group at `now_ns`, a post of `sender`
  // (a receiver index, or negative for senders outside the audience).
  void Received(int receiver, int64_t sequence, int64_t scheduled_ns, int sender, int64_t now_ns);
  // Receiver `receiver` fetched change `sequence` from history (a gap fill).
  void Filled(int receiver, int64_t sequence);

  const ChatOrder& order(int receiver) const { return orders_[static_cast<size_t>(receiver)]; }
  int group_of(int receiver) const { return group_of_[static_cast<size_t>(receiver)]; }
  int receivers() const { return static_cast<int>(group_of_.size()); }

  // Deliveries to receivers other than the sender, of posts in the window.
  const bench::Histogram& latency() const { return latency_; }
  int64_t measured() const { return latency_.count(); }
  int64_t duplicates() const { return duplicates_; }
  int64_t held_back() const { return held_back_; }
  int64_t filled() const { return filled_; }

  // For posts in the window that every receiver of their group other than the sender got: the
  // time from the scheduled send to the last of them. `incomplete`: window posts some missed.
  bench::Histogram LastReceiverLatency(const std::vector<int>& group_sizes,
                                       int64_t& incomplete) const;

 private:
  struct Post {
    int64_t scheduled_ns = 0;
    int sender = 0;
    int receivers = 0;
    int64_t last_ns = 0;
  };
  Post& PostOf(int group, int64_t sequence);

  std::vector<int> group_of_;
  std::vector<int64_t> baseline_;
  std::atomic<int64_t> measure_from_ns_{0}, measure_until_ns_{0};
  std::vector<ChatOrder> orders_;
  std::vector<std::vector<Post>> posts_;  // per group, by sequence - baseline - 1
  bench::Histogram latency_;
  int64_t duplicates_ = 0, held_back_ = 0, filled_ = 0;
};

}  // namespace parta::loadgen
