// TimerHandler: a one-shot or repeating timer on a Reactor's monotonic clock, like libev's
// ev::timer. Subclass it and override on_timer(), or use CallbackTimer.
//
// Ownership: the reactor does not own timers; destroying an active timer stops it, so a timer
// owned by a handler can never fire after its owner is gone. A timer remembers the reactor it was
// last started on, for restart(), until that reactor is destroyed: the reactor forgets it then.
// Order: timers due at the same instant fire in the order they were started; a timer stopped by
// an earlier timer's callback in the same tick does not fire.
// Threads: start/stop/restart only on the reactor's thread; on_timer runs there.
#pragma once

#include <cstddef>
#include <functional>

#include "reactor/core/clock.h"

namespace reactor {

class Reactor;
class TimerQueue;

class TimerHandler {
 public:
  using duration = Clock::duration;
  using time_point = Clock::time_point;

  TimerHandler(const TimerHandler&) = delete;
  TimerHandler& operator=(const TimerHandler&) = delete;
  virtual ~TimerHandler();

  // Fires after `delay` (negative counts as zero), then every `interval` if it is positive.
  // An active timer is rescheduled.
  void start(Reactor& reactor, duration delay, duration interval = duration::zero());
  // Starts again on the same reactor with the delay and interval of the last start(). Does
  // nothing if the timer was never started or its reactor has been destroyed since.
  void restart();
  void stop();

  bool active() const { return heap_index_ != kNotQueued; }
  time_point deadline() const { return deadline_; }
  duration interval() const { return interval_; }

 protected:
  TimerHandler() = default;
  virtual void on_timer() = 0;

 private:
  friend class TimerQueue;
  static constexpr std::size_t kNotQueued = static_cast<std::size_t>(-1);

  Reactor* reactor_ = nullptr;  // of the last start(), until that reactor is destroyed
  time_point deadline_{};
  duration delay_{};
  duration interval_{};
  unsigned long long sequence_ = 0;  // start order, breaks ties between equal deadlines
  std::size_t heap_index_ = kNotQueued;
  TimerHandler* prev_ = nullptr;  // the TimerQueue's list of the timers that remember its reactor
  TimerHandler* next_ = nullptr;
};

// A TimerHandler that calls a function, for owners that compose timers rather than subclass.
class CallbackTimer final : public TimerHandler {
 public:
  explicit CallbackTimer(std::function<void()> callback) : callback_(std::move(callback)) {}

 private:
  void on_timer() override { callback_(); }
  std::function<void()> callback_;
};

}  // namespace reactor
