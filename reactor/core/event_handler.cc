#include "reactor/core/event_handler.h"

#include "reactor/core/reactor.h"

namespace reactor {

EventHandler::~EventHandler() {
  stop();
}

void EventHandler::start(Reactor& reactor, int fd, Interest interest) {
  stop();
  reactor.poller().add(fd, interest, this);
  fd_ = fd;
  interest_ = interest;
  reactor.attach(*this);
}

void EventHandler::set_interest(Interest interest) {
  if (!active() || interest == interest_) return;
  reactor_->poller().modify(fd_, interest, this);
  interest_ = interest;
}

void EventHandler::stop() {
  if (!active()) return;
  reactor_->detach(*this);
  interest_ = kNoInterest;
}

}  // namespace reactor
