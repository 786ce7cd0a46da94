// Poller: the readiness source behind a Reactor (epoll, poll, or a mock in tests). Core knows only
// this interface; the concrete pollers and make_poller() live in reactor/poller/.
// Ownership: a Poller is owned by exactly one Reactor and used only on that reactor's thread.
// It stores handler pointers as opaque tokens and never dereferences them.
#pragma once

#include <string_view>
#include <vector>

#include "reactor/core/events.h"

namespace reactor {

class EventHandler;

class Poller {
 public:
  struct Event {
    EventHandler* handler;  // the token given at add(); nulled by the Reactor when it goes stale
    Readiness readiness;
  };

  virtual ~Poller() = default;
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // Starts watching `fd` for `interest`. Throws std::system_error if the kernel refuses.
  virtual void add(int fd, Interest interest, EventHandler* handler) = 0;
  // Changes the interest set of a watched fd. Throws std::system_error if the kernel refuses.
  virtual void modify(int fd, Interest interest, EventHandler* handler) = 0;
  // Stops watching `fd`. Never throws: an fd the kernel already forgot (closed) is fine.
  virtual void remove(int fd, EventHandler* handler) = 0;
  // Waits up to `timeout_ms` (-1: no limit, 0: do not block) and appends ready events to `out`.
  // Each watched fd appears at most once per call. An interrupted wait (EINTR) returns no events.
  virtual void wait(int timeout_ms, std::vector<Event>& out) = 0;

  virtual std::string_view name() const = 0;

 protected:
  Poller() = default;
};

}  // namespace reactor
