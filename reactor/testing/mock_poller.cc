#include "reactor/testing/mock_poller.h"

#include <fcntl.h>

#include <cerrno>
#include <system_error>

namespace reactor::testing {

void MockPoller::inject(int fd, Readiness readiness) {
  injected_.emplace_back(fd, readiness);
}

void MockPoller::set_ready(int fd, Readiness readiness) {
  level_[fd] = readiness;
}

void MockPoller::clear_ready(int fd) {
  level_.erase(fd);
}

Interest MockPoller::interest(int fd) const {
  const auto it = watched_.find(fd);
  return it == watched_.end() ? kNoInterest : it->second.interest;
}

EventHandler* MockPoller::handler(int fd) const {
  const auto it = watched_.find(fd);
  return it == watched_.end() ? nullptr : it->second.handler;
}

void MockPoller::throw_if_failing(const char* what) {
  if (fail_next_ == 0) return;
  const int error = fail_next_;
  fail_next_ = 0;
  throw std::system_error(error, std::generic_category(), what);
}

void MockPoller::add(int fd, Interest interest, EventHandler* handler) {
  throw_if_failing("mock add");
  if (fd < 0) throw std::system_error(EBADF, std::generic_category(), "mock add");
  if (!watched_.emplace(fd, Watch{interest, handler}).second) {
    throw std::system_error(EEXIST, std::generic_category(), "mock add");
  }
  ++counters_.adds;
}

void MockPoller::modify(int fd, Interest interest, EventHandler* handler) {
  throw_if_failing("mock modify");
  const auto it = watched_.find(fd);
  if (it == watched_.end()) throw std::system_error(ENOENT, std::generic_category(), "mock modify");
  it->second = Watch{interest, handler};
  ++counters_.modifies;
}

void MockPoller::remove(int fd, EventHandler* /*handler*/) {
  if (watched_.erase(fd) == 0) return;
  ++counters_.removes;
  const int saved_errno = errno;  // the caller may still be reporting an error of its own
  if (::fcntl(fd, F_GETFD) < 0 && errno == EBADF) ++counters_.removes_of_closed_fds;
  errno = saved_errno;
}

void MockPoller::wait(int timeout_ms, std::vector<Event>& out) {
  ++counters_.waits;
  last_timeout_ms_ = timeout_ms;
  // Coalesce per fd, in the order fds first appear: level conditions, then injections.
  std::vector<std::pair<int, Readiness>> pending;
  auto merge = [&pending](int fd, Readiness readiness) {
    for (auto& entry : pending) {
      if (entry.first == fd) {
        entry.second |= readiness;
        return;
      }
    }
    pending.emplace_back(fd, readiness);
  };
  for (const auto& [fd, readiness] : level_)
    merge(fd, readiness);
  for (const auto& [fd, readiness] : injected_)
    merge(fd, readiness);
  injected_.clear();

  for (const auto& [fd, readiness] : pending) {
    const auto it = watched_.find(fd);
    if (it == watched_.end()) continue;
    const Readiness delivered =
        (readiness & (kError | kHangup)) | (readiness & it->second.interest);
    if (delivered) out.push_back({it->second.handler, delivered});
  }
}

}  // namespace reactor::testing
