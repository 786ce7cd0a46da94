// FakeSyscalls: a Syscalls that forwards every call to the kernel except those a test scripted:
// fail with an errno (EINTR, EAGAIN, ECONNRESET, EMFILE, ...) or cap how much a transfer moves
// (short reads and writes; fewer datagrams per recvmmsg or sendmmsg). Install it with
// ScopedSyscalls for the length of a test. Ownership: owns its scripts and hooks. Threads:
// script(), on_call() and the counters may be used from any thread (internally locked); a hook runs
// on the calling thread with no lock held.
#pragma once

#include <array>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>

#include "reactor/core/syscalls.h"

namespace reactor::testing {

class FakeSyscalls final : public Syscalls {
 public:
  enum class Call {
    kRead,
    kWrite,
    kRecv,
    kSend,
    kAccept4,
    kConnect,
    kClose,
    kEpollCtl,
    kEpollWait,
    kPoll,
    kSendto,
    kRecvmmsg,
    kSendmmsg,
  };

  // Matches a call on any fd. The fd of a call is the descriptor read, written, accepted on,
  // connected or closed; the target fd (not the epoll fd) of epoll_ctl; the epoll fd of epoll_wait;
  // for poll, which watches many, only kAnyFd matches.
  static constexpr int kAnyFd = -1;

  // What one scripted call does.
  class Outcome {
   public:
    // Returns -1 with errno set to `error`; the kernel is not called.
    static Outcome fail(int error) { return Outcome(error, 0); }
    // Calls the kernel with the transfer capped at `max` bytes (read, write, recv, send, sendto),
    // or at `max` datagrams (recvmmsg, sendmmsg).
    static Outcome at_most(std::size_t max) { return Outcome(0, max); }

   private:
    friend class FakeSyscalls;
    Outcome(int error, std::size_t max_bytes) : error_(error), max_bytes_(max_bytes) {}
    int error_;
    std::size_t max_bytes_;
  };

  // Queues `outcome` for the next `times` calls of `call` on `fd`. Scripts for one call are
  // consumed in the order they were queued; a call uses the first whose fd matches its own.
  // Throws std::invalid_argument for an at_most() outcome on a call that moves no bytes.
  void script(Call call, Outcome outcome, int fd = kAnyFd, int times = 1);
  // Runs `hook(fd)` at the start of every `call`, before any script applies; replaces the
  // previous hook for `call`. An empty function removes it.
  void on_call(Call call, std::function<void(int fd)> hook);

  // Calls of `call` made so far, scripted or forwarded.
  std::size_t calls(Call call) const;
  // Scripted outcomes for `call` not yet consumed.
  std::size_t scripted(Call call) const;

  ssize_t read(int fd, void* buf, size_t count) override;
  ssize_t write(int fd, const void* buf, size_t count) override;
  ssize_t recv(int fd, void* buf, size_t count, int flags) override;
  ssize_t send(int fd, const void* buf, size_t count, int flags) override;
  int accept4(int fd, sockaddr* addr, socklen_t* addrlen, int flags) override;
  int connect(int fd, const sockaddr* addr, socklen_t addrlen) override;
  int close(int fd) override;
  int epoll_ctl(int epfd, int op, int fd, epoll_event* event) override;
  int epoll_wait(int epfd, epoll_event* events, int maxevents, int timeout_ms) override;
  int poll(pollfd* fds, nfds_t nfds, int timeout_ms) override;
  ssize_t sendto(int fd, const void* buf, size_t count, int flags, const sockaddr* to,
                 socklen_t tolen) override;
  int recvmmsg(int fd, mmsghdr* messages, unsigned int count, int flags) override;
  int sendmmsg(int fd, mmsghdr* messages, unsigned int count, int flags) override;

 private:
  static constexpr std::size_t kCalls = static_cast<std::size_t>(Call::kSendmmsg) + 1;
  struct Script {
    int fd;
    Outcome outcome;
    int remaining;
  };
  struct PerCall {
    std::deque<Script> scripts;
    std::function<void(int)> hook;
    std::size_t calls = 0;
  };

  // Counts the call, runs its hook and takes the outcome scripted for it, if any.
  std::optional<Outcome> begin(Call call, int fd);
  // A call that moves up to `count` bytes or datagrams: fails as scripted, or runs forward(count)
  // with the count capped as scripted (uncapped when nothing is).
  template <typename Forward>
  ssize_t transfer(Call call, int fd, size_t count, Forward forward);
  PerCall& per_call(Call call) { return per_call_[static_cast<std::size_t>(call)]; }
  const PerCall& per_call(Call call) const { return per_call_[static_cast<std::size_t>(call)]; }

  mutable std::mutex mutex_;
  std::array<PerCall, kCalls> per_call_;
};

}  // namespace reactor::testing
