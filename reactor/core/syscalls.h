// Syscalls: the one thin seam through which the library reaches the kernel for I/O and waiting.
// Tests replace it (ScopedSyscalls) to inject EINTR, EAGAIN, short counts, resets and EMFILE.
// Thread rule: install a replacement before the threads that use it start, remove it after they
// stop. Each function has the contract of the system call it is named after (errno included).
#pragma once

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

namespace reactor {

class Syscalls {
 public:
  virtual ~Syscalls() = default;
  virtual ssize_t read(int fd, void* buf, size_t count);
  virtual ssize_t readv(int fd, const iovec* iov, int iovcnt);
  virtual ssize_t write(int fd, const void* buf, size_t count);
  virtual ssize_t writev(int fd, const iovec* iov, int iovcnt);
  virtual int accept4(int fd, sockaddr* addr, socklen_t* addrlen, int flags);
  virtual int close(int fd);
  virtual int epoll_ctl(int epfd, int op, int fd, epoll_event* event);
  virtual int epoll_wait(int epfd, epoll_event* events, int maxevents, int timeout_ms);
  virtual int poll(pollfd* fds, nfds_t nfds, int timeout_ms);
};

namespace detail {
extern Syscalls* current_syscalls;  // only ScopedSyscalls changes it
}  // namespace detail

// The Syscalls in force: the real kernel unless a ScopedSyscalls replaced it. Inline, so the
// seam costs each I/O call one load and an indirect call, not an extra function call.
inline Syscalls& sys() {
  return *detail::current_syscalls;
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
