// EchoDriver: drives one echo peer (a connection, a datagram endpoint, a proxy in front of an
// echo server) from the other end of a socket: writes a message, turns the reactor until the whole
// echo is back, and checks it. Uses only plain system calls and fixed buffers, so the round trip
// itself allocates nothing on the test's side (for allocation tests).
// Ownership: borrows the reactor and the fd. Threads: the reactor's thread.
#pragma once

#include <cstddef>

#include "reactor/core/reactor.h"

namespace reactor::testing {

class EchoDriver {
 public:
  EchoDriver(Reactor& reactor, int peer_fd) : reactor_(reactor), peer_fd_(peer_fd) {}

  // Returns how many of `count` round trips of `size` bytes (at most 4096) came back intact.
  int round_trips(int count, std::size_t size);

 private:
  bool round_trip(std::size_t size);

  Reactor& reactor_;
  const int peer_fd_;
  char message_[4096];
  char echo_[4096];
};

}  // namespace reactor::testing
