#include "apps/tcp_proxy/client_connection.h"

#include <utility>

#include "apps/tcp_proxy/upstream_pool.h"

namespace proxy {

ClientConnection::ClientConnection(reactor::Socket socket, UpstreamPool& pool)
    : RelayConnection(std::move(socket)),
      pool_(pool),
      dialer_(pool, [this](reactor::Socket upstream) { upstream_dialed(std::move(upstream)); }) {
  // Before start(): the socket is registered with no read interest, so nothing the client sends
  // is read before there is somewhere to send it.
  pause_reading();
  dialer_.start();
}

void ClientConnection::upstream_dialed(reactor::Socket socket) {
  if (closing()) return;  // the upstream socket closes here, unused
  RelayConnection* upstream = socket.valid() ? pool_.adopt(std::move(socket)) : nullptr;
  if (upstream == nullptr) {
    close();
    return;
  }
  join(*this, *upstream);
  resume_reading();
}

void ClientConnection::on_close(reactor::CloseReason reason) {
  dialer_.cancel();
  RelayConnection::on_close(reason);
}

}  // namespace proxy
