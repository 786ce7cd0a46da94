// MockPoller: a Poller with no kernel behind it, so handler logic is tested without sockets.
// It records registrations, counts calls, and lets a test inject readiness for any fd. wait()
// never blocks: it returns what was injected (filtered by interest, as a kernel would) and
// records the timeout it was asked for.
// Ownership: the Reactor owns it; keep a reference for the test. Threads: one reactor thread.
#pragma once

#include <map>
#include <vector>

#include "reactor/core/poller.h"

namespace reactor::testing {

class MockPoller final : public Poller {
 public:
  struct Counters {
    std::size_t adds = 0;
    std::size_t modifies = 0;
    std::size_t removes = 0;
    // remove() calls for an fd that was already closed: its handler let the fd close before it
    // stopped, which a real poller cannot undo (epoll keeps the entry if the fd was duplicated).
    std::size_t removes_of_closed_fds = 0;
    std::size_t waits = 0;
  };

  // Readiness for `fd` delivered by the next wait() only (coalesced with other injections for
  // the same fd). Readable/writable bits pass only if the fd's interest asks for them; error and
  // hang-up always pass. Nothing is delivered for an fd that is not watched by then.
  void inject(int fd, Readiness readiness);
  // Readiness delivered by every wait() until clear_ready(): a level-triggered condition.
  void set_ready(int fd, Readiness readiness);
  void clear_ready(int fd);
  // Makes the next add() or modify() throw std::system_error with `error`.
  void fail_next_registration(int error) { fail_next_ = error; }

  bool watching(int fd) const { return watched_.count(fd) != 0; }
  Interest interest(int fd) const;
  EventHandler* handler(int fd) const;
  std::size_t watched_count() const { return watched_.size(); }
  const Counters& counters() const { return counters_; }
  int last_timeout_ms() const { return last_timeout_ms_; }

  void add(int fd, Interest interest, EventHandler* handler) override;
  void modify(int fd, Interest interest, EventHandler* handler) override;
  void remove(int fd, EventHandler* handler) override;
  void wait(int timeout_ms, std::vector<Event>& out) override;
  std::string_view name() const override { return "mock"; }

 private:
  struct Watch {
    Interest interest;
    EventHandler* handler;
  };
  void throw_if_failing(const char* what);

  std::map<int, Watch> watched_;
  std::vector<std::pair<int, Readiness>> injected_;
  std::map<int, Readiness> level_;
  Counters counters_;
  int last_timeout_ms_ = 0;
  int fail_next_ = 0;
};

}  // namespace reactor::testing
