#include "reactor/core/timer_queue.h"

namespace reactor {

TimerQueue::~TimerQueue() {
  // Every queued timer is in the list, so this covers the heap too.
  while (remembered_ != nullptr) {
    TimerHandler* timer = remembered_;
    remembered_ = timer->next_;
    timer->heap_index_ = TimerHandler::kNotQueued;
    timer->reactor_ = nullptr;
    timer->prev_ = timer->next_ = nullptr;
  }
}

void TimerQueue::remember(TimerHandler& timer) {
  timer.prev_ = nullptr;
  timer.next_ = remembered_;
  if (remembered_ != nullptr) remembered_->prev_ = &timer;
  remembered_ = &timer;
}

void TimerQueue::forget(TimerHandler& timer) {
  if (timer.prev_ != nullptr) {
    timer.prev_->next_ = timer.next_;
  } else {
    remembered_ = timer.next_;
  }
  if (timer.next_ != nullptr) timer.next_->prev_ = timer.prev_;
  timer.prev_ = timer.next_ = nullptr;
}

void TimerQueue::schedule(TimerHandler& timer, time_point deadline) {
  if (timer.active()) remove_at(timer.heap_index_);
  timer.deadline_ = deadline;
  timer.sequence_ = next_sequence_++;
  heap_.push_back(&timer);
  timer.heap_index_ = heap_.size() - 1;
  sift_up(timer.heap_index_);
}

void TimerQueue::cancel(TimerHandler& timer) {
  if (timer.active()) remove_at(timer.heap_index_);
}

std::optional<TimerQueue::time_point> TimerQueue::next_deadline() const {
  if (heap_.empty()) return std::nullopt;
  return heap_.front()->deadline_;
}

int TimerQueue::fire_due(time_point now) {
  // Timers started by the callbacks below (sequence >= limit) wait for the next tick, so a timer
  // that restarts itself with no delay cannot hold the loop here.
  const unsigned long long limit = next_sequence_;
  int fired = 0;
  while (!heap_.empty()) {
    TimerHandler* timer = heap_.front();
    if (timer->deadline_ > now || timer->sequence_ >= limit) break;
    if (timer->interval_ > TimerHandler::duration::zero()) {
      // Re-armed before the callback so that the callback may stop it. A loop that fell behind
      // skips the missed ticks rather than firing them back to back.
      time_point next = timer->deadline_ + timer->interval_;
      if (next <= now) next = now + timer->interval_;
      timer->deadline_ = next;
      timer->sequence_ = next_sequence_++;
      sift_down(0);
    } else {
      remove_at(0);
    }
    ++fired;
    timer->on_timer();
  }
  return fired;
}

bool TimerQueue::earlier(const TimerHandler* a, const TimerHandler* b) {
  if (a->deadline_ != b->deadline_) return a->deadline_ < b->deadline_;
  return a->sequence_ < b->sequence_;
}

void TimerQueue::place(std::size_t index, TimerHandler* timer) {
  heap_[index] = timer;
  timer->heap_index_ = index;
}

void TimerQueue::sift_up(std::size_t index) {
  TimerHandler* timer = heap_[index];
  while (index > 0) {
    const std::size_t parent = (index - 1) / 2;
    if (!earlier(timer, heap_[parent])) break;
    place(index, heap_[parent]);
    index = parent;
  }
  place(index, timer);
}

void TimerQueue::sift_down(std::size_t index) {
  TimerHandler* timer = heap_[index];
  const std::size_t size = heap_.size();
  for (;;) {
    std::size_t child = 2 * index + 1;
    if (child >= size) break;
    if (child + 1 < size && earlier(heap_[child + 1], heap_[child])) ++child;
    if (!earlier(heap_[child], timer)) break;
    place(index, heap_[child]);
    index = child;
  }
  place(index, timer);
}

void TimerQueue::remove_at(std::size_t index) {
  TimerHandler* removed = heap_[index];
  removed->heap_index_ = TimerHandler::kNotQueued;
  TimerHandler* last = heap_.back();
  heap_.pop_back();
  if (last == removed) return;
  place(index, last);
  if (index > 0 && earlier(last, heap_[(index - 1) / 2])) {
    sift_up(index);
  } else {
    sift_down(index);
  }
}

}  // namespace reactor
