#include "apps/bench/echo_bench/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace bench {
namespace {

// Values below 2^kSubBucketBits get a bucket each; above, every power of two is split into
// 2^(kSubBucketBits - 1) equal buckets.
constexpr int kSubBucketBits = 8;
constexpr std::size_t kHalfSubBuckets = std::size_t{1} << (kSubBucketBits - 1);
constexpr std::size_t kBucketCount = (64 - kSubBucketBits + 2) * kHalfSubBuckets;

int bit_width(std::uint64_t value) {
  return value == 0 ? 0 : 64 - __builtin_clzll(value);
}

}  // namespace

LatencyHistogram::LatencyHistogram() : buckets_(kBucketCount, 0) {}

std::size_t LatencyHistogram::bucket_of(std::uint64_t value) {
  const int shift = std::max(0, bit_width(value) - kSubBucketBits);
  return static_cast<std::size_t>(shift) * kHalfSubBuckets +
         static_cast<std::size_t>(value >> shift);
}

std::uint64_t LatencyHistogram::highest_value_in(std::size_t bucket) {
  const std::size_t shift = bucket < 2 * kHalfSubBuckets ? 0 : bucket / kHalfSubBuckets - 1;
  const std::uint64_t sub_bucket = bucket - shift * kHalfSubBuckets;
  return ((sub_bucket + 1) << shift) - 1;  // wraps to UINT64_MAX for the very last bucket
}

void LatencyHistogram::record(std::uint64_t value) {
  ++buckets_[bucket_of(value)];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += value;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBucketCount; ++i)
    buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double LatencyHistogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / count_);
}

std::uint64_t LatencyHistogram::value_at_percentile(double percentile) const {
  if (count_ == 0) return 0;
  const double clamped = std::clamp(percentile, 0.0, 100.0);
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(clamped / 100.0 * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::clamp(highest_value_in(i), min_, max_);
  }
  return max_;
}

}  // namespace bench
