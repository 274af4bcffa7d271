#pragma once

// Latency histogram with about 1% resolution from 1 µs to 100 s (log-linear buckets, like
// HdrHistogram with two significant digits). Not thread-safe: one per thread, then Merge.

#include <array>
#include <cstdint>

#include "absl/time/time.h"

namespace parta::bench {

class Histogram {
 public:
  void Record(absl::Duration latency);
  void Merge(const Histogram& other);

  int64_t count() const { return count_; }
  // The latency below which `quantile` (0..1) of the samples fall.
  absl::Duration Percentile(double quantile) const;
  absl::Duration Max() const { return max_; }
  absl::Duration Mean() const;

 private:
  static constexpr int kSubBuckets = 128;  // per power of two
  static constexpr int kPowers = 28;       // 2^27 µs ≈ 134 s
  static int Index(int64_t micros);
  static int64_t UpperMicros(int index);

  std::array<int64_t, kSubBuckets * kPowers> buckets_{};
  int64_t count_ = 0;
  absl::Duration sum_;
  absl::Duration max_;
};

}  // namespace parta::bench
