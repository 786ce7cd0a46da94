// PollPoller: the portable poll(2) poller, for comparison and for fds epoll refuses.
// O(watched fds) per wait; prefer EpollPoller beyond a few hundred fds.
// Ownership: owns nothing but its tables. Threads: one reactor thread.
#pragma once

#include <poll.h>

#include <vector>

#include "reactor/core/poller.h"

namespace reactor {

class PollPoller final : public Poller {
 public:
  void add(int fd, Interest interest, EventHandler* handler) override;
  void modify(int fd, Interest interest, EventHandler* handler) override;
  void remove(int fd, EventHandler* handler) override;
  void wait(int timeout_ms, std::vector<Event>& out) override;
  std::string_view name() const override { return "poll"; }

 private:
  static constexpr int kNoSlot = -1;
  int& slot_of(int fd);  // grows the table; kNoSlot if fd is not watched

  std::vector<pollfd> fds_;
  std::vector<EventHandler*> handlers_;  // parallel to fds_
  std::vector<int> slots_;               // indexed by fd
};

}  // namespace reactor
