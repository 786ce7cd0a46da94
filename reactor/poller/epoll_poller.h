// EpollPoller: the Linux epoll(7) poller, level-triggered.
// Level-triggered on purpose: a handler may leave data unread (backpressure, or a bounded accept
// loop that keeps one listener from starving the others) and is told again on the next wait,
// whereas an edge-triggered handler that forgets to drain to EAGAIN hangs silently. Write
// interest is held only while output is queued, so level-triggering costs no extra epoll_ctl.
// Ownership: owns the epoll fd. Threads: one reactor thread.
#pragma once

#include <sys/epoll.h>

#include <vector>

#include "reactor/core/poller.h"

namespace reactor {

class EpollPoller final : public Poller {
 public:
  EpollPoller();  // throws std::system_error
  ~EpollPoller() override;

  void add(int fd, Interest interest, EventHandler* handler) override;
  void modify(int fd, Interest interest, EventHandler* handler) override;
  void remove(int fd, EventHandler* handler) override;
  void wait(int timeout_ms, std::vector<Event>& out) override;
  std::string_view name() const override { return "epoll"; }

 private:
  void control(int op, int fd, Interest interest, EventHandler* handler);

  int epoll_fd_;
  std::vector<epoll_event> ready_;  // grows when a wait fills it
  std::vector<Event> events_;       // ready_ translated, as many slots
};

}  // namespace reactor
