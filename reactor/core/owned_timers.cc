#include "reactor/core/owned_timers.h"

#include <utility>

#include "reactor/core/timer.h"

namespace reactor {

// One owned timer. `live` is true while it will still fire; the slot goes back to the free list
// once it is not live and its callback is not on the stack.
class OwnedTimers::Slot final : public TimerHandler {
 public:
  Slot(OwnedTimers& timers, std::uint32_t slot) : owner(timers), index(slot) {}

  OwnedTimers& owner;
  const std::uint32_t index;
  std::uint64_t generation = 0;
  std::function<void()> fn;
  bool live = false;
  bool running = false;
  Slot* next_free = nullptr;

 private:
  void on_timer() override {
    // Runs when the callback returns or throws: the queue has already dequeued a one-shot timer
    // and re-armed a repeating one, so only the slot's own state is left to settle.
    struct Settle {
      Slot& slot;
      ~Settle() {
        slot.running = false;
        if (!slot.live) slot.owner.release(slot);
      }
    };
    if (interval() == duration::zero()) live = false;
    running = true;
    Settle settle{*this};
    fn();
  }
};

void TimerHandle::cancel() {
  if (const std::shared_ptr<OwnedTimers> timers = timers_.lock())
    timers->cancel(slot_, generation_);
}

bool TimerHandle::pending() const {
  const std::shared_ptr<OwnedTimers> timers = timers_.lock();
  return timers != nullptr && timers->pending(slot_, generation_);
}

OwnedTimers::OwnedTimers(Reactor& reactor) : reactor_(reactor) {}

OwnedTimers::~OwnedTimers() = default;

TimerHandle OwnedTimers::add(Clock::duration delay, Clock::duration interval,
                             std::function<void()> fn) {
  if (free_ == nullptr) {
    slots_.push_back(std::make_unique<Slot>(*this, static_cast<std::uint32_t>(slots_.size())));
    free_ = slots_.back().get();
  }
  Slot& slot = *free_;
  slot.start(reactor_, delay, interval);
  free_ = slot.next_free;
  slot.next_free = nullptr;
  slot.fn = std::move(fn);
  slot.live = true;
  return TimerHandle(weak_from_this(), slot.index, slot.generation);
}

void OwnedTimers::cancel(std::uint32_t slot, std::uint64_t generation) {
  if (!pending(slot, generation)) return;
  Slot& timer = *slots_[slot];
  timer.live = false;
  timer.stop();
  if (!timer.running) release(timer);
}

bool OwnedTimers::pending(std::uint32_t slot, std::uint64_t generation) const {
  return slot < slots_.size() && slots_[slot]->generation == generation && slots_[slot]->live;
}

void OwnedTimers::release(Slot& slot) {
  ++slot.generation;
  // Moved out first: the function's captures may be destroyed into code that adds a timer.
  const std::function<void()> fn = std::move(slot.fn);
  slot.fn = nullptr;
  slot.next_free = free_;
  free_ = &slot;
}

}  // namespace reactor
