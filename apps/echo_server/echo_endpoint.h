// EchoEndpoint: a DatagramEndpoint that sends every datagram straight back to its sender, for
// echo_server --udp.
// Ownership: owned by its EchoServer worker. Threads: the reactor's thread.
#pragma once

#include <string_view>

#include "reactor/net/datagram_endpoint.h"

namespace echo {

class EchoEndpoint final : public reactor::DatagramEndpoint {
 public:
  using DatagramEndpoint::DatagramEndpoint;

 private:
  // A datagram the kernel cannot take is queued, or dropped past the queue's bounds, as UDP may.
  void on_datagram(std::string_view payload, const reactor::SocketAddress& from) override {
    send_to(payload, from);
  }
};

}  // namespace echo
