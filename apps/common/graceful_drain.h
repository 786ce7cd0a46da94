// GracefulDrain: one worker's part of a server's graceful shutdown, on its reactor's thread. Once
// begun, it looks every few milliseconds whether any of the worker's connections are left (they
// close one by one, each when its peer is done); when none are, or when the grace period has
// passed (then the rest are aborted), it reports the worker drained, once.
// Ownership: owns its two timers; the hooks' targets must outlive it. Threads: the reactor's.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>

#include "reactor/core/reactor.h"
#include "reactor/core/timer.h"

namespace app {

class GracefulDrain {
 public:
  struct Hooks {
    std::function<std::size_t()> remaining;  // connections still open
    std::function<void()> abort_rest;        // the grace period is over
    std::function<void()> drained;           // called once, at the end
  };

  GracefulDrain(reactor::Reactor& reactor, std::chrono::milliseconds grace, Hooks hooks);

  // Starts the grace period and the checks (the first at once). Once; later calls do nothing.
  void begin();
  bool begun() const { return begun_; }

 private:
  void check();
  void finish();

  reactor::Reactor& reactor_;
  std::chrono::milliseconds grace_;
  Hooks hooks_;
  bool begun_ = false;
  bool finished_ = false;
  reactor::CallbackTimer check_timer_;
  reactor::CallbackTimer grace_timer_;
};

}  // namespace app
