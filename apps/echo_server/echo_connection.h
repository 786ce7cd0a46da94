// EchoConnection: a Connection that sends every byte it receives straight back to its peer.
// It tells a CloseListener when it has closed, so that its server can tell when it has drained.
// Ownership: owned by its TcpServer; the listener must outlive it. Threads: the reactor's thread.
#pragma once

#include <cstddef>
#include <string_view>

#include "reactor/net/connection.h"

namespace echo {

class EchoConnection final : public reactor::Connection {
 public:
  class CloseListener {
   public:
    virtual void connection_closed() = 0;

   protected:
    ~CloseListener() = default;
  };

  EchoConnection(reactor::Socket socket, CloseListener& listener)
      : Connection(std::move(socket)), listener_(listener) {}

 private:
  std::size_t on_data(std::string_view bytes) override {
    send(bytes);
    return bytes.size();
  }
  void on_close(reactor::CloseReason) override { listener_.connection_closed(); }

  CloseListener& listener_;
};

}  // namespace echo
