#include <catch2/catch.hpp>

#include "tools/bench/core/histogram.h"

namespace parta::bench {
namespace {

TEST_CASE("Histogram percentiles are within 1% of the recorded values", "[bench][unit]") {
  Histogram histogram;
  for (int i = 1; i <= 10000; ++i) histogram.Record(absl::Microseconds(i * 10));
  CHECK(histogram.count() == 10000);
  auto within = [](absl::Duration got, absl::Duration want) {
    double ratio = absl::FDivDuration(got, want);
    return ratio > 0.99 && ratio < 1.01;
  };
  CHECK(within(histogram.Percentile(0.5), absl::Microseconds(50000)));
  CHECK(within(histogram.Percentile(0.99), absl::Microseconds(99000)));
  CHECK(histogram.Max() == absl::Microseconds(100000));
  Histogram other;
  other.Record(absl::Seconds(2));
  histogram.Merge(other);
  CHECK(histogram.Percentile(1.0) == absl::Seconds(2));
}

}  // namespace
}  // namespace parta::bench
