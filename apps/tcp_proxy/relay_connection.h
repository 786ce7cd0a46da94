// RelayConnection: one side of a proxied stream. Two of them, joined, relay each other's bytes:
// what one reads goes straight into the other's send() (the view read, no copy in between), so a
// relayed message costs a read on one socket and a write on the other.
// Flow control: a side whose output passes the high-water mark pauses its partner's reading, and
// resumes it once its output has drained; its own reading goes on (Limits::pause_at_high_water is
// off), since it is the partner, not this side, that produces its output. Each direction so holds
// at most about a high-water mark of queued bytes plus one read.
// Half-close: a side that reads its peer's EOF shuts down its partner's writing once the bytes
// before it are out (Connection::shutdown()); the pair closes when both directions are done.
// Close: a side that closes gracefully closes its partner gracefully; one that ends otherwise
// (reset, error, idle timeout, abort) aborts its partner with the same reason, so a reset reaches
// the other peer as a reset at once.
// Ownership: the two sides belong to different owners (the client's TcpServer, the upstream
// pool); each forgets the other when it closes, so neither outlives the pointer it holds.
// Threads: the reactor's thread; both sides on the same reactor.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>

#include "reactor/net/connection.h"

namespace proxy {

class RelayConnection : public reactor::Connection {
 public:
  // The library's default limits, with pause_at_high_water turned off whatever `limits` says.
  explicit RelayConnection(reactor::Socket socket) : RelayConnection(std::move(socket), Limits{}) {}
  RelayConnection(reactor::Socket socket, const Limits& limits);

  // Joins two open sides: from now on each relays to the other.
  static void join(RelayConnection& a, RelayConnection& b);
  bool joined() const { return partner_ != nullptr; }

 protected:
  void on_close(reactor::CloseReason reason) override;

 private:
  std::size_t on_data(std::string_view bytes) override;
  void on_peer_shutdown() override;
  void on_high_water(std::size_t queued) override;
  void on_drained() override;

  // Null until joined, and again once either side has closed.
  RelayConnection* partner_ = nullptr;
};

}  // namespace proxy
