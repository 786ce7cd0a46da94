// Shared pieces of the echo server integration tests: the echo_server binary started on a free
// port (EchoServerProcess), and payloads that reveal lost or reordered bytes.
// Ownership: EchoServerProcess owns its child process (killed at destruction if still running).
// Threads: one test thread.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "test/integration/server_process.h"
#include "test/support/process.h"

namespace echo::testing {

using reactor::testing::budget;
using reactor::testing::parse_listening_line;
using reactor::testing::sanitized;

// True for the ways a server ends a connection from its side: EOF (close) or reset (abort).
bool closed_by_peer(const std::error_code& error);

// An ASAN_OPTIONS entry for a child: this process's ASAN_OPTIONS, plus `option`.
std::string asan_options_with(const std::string& option);

// `size` bytes in which each byte depends on its offset and on `seed`, so that lost, duplicated
// or reordered bytes, and bytes of another stream, show.
std::string make_payload(std::size_t size, std::uint64_t seed);

// echo_server on a free port.
class EchoServerProcess : public reactor::testing::ServerProcess {
 public:
  explicit EchoServerProcess(const std::vector<std::string>& flags = {},
                             const std::vector<std::string>& environment = {})
      : ServerProcess(ECHO_SERVER_PATH, flags, environment) {}
};

}  // namespace echo::testing
