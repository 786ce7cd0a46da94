// EchoConnection: the smallest Connection subclass, sending back every byte it receives, for
// tests that need a server or an upstream to talk to.
// Ownership: as Connection. Threads: the reactor's thread.
#pragma once

#include <cstddef>
#include <string_view>

#include "reactor/net/connection.h"

namespace reactor::testing {

// Not final: tests derive from it to count or observe.
class EchoConnection : public Connection {
 public:
  using Connection::Connection;

 protected:
  std::size_t on_data(std::string_view bytes) override {
    send(bytes);
    return bytes.size();
  }
};

}  // namespace reactor::testing
