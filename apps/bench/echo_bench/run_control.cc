#include "apps/bench/echo_bench/run_control.h"

#include <algorithm>

namespace bench {

RunControl::RunControl(std::int64_t request_budget)
    : has_request_budget_(request_budget > 0), remaining_requests_(request_budget) {}

int RunControl::claim_requests(int wanted) {
  std::int64_t remaining = remaining_requests_.load(std::memory_order_relaxed);
  std::int64_t taken = 0;
  do {
    taken = std::min<std::int64_t>(wanted, remaining);
    if (taken <= 0) return 0;
  } while (!remaining_requests_.compare_exchange_weak(remaining, remaining - taken,
                                                      std::memory_order_relaxed));
  return static_cast<int>(taken);
}

}  // namespace bench
