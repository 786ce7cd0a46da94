// Interest sets and readiness bits shared by the Poller, the Reactor and EventHandlers.
#pragma once

#include <cstdint>

namespace reactor {

// The values are the kernel's own (EPOLLIN/POLLIN, EPOLLOUT/POLLOUT, EPOLLERR/POLLERR,
// EPOLLHUP/POLLHUP), so pollers translate with a mask instead of a branch per bit, and an
// interest bit is the readiness bit it asks for.

// What a handler wants to hear about. A bit mask: kRead | kWrite.
using Interest = std::uint8_t;
inline constexpr Interest kNoInterest = 0;
inline constexpr Interest kRead = 0x1;
inline constexpr Interest kWrite = 0x4;

// What a poller reports. Error and hang-up are reported whatever the interest set, as the
// kernel does for epoll and poll.
using Readiness = std::uint8_t;
inline constexpr Readiness kReadable = 0x1;
inline constexpr Readiness kWritable = 0x4;
inline constexpr Readiness kError = 0x8;
inline constexpr Readiness kHangup = 0x10;

}  // namespace reactor
