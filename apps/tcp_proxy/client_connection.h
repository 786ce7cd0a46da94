// ClientConnection: the client side of a proxied stream. It starts with reading paused and dials
// an upstream (UpstreamDialer); once connected it joins the upstream side (owned by the
// UpstreamPool) and starts reading. When every upstream fails the client is closed. A client that
// closes before its upstream is connected cancels the dial.
// Ownership: owned by its TcpServer; the pool must outlive it. Threads: the reactor's thread.
#pragma once

#include "apps/tcp_proxy/relay_connection.h"
#include "apps/tcp_proxy/upstream_dialer.h"

namespace proxy {

class UpstreamPool;

class ClientConnection final : public RelayConnection {
 public:
  ClientConnection(reactor::Socket socket, UpstreamPool& pool);

 private:
  void upstream_dialed(reactor::Socket socket);
  void on_close(reactor::CloseReason reason) override;

  UpstreamPool& pool_;
  UpstreamDialer dialer_;
};

}  // namespace proxy
