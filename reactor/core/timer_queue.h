// TimerQueue: the Reactor's pending timers, a binary min-heap ordered by (deadline, start order).
// Each timer knows its heap index, so start, stop and restart are O(log n) and allocation-free
// once the heap has grown. A heap rather than a wheel: exact deadlines, no tick to tune, and
// cheap enough for hundreds of thousands of timers.
// It also keeps a list of every timer that remembers its reactor (started on it, not destroyed,
// not moved to another reactor), so that its destruction leaves none pointing at a dead reactor.
// Ownership: holds non-owning pointers; a timer removes itself when stopped or destroyed.
// Threads: used only on the owning reactor's thread.
#pragma once

#include <optional>
#include <vector>

#include "reactor/core/timer.h"

namespace reactor {

class TimerQueue {
 public:
  using time_point = Clock::time_point;

  TimerQueue() = default;
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;
  ~TimerQueue();  // leaves every remembered timer inactive and without a reactor

  void schedule(TimerHandler& timer, time_point deadline);
  void cancel(TimerHandler& timer);
  // Adds `timer` to, or removes it from, the timers that remember this queue's reactor.
  void remember(TimerHandler& timer);
  void forget(TimerHandler& timer);
  std::optional<time_point> next_deadline() const;
  // Fires every timer due at `now` that was started before this call; returns how many fired.
  int fire_due(time_point now);
  std::size_t size() const { return heap_.size(); }

 private:
  static bool earlier(const TimerHandler* a, const TimerHandler* b);
  void place(std::size_t index, TimerHandler* timer);
  void sift_up(std::size_t index);
  void sift_down(std::size_t index);
  void remove_at(std::size_t index);

  std::vector<TimerHandler*> heap_;
  unsigned long long next_sequence_ = 0;
  TimerHandler* remembered_ = nullptr;  // intrusive list through TimerHandler::prev_/next_
};

}  // namespace reactor
