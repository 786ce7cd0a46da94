#include "reactor/core/timer.h"

#include <algorithm>

#include "reactor/core/reactor.h"

namespace reactor {

TimerHandler::~TimerHandler() {
  if (reactor_ == nullptr) return;
  stop();
  reactor_->timers_.forget(*this);
}

void TimerHandler::start(Reactor& reactor, duration delay, duration interval) {
  stop();
  if (reactor_ != &reactor) {
    if (reactor_ != nullptr) reactor_->timers_.forget(*this);
    reactor.timers_.remember(*this);
    reactor_ = &reactor;
  }
  delay_ = std::max(delay, duration::zero());
  interval_ = std::max(interval, duration::zero());
  reactor.timers_.schedule(*this, reactor.clock().now() + delay_);
}

void TimerHandler::restart() {
  if (reactor_ != nullptr) start(*reactor_, delay_, interval_);
}

void TimerHandler::stop() {
  if (active()) reactor_->timers_.cancel(*this);
}

}  // namespace reactor
