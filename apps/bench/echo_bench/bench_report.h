// BenchResult: the merged outcome of an echo_bench run, and its two renderings: a summary for
// people and a single "JSON {...}" line for scripts. Plain value.
#pragma once

#include <cstdint>
#include <string>

#include "apps/bench/echo_bench/bench_options.h"
#include "apps/bench/echo_bench/latency_histogram.h"

namespace bench {

struct BenchResult {
  std::uint64_t requests = 0;  // measured round trips
  double elapsed_s = 0;        // measured time
  LatencyHistogram round_trip_ns;
  std::uint64_t connect_errors = 0;
  std::uint64_t io_errors = 0;
  std::uint64_t mismatch_errors = 0;

  std::uint64_t errors() const { return connect_errors + io_errors + mismatch_errors; }
};

// Several lines, each ending in '\n'.
std::string format_summary(const BenchOptions& options, const BenchResult& result);
// "JSON " followed by one JSON object, ending in '\n'.
std::string format_json_line(const BenchOptions& options, const BenchResult& result);

}  // namespace bench
