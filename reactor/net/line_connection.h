// LineConnection: a Connection for line protocols. It splits the input on '\n' (and drops a '\r'
// before it, so "\r\n" works too) and calls on_line() once per complete line, in order, with the
// line in place in the input: no copy and no allocation per line. A partial line waits for the
// rest (Connection keeps it). A line longer than its maximum, complete or not, calls
// on_line_too_long(), which may reply before the connection closes gracefully, instead of the
// reset that Limits::max_input gives. Lines after one that closes the connection (close(),
// abort(), a failed send()) are not delivered.
// Ownership: as Connection. Threads: as Connection, everything on the reactor's thread.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>

#include "reactor/net/connection.h"

namespace reactor {

class LineConnection : public Connection {
 public:
  static constexpr std::size_t kDefaultMaxLineLength = 1024;

  // `max_line_length` counts the line's bytes without its "\n" or "\r\n". Limits::max_input
  // above it lets a long line be answered rather than reset: the constructor raises it to
  // max_line_length + 2 if it is below.
  explicit LineConnection(Socket socket, std::size_t max_line_length = kDefaultMaxLineLength)
      : LineConnection(std::move(socket), max_line_length, Limits{}) {}
  LineConnection(Socket socket, std::size_t max_line_length, const Limits& limits);

  std::size_t max_line_length() const { return max_line_length_; }

 protected:
  // One complete line, without its "\n" or "\r\n"; valid only during the call. May send(),
  // close() or abort(): after close() or abort() no further line is delivered. pause_reading()
  // stops reading from the socket; the lines already read are still delivered.
  virtual void on_line(std::string_view line) = 0;
  // A line went past max_line_length() (the line so far is not delivered). The connection
  // closes gracefully afterwards (close(): the reply sent here is flushed first) unless this
  // aborted it. Default: nothing, so the close is all the peer sees.
  virtual void on_line_too_long() {}

 private:
  std::size_t on_data(std::string_view bytes) final;
  void line_too_long();

  std::size_t max_line_length_;
};

}  // namespace reactor
