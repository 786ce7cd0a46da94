// ThreadStats: what the connections of one io thread measured. Only that thread writes it;
// completed_requests may be read by any thread at any time, the other members once the thread has
// finished.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "apps/bench/echo_bench/latency_histogram.h"

namespace bench {

struct alignas(64) ThreadStats {
  std::atomic<std::uint64_t> completed_requests{0};  // measured round trips only
  LatencyHistogram round_trip_ns;
  std::chrono::steady_clock::time_point last_completion{};
  std::uint64_t connect_errors = 0;
  std::uint64_t io_errors = 0;  // resets, failed writes, early end of stream
  std::uint64_t mismatch_errors = 0;
};

}  // namespace bench
