// LatencyHistogram: a log-linear histogram of durations in nanoseconds. Every uint64 value fits,
// each bucket spans at most 1/128 of its values, and the buckets are allocated once, so recording
// is O(1) and never allocates. Not thread-safe: keep one per thread and merge() them afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bench {

class LatencyHistogram {
 public:
  LatencyHistogram();

  void record(std::uint64_t value);
  void merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double mean() const;

  // The smallest value v such that at least `percentile` % of the recorded values are <= v, to
  // the bucket precision (rounded up within the bucket, never above max()). 0 when empty.
  std::uint64_t value_at_percentile(double percentile) const;

 private:
  static std::size_t bucket_of(std::uint64_t value);
  static std::uint64_t highest_value_in(std::size_t bucket);

  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace bench
