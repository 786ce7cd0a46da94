// Syscalls: the one thin seam through which the library reaches the kernel for I/O and waiting.
// Tests replace it (ScopedSyscalls) to inject EINTR, EAGAIN, short counts, resets and EMFILE.
// Thread rule: install a replacement before the threads that use it start, remove it after they
// stop. Each function has the contract of the system call it is named after (errno included).
// Sockets are read and written with recv() and send() (cheaper than read() and write(): see
// docs/benchmarks.md); read() and write() serve eventfd and signalfd; datagram sockets use
// sendto(), and recvmmsg() and sendmmsg() for batches.
#pragma once

#include <errno.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

namespace reactor {

// The kernel's calls as an object: a replacement overrides those it fakes and forwards the rest
// to these.
class Syscalls {
 public:
  virtual ~Syscalls() = default;
  virtual ssize_t read(int fd, void* buf, size_t count);
  virtual ssize_t write(int fd, const void* buf, size_t count);
  virtual ssize_t recv(int fd, void* buf, size_t count, int flags);
  virtual ssize_t send(int fd, const void* buf, size_t count, int flags);
  virtual ssize_t sendto(int fd, const void* buf, size_t count, int flags, const sockaddr* to,
                         socklen_t tolen);
  virtual int recvmmsg(int fd, mmsghdr* messages, unsigned int count, int flags);
  virtual int sendmmsg(int fd, mmsghdr* messages, unsigned int count, int flags);
  virtual int accept4(int fd, sockaddr* addr, socklen_t* addrlen, int flags);
  virtual int connect(int fd, const sockaddr* addr, socklen_t addrlen);
  virtual int close(int fd);
  virtual int epoll_ctl(int epfd, int op, int fd, epoll_event* event);
  virtual int epoll_wait(int epfd, epoll_event* events, int maxevents, int timeout_ms);
  virtual int poll(pollfd* fds, nfds_t nfds, int timeout_ms);
};

namespace detail {
// Null while the kernel is called directly; only ScopedSyscalls sets it.
extern Syscalls* replacement;
}  // namespace detail

// What the library calls, as sys().recv(...): the kernel directly, or the replacement a test
// installed (one load and a well-predicted branch instead of an indirect call per message).
class SyscallSeam {
 public:
  ssize_t read(int fd, void* buf, size_t count) const {
    return replaced() ? installed()->read(fd, buf, count) : ::read(fd, buf, count);
  }
  ssize_t write(int fd, const void* buf, size_t count) const {
    return replaced() ? installed()->write(fd, buf, count) : ::write(fd, buf, count);
  }
  ssize_t recv(int fd, void* buf, size_t count, int flags) const {
    return replaced() ? installed()->recv(fd, buf, count, flags) : ::recv(fd, buf, count, flags);
  }
  ssize_t send(int fd, const void* buf, size_t count, int flags) const {
    return replaced() ? installed()->send(fd, buf, count, flags) : ::send(fd, buf, count, flags);
  }
  ssize_t sendto(int fd, const void* buf, size_t count, int flags, const sockaddr* to,
                 socklen_t tolen) const {
    return replaced() ? installed()->sendto(fd, buf, count, flags, to, tolen)
                      : ::sendto(fd, buf, count, flags, to, tolen);
  }
  // Without recvmmsg()'s timeout, which the kernel checks only between datagrams.
  int recvmmsg(int fd, mmsghdr* messages, unsigned int count, int flags) const {
    return replaced() ? installed()->recvmmsg(fd, messages, count, flags)
                      : ::recvmmsg(fd, messages, count, flags, nullptr);
  }
  int sendmmsg(int fd, mmsghdr* messages, unsigned int count, int flags) const {
    return replaced() ? installed()->sendmmsg(fd, messages, count, flags)
                      : ::sendmmsg(fd, messages, count, flags);
  }
  int accept4(int fd, sockaddr* addr, socklen_t* addrlen, int flags) const {
    return replaced() ? installed()->accept4(fd, addr, addrlen, flags)
                      : ::accept4(fd, addr, addrlen, flags);
  }
  int connect(int fd, const sockaddr* addr, socklen_t addrlen) const {
    return replaced() ? installed()->connect(fd, addr, addrlen) : ::connect(fd, addr, addrlen);
  }
  int close(int fd) const { return replaced() ? installed()->close(fd) : ::close(fd); }
  int epoll_ctl(int epfd, int op, int fd, epoll_event* event) const {
    return replaced() ? installed()->epoll_ctl(epfd, op, fd, event)
                      : ::epoll_ctl(epfd, op, fd, event);
  }
  int epoll_wait(int epfd, epoll_event* events, int maxevents, int timeout_ms) const {
    return replaced() ? installed()->epoll_wait(epfd, events, maxevents, timeout_ms)
                      : ::epoll_wait(epfd, events, maxevents, timeout_ms);
  }
  int poll(pollfd* fds, nfds_t nfds, int timeout_ms) const {
    return replaced() ? installed()->poll(fds, nfds, timeout_ms) : ::poll(fds, nfds, timeout_ms);
  }

 private:
  static Syscalls* installed() { return detail::replacement; }
  static bool replaced() { return __builtin_expect(installed() != nullptr, 0); }
};

inline SyscallSeam sys() {
  return {};
}

// After `call` (a system call returning a negative value on failure) returned `result`: makes it
// again while it fails with EINTR, and returns its first other result; errno is the call's.
// Out of line, so that a per-message caller's first attempt stays straight-line code.
template <typename Call, typename Result>
[[gnu::cold, gnu::noinline]] Result retry_while_interrupted(Call call, Result result) {
  while (result < 0 && errno == EINTR)
    result = call();
  return result;
}

// Makes `call` and retries it while it fails with EINTR (see retry_while_interrupted()).
template <typename Call>
auto retry_on_eintr(Call&& call) {
  const auto result = call();
  return result >= 0 ? result : retry_while_interrupted(call, result);
}

// Replaces the Syscalls in force for its lifetime; nests.
class ScopedSyscalls {
 public:
  explicit ScopedSyscalls(Syscalls& replacement);
  ~ScopedSyscalls();
  ScopedSyscalls(const ScopedSyscalls&) = delete;
  ScopedSyscalls& operator=(const ScopedSyscalls&) = delete;

 private:
  Syscalls* previous_;
};

}  // namespace reactor
