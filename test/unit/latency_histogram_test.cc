// echo_bench's LatencyHistogram: exact small values, bounded relative error, percentiles, merge.
#include "apps/bench/echo_bench/latency_histogram.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace bench {
namespace {

TEST(LatencyHistogramTest, EmptyReportsZeros) {
  const LatencyHistogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.min(), 0u);
  EXPECT_EQ(histogram.max(), 0u);
  EXPECT_EQ(histogram.mean(), 0.0);
  EXPECT_EQ(histogram.value_at_percentile(50), 0u);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram histogram;
  for (std::uint64_t value = 1; value <= 200; ++value)
    histogram.record(value);
  EXPECT_EQ(histogram.count(), 200u);
  EXPECT_EQ(histogram.min(), 1u);
  EXPECT_EQ(histogram.max(), 200u);
  EXPECT_DOUBLE_EQ(histogram.mean(), 100.5);
  EXPECT_EQ(histogram.value_at_percentile(0), 1u);
  EXPECT_EQ(histogram.value_at_percentile(50), 100u);
  EXPECT_EQ(histogram.value_at_percentile(99), 198u);
  EXPECT_EQ(histogram.value_at_percentile(100), 200u);
}

TEST(LatencyHistogramTest, LargeValuesStayWithinOneBucketOfPrecision) {
  for (const std::uint64_t value : {300ULL, 12345ULL, 1000000ULL, 987654321ULL, 1ULL << 40}) {
    LatencyHistogram histogram;
    histogram.record(value);
    histogram.record(value * 3);  // keeps max() from hiding the bucket's upper bound
    const std::uint64_t reported = histogram.value_at_percentile(50);
    EXPECT_GE(reported, value);
    EXPECT_LE(reported, value + value / 128) << value;
  }
}

TEST(LatencyHistogramTest, PercentilesOfAUniformSpread) {
  LatencyHistogram histogram;
  for (std::uint64_t value = 1; value <= 100000; ++value)
    histogram.record(value);
  for (const double percentile : {50.0, 90.0, 99.0, 99.9}) {
    const double expected = percentile * 1000;
    EXPECT_NEAR(static_cast<double>(histogram.value_at_percentile(percentile)), expected,
                expected / 100)
        << percentile;
  }
  EXPECT_EQ(histogram.value_at_percentile(100), 100000u);
}

TEST(LatencyHistogramTest, HoldsTheLargestValue) {
  LatencyHistogram histogram;
  histogram.record(UINT64_MAX);
  histogram.record(0);
  EXPECT_EQ(histogram.min(), 0u);
  EXPECT_EQ(histogram.max(), UINT64_MAX);
  EXPECT_EQ(histogram.value_at_percentile(50), 0u);
  EXPECT_EQ(histogram.value_at_percentile(100), UINT64_MAX);
}

TEST(LatencyHistogramTest, MergeAddsCountsAndKeepsExtremes) {
  LatencyHistogram low;
  LatencyHistogram high;
  for (int i = 0; i < 3; ++i)
    low.record(10);
  high.record(5000);
  low.merge(high);
  EXPECT_EQ(low.count(), 4u);
  EXPECT_EQ(low.min(), 10u);
  EXPECT_EQ(low.max(), 5000u);
  EXPECT_EQ(low.value_at_percentile(75), 10u);
  EXPECT_EQ(low.value_at_percentile(100), 5000u);
  EXPECT_DOUBLE_EQ(low.mean(), (3 * 10 + 5000) / 4.0);
}

TEST(LatencyHistogramTest, MergingAnEmptyHistogramChangesNothing) {
  LatencyHistogram histogram;
  histogram.record(42);
  histogram.merge(LatencyHistogram());
  EXPECT_EQ(histogram.count(), 1u);
  EXPECT_EQ(histogram.min(), 42u);
  EXPECT_EQ(histogram.max(), 42u);
}

}  // namespace
}  // namespace bench
