// ResponseHeaders: the header lines every response carries, Server and Date, formatted once into
// one block that the responses copy. The Date line is formatted again only when the second has
// changed, which the loop's cached time tells without a system call; between refreshes the block
// is the same bytes.
// Ownership: owns its block. Threads: one reactor thread (each thread has its own).
#pragma once

#include <array>
#include <cstddef>
#include <ctime>
#include <string_view>

#include "reactor/core/clock.h"

namespace http {

class ResponseHeaders {
 public:
  // An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") is this long.
  static constexpr std::size_t kDateSize = 29;

  ResponseHeaders();

  // "Server: reactor\r\nDate: <now>\r\n", formatted again if `now` (the loop's monotonic time) has
  // reached the next wall-clock second since the last call.
  std::string_view common(reactor::Clock::time_point now) {
    if (now >= next_refresh_) refresh(now);
    return {block_.data(), block_.size()};
  }

  // Writes `time` as an IMF-fixdate into `out` (kDateSize bytes).
  static void format_date(std::time_t time, char* out);

 private:
  void refresh(reactor::Clock::time_point now);

  std::array<char, 17 + 6 + kDateSize + 2> block_;
  reactor::Clock::time_point next_refresh_{};
};

}  // namespace http
