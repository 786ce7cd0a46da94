#include "reactor/poller/make_poller.h"

#include <stdexcept>
#include <string>

#include "reactor/core/reactor.h"
#include "reactor/poller/epoll_poller.h"
#include "reactor/poller/poll_poller.h"

namespace reactor {

std::unique_ptr<Poller> make_poller(std::string_view name) {
  if (name == "epoll") return std::make_unique<EpollPoller>();
  if (name == "poll") return std::make_unique<PollPoller>();
  throw std::invalid_argument("unknown poller '" + std::string(name) +
                              "' (expected epoll or poll)");
}

// Declared in core, defined here: core knows no concrete poller, and a program that passes its own
// poller links none (test/layering).
Reactor::Reactor() : Reactor(make_poller("epoll")) {}

}  // namespace reactor
