#include "tools/loadgen/delivery/deliveries.h"

#include <catch2/catch.hpp>

namespace parta::loadgen {
namespace {

constexpr int64_t kMs = 1'000'000;

TEST_CASE("A payload carries its schedule, sender and sequence in about 150 bytes",
          "[loadgen][unit]") {
  const std::string payload = MakePayload(1'700'000'000'123'456'789, 42, 7);
  CHECK(payload.size() > 120);
  CHECK(payload.size() < 180);
  PayloadFields fields;
  REQUIRE(ParsePayload(payload + "\"}}}", fields));  // as it sits inside an event's JSON
  CHECK(fields.scheduled_ns == 1'700'000'000'123'456'789);
  CHECK(fields.sender == 42);
  CHECK(fields.sequence == 7);
  CHECK(ParsePayload(MakePayload(5, -3, 0), fields));
  CHECK(fields.sender == -3);
  CHECK_FALSE(ParsePayload("hello", fields));
  CHECK_FALSE(ParsePayload("lg x 1 2 text", fields));
}

TEST_CASE("Deliveries count latency to others only, within the window", "[loadgen][unit]") {
  // Two groups of two receivers: 0, 1 follow group 0 (last sequence 5), 2, 3 group 1 (none).
  Deliveries deliveries({0, 0, 1, 1}, {5, 0});
  deliveries.Measure(100 * kMs, 200 * kMs);
  deliveries.Received(0, 6, 100 * kMs, 0, 103 * kMs);  // the sender's own echo
  deliveries.Received(1, 6, 100 * kMs, 0, 110 * kMs);  // 10 ms
  deliveries.Received(2, 1, 50 * kMs, 2, 60 * kMs);    // before the window
  deliveries.Received(3, 1, 50 * kMs, 2, 60 * kMs);
  deliveries.Received(1, 5, 90 * kMs, 0, 95 * kMs);  // before the run: ignored
  CHECK(deliveries.measured() == 1);
  CHECK(deliveries.latency().Percentile(0.5) >= absl::Microseconds(9900));
  CHECK(deliveries.order(0).applied() == 6);
  CHECK(deliveries.order(1).applied() == 6);
  CHECK(deliveries.order(3).applied() == 1);
  CHECK(deliveries.duplicates() == 0);
}

TEST_CASE("Duplicates and early changes are counted, gaps filled from history", "[loadgen][unit]") {
  Deliveries deliveries({0, 0}, {0});
  deliveries.Measure(0, 1000 * kMs);
  deliveries.Received(1, 1, 10 * kMs, 0, 11 * kMs);
  deliveries.Received(1, 1, 10 * kMs, 0, 12 * kMs);  // at least once: seen again
  deliveries.Received(1, 3, 30 * kMs, 0, 31 * kMs);  // 2 is missing
  CHECK(deliveries.duplicates() == 1);
  CHECK(deliveries.held_back() == 1);
  CHECK(deliveries.order(1).FirstMissing() == 2);
  deliveries.Filled(1, 2);
  deliveries.Filled(1, 3);  // already held: not counted twice
  CHECK(deliveries.filled() == 1);
  CHECK(deliveries.order(1).applied() == 3);
}

TEST_CASE("The last receiver's time is per post, and a post someone missed is incomplete",
          "[loadgen][unit]") {
  // Three subscribers of one channel; posts come from outside (sender -1).
  Deliveries deliveries({0, 0, 0}, {0});
  deliveries.Measure(0, 1000 * kMs);
  for (int r = 0; r < 3; ++r) deliveries.Received(r, 1, 100 * kMs, -1, (101 + 10 * r) * kMs);
  deliveries.Received(0, 2, 200 * kMs, -1, 205 * kMs);
  deliveries.Received(1, 2, 200 * kMs, -1, 206 * kMs);  // subscriber 2 never gets post 2
  int64_t incomplete = 0;
  const bench::Histogram last = deliveries.LastReceiverLatency({3}, incomplete);
  CHECK(incomplete == 1);
  REQUIRE(last.count() == 1);
  CHECK(last.Max() >= absl::Microseconds(20800));
  CHECK(last.Max() <= absl::Microseconds(21300));
}

}  // namespace
}  // namespace parta::loadgen
