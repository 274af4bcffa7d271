#include "tools/bench/core/histogram.h"

#include <algorithm>
#include <bit>

namespace parta::bench {

int Histogram::Index(int64_t micros) {
  if (micros < kSubBuckets) return static_cast<int>(std::max<int64_t>(0, micros));
  int power = std::bit_width(static_cast<uint64_t>(micros)) - 8;  // micros >> power in [128, 256)
  int sub = static_cast<int>(micros >> power) - kSubBuckets;      // 0..127
  return std::min((power + 1) * kSubBuckets + sub, kSubBuckets * kPowers - 1);
}

int64_t Histogram::UpperMicros(int index) {
  if (index < kSubBuckets) return index;
  int power = index / kSubBuckets - 1;
  int sub = index % kSubBuckets;
  return (static_cast<int64_t>(kSubBuckets + sub + 1) << power) - 1;
}

void Histogram::Record(absl::Duration latency) {
  ++buckets_[Index(absl::ToInt64Microseconds(latency))];
  ++count_;
  sum_ += latency;
  max_ = std::max(max_, latency);
}

void Histogram::Merge(const Histogram& other) {
  for (size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

absl::Duration Histogram::Percentile(double quantile) const {
  if (count_ == 0) return absl::ZeroDuration();
  int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(quantile * count_ + 0.5));
  int64_t seen = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::min(absl::Microseconds(UpperMicros(i)), max_);
  }
  return max_;
}

absl::Duration Histogram::Mean() const { return count_ == 0 ? absl::ZeroDuration() : sum_ / count_; }

}  // namespace parta::bench
