// ResponseCache: the bytes of responses that do not change from one request to the next,
// formatted once: the Server and Date lines every response carries, and the whole /plaintext
// response in each of its Connection-header variants. The Date line (and the responses holding
// it) are formatted again only when the wall clock's second has changed, which the loop's cached
// time tells without a system call; between refreshes a response is one copy of fixed bytes.
// Ownership: owns its blocks. Threads: one reactor thread (each thread has its own).
#pragma once

#include <array>
#include <cstddef>
#include <ctime>
#include <string_view>

#include "reactor/core/clock.h"

namespace http {

// The Connection header a response needs: none (HTTP/1.1 keep-alive), keep-alive (HTTP/1.0
// keep-alive), or close.
enum class ConnectionHeader : unsigned char { kNone, kKeepAlive, kClose };

class ResponseCache {
 public:
  // An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") is this long.
  static constexpr std::size_t kDateSize = 29;
  static constexpr std::string_view kPlaintextBody = "Hello, World!";

  ResponseCache();

  // "Server: reactor\r\nDate: <now>\r\n". `now` is the loop's monotonic time.
  std::string_view common_headers(reactor::Clock::time_point now) {
    refresh_if_due(now);
    return {common_.data(), common_.size()};
  }
  // The whole 200 response of GET /plaintext, or without its body for HEAD.
  std::string_view plaintext(reactor::Clock::time_point now, ConnectionHeader connection,
                             bool with_body) {
    refresh_if_due(now);
    const Block& block = plaintext_[static_cast<std::size_t>(connection)];
    return {block.bytes.data(), block.size - (with_body ? 0 : kPlaintextBody.size())};
  }
  // The header line for `connection`, CRLF included (empty for kNone).
  static std::string_view connection_line(ConnectionHeader connection);

  // Writes `time` as an IMF-fixdate into `out` (kDateSize bytes).
  static void format_date(std::time_t time, char* out);

 private:
  struct Block {
    std::array<char, 192> bytes;
    std::size_t size = 0;
  };

  void refresh_if_due(reactor::Clock::time_point now) {
    if (now >= next_refresh_) refresh(now);
  }
  void refresh(reactor::Clock::time_point now);

  std::array<char, 17 + 6 + kDateSize + 2> common_;
  std::array<Block, 3> plaintext_;
  reactor::Clock::time_point next_refresh_{};
};

}  // namespace http
