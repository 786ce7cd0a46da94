// A server binary started on a free port for an integration test: ServerProcess runs it with
// --port=0 and waits for its "Listening on HOST:PORT" line, which every server here prints. Also
// time budgets that stretch in sanitizer builds.
// Ownership: ServerProcess owns its child process (killed at destruction if still running).
// Threads: one test thread.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "test/support/process.h"

namespace reactor::testing {

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

// The endpoint of a "Listening on HOST:PORT" line (IPv6 hosts in brackets).
std::optional<asio::ip::tcp::endpoint> parse_listening_line(std::string_view line);

class ServerProcess {
 public:
  // Starts the server at `path` with --port=0 then `flags`, and waits for its "Listening on"
  // line. Throws std::runtime_error (carrying the server's stderr) if none comes.
  ServerProcess(const std::string& path, const std::vector<std::string>& flags,
                const std::vector<std::string>& environment = {});

  const asio::ip::tcp::endpoint& endpoint() const { return endpoint_; }
  const std::string& listening_line() const { return listening_line_; }
  ChildProcess& process() { return process_; }

 private:
  ChildProcess process_;
  std::string listening_line_;
  asio::ip::tcp::endpoint endpoint_;
};

}  // namespace reactor::testing
