// ManualClock: a Clock that moves only when a test moves it, so timer tests never sleep.
// Thread rule: now() from any thread; advance()/set() from one thread at a time.
#pragma once

#include <atomic>

#include "reactor/core/clock.h"

namespace reactor::testing {

class ManualClock final : public Clock {
 public:
  // Starts at an arbitrary non-zero instant, so code that treats zero as "never" is caught.
  ManualClock() : ticks_(1'000'000'000) {}

  time_point now() const override {
    return time_point(duration(ticks_.load(std::memory_order_acquire)));
  }
  void advance(duration by) { ticks_.fetch_add(by.count(), std::memory_order_acq_rel); }
  void set(time_point to) {
    ticks_.store(to.time_since_epoch().count(), std::memory_order_release);
  }

 private:
  std::atomic<duration::rep> ticks_;
};

}  // namespace reactor::testing
