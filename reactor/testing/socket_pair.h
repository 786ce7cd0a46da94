// SocketPair: a connected AF_UNIX stream socket pair for tests; both ends non-blocking.
// `local` is the end a test watches, `peer` the end it drives (writes to, or closes for a
// hang-up). Ownership: owns both fds until released. Threads: any, one at a time.
#pragma once

#include <string_view>

namespace reactor::testing {

class SocketPair {
 public:
  SocketPair();  // throws std::system_error
  ~SocketPair();
  SocketPair(const SocketPair&) = delete;
  SocketPair& operator=(const SocketPair&) = delete;

  int local() const { return local_; }
  int peer() const { return peer_; }

  // Writes `bytes` into the peer end, so that `local` becomes readable. Throws on failure.
  void send_to_local(std::string_view bytes = "x");
  // Closes the peer end: `local` sees a hang-up.
  void close_peer();
  // Closes the local end.
  void close_local();
  // Moves the local end to descriptor number `fd` (dup2), closing whatever `fd` was.
  void renumber_local(int fd);
  // Gives up ownership of the local end and returns it.
  int release_local();

 private:
  int local_ = -1;
  int peer_ = -1;
};

}  // namespace reactor::testing
