// Checks of the flags the servers share (--host, --port, --threads, --poller, counts and
// durations in milliseconds), each turning a flag's raw value into what the server needs, or
// ending the process through exit_with_usage_error() with one line that names the flag. Also the
// line for a failure to listen. Functions only; call from main().
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <system_error>

#include "reactor/net/inet_address.h"

namespace app {

inline constexpr int kMaxThreads = 256;

// --host (a numeric IPv4 or IPv6 address) and --port (0..65535, 0 for a free port).
reactor::InetAddress address_from_flags(const std::string& host, std::int32_t port);
// --threads: 1..kMaxThreads.
std::size_t threads_from_flag(std::int32_t threads);
// --poller: epoll or poll.
std::string poller_from_flag(const std::string& poller);
// --<name>: a duration in milliseconds, 0 or more.
std::chrono::milliseconds milliseconds_from_flag(const char* name, std::int64_t value);
// --<name>: 0 or more.
std::size_t count_from_flag(const char* name, std::int64_t value);

// Why listening failed, in words: "address in use" for EADDRINUSE, else the system's message.
std::string describe_listen_error(const std::error_code& error);

}  // namespace app
