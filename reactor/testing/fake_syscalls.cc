#include "reactor/testing/fake_syscalls.h"

#include <algorithm>
#include <cerrno>
#include <stdexcept>

namespace reactor::testing {
namespace {

// The calls whose transfer at_most() can cap: bytes or datagrams.
bool transfers(FakeSyscalls::Call call) {
  using Call = FakeSyscalls::Call;
  return call == Call::kRead || call == Call::kWrite || call == Call::kRecv ||
         call == Call::kSend || call == Call::kSendto || call == Call::kRecvmmsg ||
         call == Call::kSendmmsg;
}

// What a call that is scripted to fail returns.
int fail_with(int error) {
  errno = error;
  return -1;
}

}  // namespace

void FakeSyscalls::script(Call call, Outcome outcome, int fd, int times) {
  if (outcome.error_ == 0 && !transfers(call)) {
    throw std::invalid_argument(
        "FakeSyscalls: at_most() applies to read, write, recv, send, sendto, recvmmsg, sendmmsg");
  }
  if (times <= 0) return;
  std::lock_guard<std::mutex> lock(mutex_);
  per_call(call).scripts.push_back({fd, outcome, times});
}

void FakeSyscalls::on_call(Call call, std::function<void(int)> hook) {
  std::lock_guard<std::mutex> lock(mutex_);
  per_call(call).hook = std::move(hook);
}

std::size_t FakeSyscalls::calls(Call call) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return per_call(call).calls;
}

std::size_t FakeSyscalls::scripted(Call call) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t pending = 0;
  for (const Script& script : per_call(call).scripts) {
    pending += static_cast<std::size_t>(script.remaining);
  }
  return pending;
}

std::optional<FakeSyscalls::Outcome> FakeSyscalls::begin(Call call, int fd) {
  std::function<void(int)> hook;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    PerCall& entry = per_call(call);
    ++entry.calls;
    hook = entry.hook;
  }
  if (hook) hook(fd);

  std::lock_guard<std::mutex> lock(mutex_);
  auto& scripts = per_call(call).scripts;
  const auto match = std::find_if(scripts.begin(), scripts.end(), [fd](const Script& script) {
    return script.fd == kAnyFd || script.fd == fd;
  });
  if (match == scripts.end()) return std::nullopt;
  const Outcome outcome = match->outcome;
  if (--match->remaining == 0) scripts.erase(match);
  return outcome;
}

template <typename Forward>
ssize_t FakeSyscalls::transfer(Call call, int fd, size_t count, Forward forward) {
  const auto outcome = begin(call, fd);
  if (outcome && outcome->error_ != 0) return fail_with(outcome->error_);
  return forward(outcome ? std::min(count, outcome->max_bytes_) : count);
}

ssize_t FakeSyscalls::read(int fd, void* buf, size_t count) {
  return transfer(Call::kRead, fd, count, [&](size_t n) { return Syscalls::read(fd, buf, n); });
}

ssize_t FakeSyscalls::write(int fd, const void* buf, size_t count) {
  return transfer(Call::kWrite, fd, count, [&](size_t n) { return Syscalls::write(fd, buf, n); });
}

ssize_t FakeSyscalls::recv(int fd, void* buf, size_t count, int flags) {
  return transfer(Call::kRecv, fd, count,
                  [&](size_t n) { return Syscalls::recv(fd, buf, n, flags); });
}

ssize_t FakeSyscalls::send(int fd, const void* buf, size_t count, int flags) {
  return transfer(Call::kSend, fd, count,
                  [&](size_t n) { return Syscalls::send(fd, buf, n, flags); });
}

int FakeSyscalls::accept4(int fd, sockaddr* addr, socklen_t* addrlen, int flags) {
  if (const auto outcome = begin(Call::kAccept4, fd)) return fail_with(outcome->error_);
  return Syscalls::accept4(fd, addr, addrlen, flags);
}

int FakeSyscalls::connect(int fd, const sockaddr* addr, socklen_t addrlen) {
  if (const auto outcome = begin(Call::kConnect, fd)) return fail_with(outcome->error_);
  return Syscalls::connect(fd, addr, addrlen);
}

int FakeSyscalls::close(int fd) {
  if (const auto outcome = begin(Call::kClose, fd)) return fail_with(outcome->error_);
  return Syscalls::close(fd);
}

int FakeSyscalls::epoll_ctl(int epfd, int op, int fd, epoll_event* event) {
  if (const auto outcome = begin(Call::kEpollCtl, fd)) return fail_with(outcome->error_);
  return Syscalls::epoll_ctl(epfd, op, fd, event);
}

int FakeSyscalls::epoll_wait(int epfd, epoll_event* events, int maxevents, int timeout_ms) {
  if (const auto outcome = begin(Call::kEpollWait, epfd)) return fail_with(outcome->error_);
  return Syscalls::epoll_wait(epfd, events, maxevents, timeout_ms);
}

int FakeSyscalls::poll(pollfd* fds, nfds_t nfds, int timeout_ms) {
  if (const auto outcome = begin(Call::kPoll, kAnyFd)) return fail_with(outcome->error_);
  return Syscalls::poll(fds, nfds, timeout_ms);
}

ssize_t FakeSyscalls::sendto(int fd, const void* buf, size_t count, int flags, const sockaddr* to,
                             socklen_t tolen) {
  return transfer(Call::kSendto, fd, count,
                  [&](size_t n) { return Syscalls::sendto(fd, buf, n, flags, to, tolen); });
}

int FakeSyscalls::recvmmsg(int fd, mmsghdr* messages, unsigned int count, int flags) {
  return static_cast<int>(transfer(Call::kRecvmmsg, fd, count, [&](size_t n) {
    return Syscalls::recvmmsg(fd, messages, static_cast<unsigned int>(n), flags);
  }));
}

int FakeSyscalls::sendmmsg(int fd, mmsghdr* messages, unsigned int count, int flags) {
  return static_cast<int>(transfer(Call::kSendmmsg, fd, count, [&](size_t n) {
    return Syscalls::sendmmsg(fd, messages, static_cast<unsigned int>(n), flags);
  }));
}

}  // namespace reactor::testing
