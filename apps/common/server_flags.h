// The checks of the flags every server app on the library has (echo_server, http_server), in the
// manner of command_line.h: each exits with one usage error line naming the flag.
// Ownership: functions only. Threads: main()'s, before any other thread starts.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "apps/common/command_line.h"

namespace app {

inline constexpr int kMaxServerThreads = 256;

// --host: a numeric IPv4 or IPv6 address.
void require_numeric_host(const std::string& host);
// --poller: epoll or poll.
void require_poller(const std::string& poller);

// The flags every server app has, as given on the command line.
struct ServerFlags {
  std::string host;
  std::int64_t port;
  std::int64_t threads;
  std::string poller;
  std::int64_t max_connections;
  std::int64_t idle_timeout_ms;
};

// Checks `flags` and sets them in a server's Config (its host, port, threads, poller,
// max_connections and idle_timeout fields).
template <typename Config>
void apply_server_flags(const ServerFlags& flags, Config& config) {
  require_numeric_host(flags.host);
  config.host = flags.host;
  require_in_range("port", flags.port, 0, 65535);
  config.port = static_cast<std::uint16_t>(flags.port);
  require_in_range("threads", flags.threads, 1, kMaxServerThreads);
  config.threads = static_cast<std::size_t>(flags.threads);
  require_poller(flags.poller);
  config.poller = flags.poller;
  require_non_negative("max_connections", flags.max_connections);
  config.max_connections = static_cast<std::size_t>(flags.max_connections);
  require_non_negative("idle_timeout_ms", flags.idle_timeout_ms);
  config.idle_timeout = std::chrono::milliseconds(flags.idle_timeout_ms);
}

}  // namespace app
