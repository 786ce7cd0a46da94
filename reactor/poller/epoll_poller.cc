#include "reactor/poller/epoll_poller.h"

#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "reactor/core/syscalls.h"

namespace reactor {
namespace {

std::uint32_t to_epoll(Interest interest) {
  std::uint32_t events = 0;
  if (interest & kRead) events |= EPOLLIN;
  if (interest & kWrite) events |= EPOLLOUT;
  return events;
}

Readiness from_epoll(std::uint32_t events) {
  Readiness readiness = 0;
  if (events & (EPOLLIN | EPOLLPRI | EPOLLRDHUP)) readiness |= kReadable;
  if (events & EPOLLOUT) readiness |= kWritable;
  if (events & EPOLLERR) readiness |= kError;
  if (events & EPOLLHUP) readiness |= kHangup;
  return readiness;
}

}  // namespace

EpollPoller::EpollPoller() : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)), ready_(64) {
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
  event.events = to_epoll(interest);
  event.data.ptr = handler;
  if (sys().epoll_ctl(epoll_fd_, op, fd, &event) != 0) {
    throw std::system_error(errno, std::generic_category(), "epoll_ctl");
  }
}

void EpollPoller::wait(int timeout_ms, std::vector<Event>& out) {
  const int n =
      sys().epoll_wait(epoll_fd_, ready_.data(), static_cast<int>(ready_.size()), timeout_ms);
  if (n <= 0) return;  // timeout, or EINTR
  for (int i = 0; i < n; ++i) {
    out.push_back({static_cast<EventHandler*>(ready_[i].data.ptr), from_epoll(ready_[i].events)});
  }
  if (static_cast<std::size_t>(n) == ready_.size()) ready_.resize(ready_.size() * 2);
}

}  // namespace reactor
