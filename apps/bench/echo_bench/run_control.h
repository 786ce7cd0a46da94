// RunControl: the phase of an echo_bench run and its request budget, shared by the main thread
// (which moves the phase forward) and the io threads (whose connections read the phase and claim
// budget). Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>

namespace bench {

enum class Phase { kWarmup, kMeasure, kStop };

class RunControl {
 public:
  // request_budget > 0: the run ends after that many measured requests; 0: it runs until kStop.
  explicit RunControl(std::int64_t request_budget);

  Phase phase() const { return phase_.load(std::memory_order_acquire); }
  void set_phase(Phase phase) { phase_.store(phase, std::memory_order_release); }

  bool has_request_budget() const { return has_request_budget_; }

  // Takes up to `wanted` requests from the budget and returns how many it took (0 when spent).
  int claim_requests(int wanted);

 private:
  const bool has_request_budget_;
  std::atomic<Phase> phase_{Phase::kWarmup};
  std::atomic<std::int64_t> remaining_requests_;
};

}  // namespace bench
