#include "reactor/core/syscalls.h"

#include <unistd.h>

namespace reactor {
namespace {

// The kernel and the pointer to it are constant-initialized: sys() works even in other files'
// static initializers.
Syscalls kernel;

}  // namespace

Syscalls* detail::current_syscalls = &kernel;

ssize_t Syscalls::read(int fd, void* buf, size_t count) {
  return ::read(fd, buf, count);
}
ssize_t Syscalls::readv(int fd, const iovec* iov, int iovcnt) {
  return ::readv(fd, iov, iovcnt);
}
ssize_t Syscalls::write(int fd, const void* buf, size_t count) {
  return ::write(fd, buf, count);
}
ssize_t Syscalls::writev(int fd, const iovec* iov, int iovcnt) {
  return ::writev(fd, iov, iovcnt);
}
int Syscalls::accept4(int fd, sockaddr* addr, socklen_t* addrlen, int flags) {
  return ::accept4(fd, addr, addrlen, flags);
}
int Syscalls::close(int fd) {
  return ::close(fd);
}
int Syscalls::epoll_ctl(int epfd, int op, int fd, epoll_event* event) {
  return ::epoll_ctl(epfd, op, fd, event);
}
int Syscalls::epoll_wait(int epfd, epoll_event* events, int maxevents, int timeout_ms) {
  return ::epoll_wait(epfd, events, maxevents, timeout_ms);
}
int Syscalls::poll(pollfd* fds, nfds_t nfds, int timeout_ms) {
  return ::poll(fds, nfds, timeout_ms);
}

ScopedSyscalls::ScopedSyscalls(Syscalls& replacement) : previous_(detail::current_syscalls) {
  detail::current_syscalls = &replacement;
}
ScopedSyscalls::~ScopedSyscalls() {
  detail::current_syscalls = previous_;
}

}  // namespace reactor
