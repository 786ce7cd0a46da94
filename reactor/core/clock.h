// Clock: the Reactor's source of monotonic time, injectable so tests control time without sleeps.
// Thread rule: now() may be called from any thread.
#pragma once

#include <chrono>

namespace reactor {

class Clock {
 public:
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<std::chrono::steady_clock, duration>;

  virtual ~Clock() = default;
  virtual time_point now() const = 0;
};

// The default clock: std::chrono::steady_clock, immune to wall-clock steps.
class SteadyClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
  static const SteadyClock& instance();
};

}  // namespace reactor
