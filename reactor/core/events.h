// Interest sets and readiness bits shared by the Poller, the Reactor and EventHandlers.
#pragma once

#include <cstdint>

namespace reactor {

// What a handler wants to hear about. A bit mask: kRead | kWrite.
using Interest = std::uint8_t;
inline constexpr Interest kNoInterest = 0;
inline constexpr Interest kRead = 1;
inline constexpr Interest kWrite = 2;

// What a poller reports. Error and hang-up are reported whatever the interest set, as the
// kernel does for epoll and poll.
using Readiness = std::uint8_t;
inline constexpr Readiness kReadable = 1;
inline constexpr Readiness kWritable = 2;
inline constexpr Readiness kError = 4;
inline constexpr Readiness kHangup = 8;

}  // namespace reactor
