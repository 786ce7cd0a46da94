#include "reactor/poller/poll_poller.h"

#include <cerrno>
#include <system_error>

#include "reactor/core/syscalls.h"

namespace reactor {
namespace {

// Interest bits are poll's own (events.h); poll reports more kinds of readiness than epoll does
// for a socket, so they are folded into the four bits one by one.
static_assert(kRead.kernel_bits() == POLLIN && kWrite.kernel_bits() == POLLOUT);

short to_poll(Interest interest) {
  return static_cast<short>(interest.kernel_bits());
}

Readiness from_poll(short revents) {
  Readiness readiness{};
  if (revents & (POLLIN | POLLPRI | POLLRDHUP)) readiness |= kReadable;
  if (revents & POLLOUT) readiness |= kWritable;
  if (revents & (POLLERR | POLLNVAL)) readiness |= kError;
  if (revents & POLLHUP) readiness |= kHangup;
  return readiness;
}

}  // namespace

int& PollPoller::slot_of(int fd) {
  if (fd < 0) throw std::system_error(EBADF, std::generic_category(), "poll: bad fd");
  const auto index = static_cast<std::size_t>(fd);
  if (index >= slots_.size()) slots_.resize(index + 1, kNoSlot);
  return slots_[index];
}

void PollPoller::add(int fd, Interest interest, EventHandler* handler) {
  int& slot = slot_of(fd);
  if (slot != kNoSlot) throw std::system_error(EEXIST, std::generic_category(), "poll: add");
  slot = static_cast<int>(fds_.size());
  fds_.push_back({fd, to_poll(interest), 0});
  handlers_.push_back(handler);
}

void PollPoller::modify(int fd, Interest interest, EventHandler* handler) {
  const int slot = slot_of(fd);
  if (slot == kNoSlot) throw std::system_error(ENOENT, std::generic_category(), "poll: modify");
  fds_[static_cast<std::size_t>(slot)].events = to_poll(interest);
  handlers_[static_cast<std::size_t>(slot)] = handler;
}

void PollPoller::remove(int fd, EventHandler* /*handler*/) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= slots_.size()) return;
  const int slot = slots_[static_cast<std::size_t>(fd)];
  if (slot == kNoSlot) return;
  // Swap-remove: the last entry takes the freed slot.
  const auto index = static_cast<std::size_t>(slot);
  fds_[index] = fds_.back();
  handlers_[index] = handlers_.back();
  slots_[static_cast<std::size_t>(fds_[index].fd)] = slot;
  fds_.pop_back();
  handlers_.pop_back();
  slots_[static_cast<std::size_t>(fd)] = kNoSlot;
}

void PollPoller::wait(int timeout_ms, std::vector<Event>& out) {
  int ready = sys().poll(fds_.data(), fds_.size(), timeout_ms);
  for (std::size_t i = 0; i < fds_.size() && ready > 0; ++i) {
    if (fds_[i].revents == 0) continue;
    out.push_back({handlers_[i], from_poll(fds_[i].revents)});
    --ready;
  }
}

}  // namespace reactor
