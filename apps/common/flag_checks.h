// Checks of the flag values the servers share (--host, --port, --threads, --poller and
// non-negative counts and durations): each returns the value in the type the server wants, or
// ends the process through exit_with_usage_error() with one line naming the flag.
// Ownership: functions returning values. Threads: main() after parse_command_line_or_exit(),
// before starting any thread (they may exit the process).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace app {

// A numeric IPv4 or IPv6 address.
std::string checked_host(const std::string& host);
// 0..65535 (0: any free port).
std::uint16_t checked_port(std::int64_t port);
// 1..max_threads.
std::size_t checked_threads(std::int64_t threads, int max_threads);
// "epoll" or "poll".
std::string checked_poller(const std::string& poller);
// >= 0; `flag` is its name without dashes.
std::size_t checked_count(const char* flag, std::int64_t value);
std::chrono::milliseconds checked_milliseconds(const char* flag, std::int64_t value);

}  // namespace app
