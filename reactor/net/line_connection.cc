#include "reactor/net/line_connection.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace reactor {
namespace {

Connection::Limits with_room_for_a_line(Connection::Limits limits, std::size_t max_line_length) {
  limits.max_input = std::max(limits.max_input, max_line_length + 2);
  return limits;
}

}  // namespace

LineConnection::LineConnection(Socket socket, std::size_t max_line_length, const Limits& limits)
    : Connection(std::move(socket), with_room_for_a_line(limits, max_line_length)),
      max_line_length_(max_line_length) {}

std::size_t LineConnection::on_data(std::string_view bytes) {
  std::size_t consumed = 0;
  while (!closing()) {
    const std::string_view rest = bytes.substr(consumed);
    const void* newline = std::memchr(rest.data(), '\n', rest.size());
    if (newline == nullptr) {
      // A partial line: wait for the rest, unless it is too long already (a "\r" may still be
      // the start of its "\r\n", so it is not counted).
      const std::size_t length = rest.size() - (!rest.empty() && rest.back() == '\r' ? 1 : 0);
      if (length > max_line_length_) line_too_long();
      break;
    }
    std::size_t length = static_cast<std::size_t>(static_cast<const char*>(newline) - rest.data());
    consumed += length + 1;
    if (length > 0 && rest[length - 1] == '\r') --length;
    if (length > max_line_length_) {
      line_too_long();
      break;
    }
    on_line(rest.substr(0, length));
  }
  // Once closing, the input is discarded anyway: counting it all keeps nothing for it.
  return closing() ? bytes.size() : consumed;
}

void LineConnection::line_too_long() {
  on_line_too_long();
  close();
}

}  // namespace reactor
