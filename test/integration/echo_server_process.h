// Shared pieces of the server integration tests: a server binary started on a free port
// (ServerProcess; EchoServerProcess for echo_server), payloads that reveal lost or reordered
// bytes, and time budgets that stretch in sanitizer builds.
// Ownership: a ServerProcess owns its child process (killed at destruction if still running).
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

#include "test/support/process.h"

namespace echo::testing {

// Sanitizer builds run several times slower; timeouts and big transfers take that into account.
constexpr bool sanitized() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

// A time budget, stretched in sanitizer builds. Budgets only bound waits for events; a test never
// sleeps for one.
constexpr std::chrono::milliseconds budget(std::chrono::milliseconds normal) {
  return sanitized() ? normal * 4 : normal;
}

// True for the ways a server ends a connection from its side: EOF (close) or reset (abort).
bool closed_by_peer(const std::error_code& error);

// An ASAN_OPTIONS entry for a child: this process's ASAN_OPTIONS, plus `option`.
std::string asan_options_with(const std::string& option);

// `size` bytes in which each byte depends on its offset and on `seed`, so that lost, duplicated
// or reordered bytes, and bytes of another stream, show.
std::string make_payload(std::size_t size, std::uint64_t seed);

// The endpoint of a "Listening on HOST:PORT" line (IPv6 hosts in brackets).
std::optional<asio::ip::tcp::endpoint> parse_listening_line(std::string_view line);

class ServerProcess {
 public:
  // Starts `program` with --port=0 then `flags`, and waits for its "Listening on" line.
  // Throws std::runtime_error (carrying the server's stderr) if none comes.
  ServerProcess(const std::string& program, const std::vector<std::string>& flags,
                const std::vector<std::string>& environment = {});

  const asio::ip::tcp::endpoint& endpoint() const { return endpoint_; }
  const std::string& listening_line() const { return listening_line_; }
  reactor::testing::ChildProcess& process() { return process_; }

 private:
  reactor::testing::ChildProcess process_;
  std::string listening_line_;
  asio::ip::tcp::endpoint endpoint_;
};

#ifdef ECHO_SERVER_PATH
// echo_server, for the test executables built with its path.
class EchoServerProcess : public ServerProcess {
 public:
  explicit EchoServerProcess(const std::vector<std::string>& flags = {},
                             const std::vector<std::string>& environment = {})
      : ServerProcess(ECHO_SERVER_PATH, flags, environment) {}
};
#endif

}  // namespace echo::testing
