// TimerHandle and OwnedTimers: timers the reactor owns, made by Reactor::run_after() and
// run_every() for work that belongs to no handler, as muduo's TimerId and folly's runAfterDelay.
// OwnedTimers keeps them in a slab of slots, each a TimerHandler holding its function, reused
// through a free list. A TimerHandle names one by (weak reference to the slab, slot,
// generation): a handle to a timer that fired, was cancelled, or whose reactor died finds no
// match and does nothing, so it never dangles.
// Ownership: the Reactor owns its OwnedTimers (through a shared_ptr, only so that handles can
// hold a weak reference); OwnedTimers owns the slots and their functions; a handle owns nothing,
// and destroying it does not cancel (a handler that wants its timer stopped with it uses a
// CallbackTimer member instead).
// Threads: the reactor's thread only; a handle may also be used on any thread once its reactor's
// destruction has finished.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "reactor/core/clock.h"

namespace reactor {

class OwnedTimers;
class Reactor;

// Copyable: copies name the same timer, and any of them may cancel it.
class TimerHandle {
 public:
  TimerHandle() = default;  // names no timer

  // Stops the timer and destroys its function: at once, or when the timer's own callback
  // returns if called from inside it. Does nothing if the timer has already been cancelled, a
  // one-shot timer has fired (or is firing), or the reactor is gone.
  void cancel();
  // True while the timer will still fire: not cancelled, not a one-shot that fired, reactor
  // alive.
  bool pending() const;

 private:
  friend class OwnedTimers;
  TimerHandle(std::weak_ptr<OwnedTimers> timers, std::uint32_t slot, std::uint64_t generation)
      : timers_(std::move(timers)), slot_(slot), generation_(generation) {}

  std::weak_ptr<OwnedTimers> timers_;
  std::uint32_t slot_ = 0;
  std::uint64_t generation_ = 0;
};

class OwnedTimers : public std::enable_shared_from_this<OwnedTimers> {
 public:
  explicit OwnedTimers(Reactor& reactor);
  ~OwnedTimers();  // destroys every timer unrun
  OwnedTimers(const OwnedTimers&) = delete;
  OwnedTimers& operator=(const OwnedTimers&) = delete;

  // Fires `fn` after `delay`, then every `interval` if it is positive (as TimerHandler::start).
  // Takes a free slot, or grows the slab by one if there is none.
  TimerHandle add(Clock::duration delay, Clock::duration interval, std::function<void()> fn);
  void cancel(std::uint32_t slot, std::uint64_t generation);
  bool pending(std::uint32_t slot, std::uint64_t generation) const;
  // Slots ever made, in use or free: steady use of run_after() does not grow it.
  std::size_t slab_size() const { return slots_.size(); }

 private:
  class Slot;
  void release(Slot& slot);

  Reactor& reactor_;
  std::vector<std::unique_ptr<Slot>> slots_;
  Slot* free_ = nullptr;  // free list through Slot::next_free
};

}  // namespace reactor
