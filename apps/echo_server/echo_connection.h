// EchoConnection: a Connection that sends every byte it receives straight back to its peer.
// Ownership: owned by its TcpServer. Threads: the reactor's thread.
#pragma once

#include <cstddef>
#include <string_view>

#include "reactor/net/connection.h"

namespace echo {

class EchoConnection final : public reactor::Connection {
 public:
  explicit EchoConnection(reactor::Socket socket) : Connection(std::move(socket)) {}

 private:
  std::size_t on_data(std::string_view bytes) override {
    send(bytes);
    return bytes.size();
  }
};

}  // namespace echo
