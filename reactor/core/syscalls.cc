#include "reactor/core/syscalls.h"

#include <unistd.h>

namespace reactor {

// Constant-initialized: sys() works even in other files' static initializers.
Syscalls* detail::replacement = nullptr;

ssize_t Syscalls::read(int fd, void* buf, size_t count) {
  return ::read(fd, buf, count);
}
ssize_t Syscalls::write(int fd, const void* buf, size_t count) {
  return ::write(fd, buf, count);
}
ssize_t Syscalls::recv(int fd, void* buf, size_t count, int flags) {
  return ::recv(fd, buf, count, flags);
}
ssize_t Syscalls::send(int fd, const void* buf, size_t count, int flags) {
  return ::send(fd, buf, count, flags);
}
ssize_t Syscalls::sendto(int fd, const void* buf, size_t count, int flags, const sockaddr* to,
                         socklen_t tolen) {
  return ::sendto(fd, buf, count, flags, to, tolen);
}
int Syscalls::recvmmsg(int fd, mmsghdr* messages, unsigned int count, int flags) {
  return ::recvmmsg(fd, messages, count, flags, nullptr);
}
int Syscalls::sendmmsg(int fd, mmsghdr* messages, unsigned int count, int flags) {
  return ::sendmmsg(fd, messages, count, flags);
}
int Syscalls::accept4(int fd, sockaddr* addr, socklen_t* addrlen, int flags) {
  return ::accept4(fd, addr, addrlen, flags);
}
int Syscalls::connect(int fd, const sockaddr* addr, socklen_t addrlen) {
  return ::connect(fd, addr, addrlen);
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

ScopedSyscalls::ScopedSyscalls(Syscalls& replacement) : previous_(detail::replacement) {
  detail::replacement = &replacement;
}
ScopedSyscalls::~ScopedSyscalls() {
  detail::replacement = previous_;
}

}  // namespace reactor
