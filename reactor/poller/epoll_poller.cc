#include "reactor/poller/epoll_poller.h"

#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "reactor/core/syscalls.h"

namespace reactor {
namespace {

// Interest and readiness bits are epoll's own (events.h). Only EPOLLIN and EPOLLOUT are ever
// registered, so what comes back is those two, EPOLLERR and EPOLLHUP: a mask translates it.
static_assert(kRead.kernel_bits() == EPOLLIN && kWrite.kernel_bits() == EPOLLOUT);
static_assert(Readiness::from_kernel(EPOLLIN) == kReadable &&
              Readiness::from_kernel(EPOLLOUT) == kWritable &&
              Readiness::from_kernel(EPOLLERR) == kError &&
              Readiness::from_kernel(EPOLLHUP) == kHangup);

}  // namespace

EpollPoller::EpollPoller() : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)), ready_(64), events_(64) {
  if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
}

EpollPoller::~EpollPoller() {
  ::close(epoll_fd_);
}

void EpollPoller::add(int fd, Interest interest, EventHandler* handler) {
  control(EPOLL_CTL_ADD, fd, interest, handler);
}

void EpollPoller::modify(int fd, Interest interest, EventHandler* handler) {
  control(EPOLL_CTL_MOD, fd, interest, handler);
}

void EpollPoller::remove(int fd, EventHandler* /*handler*/) {
  // ENOENT/EBADF: the fd was closed first, which removed it already.
  sys().epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

void EpollPoller::control(int op, int fd, Interest interest, EventHandler* handler) {
  epoll_event event{};
  event.events = interest.kernel_bits();
  event.data.ptr = handler;
  if (sys().epoll_ctl(epoll_fd_, op, fd, &event) != 0) {
    throw std::system_error(errno, std::generic_category(), "epoll_ctl");
  }
}

void EpollPoller::wait(int timeout_ms, std::vector<Event>& out) {
  const int n =
      sys().epoll_wait(epoll_fd_, ready_.data(), static_cast<int>(ready_.size()), timeout_ms);
  if (n <= 0) return;  // timeout, or EINTR
  // Translated into a scratch array, a tight loop that nothing else can alias, then appended in
  // one insert: one capacity check per wait rather than per event as push_back would make.
  Event* const events = events_.data();
  for (int i = 0; i < n; ++i) {
    events[i] = {static_cast<EventHandler*>(ready_[i].data.ptr),
                 Readiness::from_kernel(ready_[i].events)};
  }
  out.insert(out.end(), events, events + n);
  if (static_cast<std::size_t>(n) == ready_.size()) {
    ready_.resize(ready_.size() * 2);
    events_.resize(ready_.size());
  }
}

}  // namespace reactor
