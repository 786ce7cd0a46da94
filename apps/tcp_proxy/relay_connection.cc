#include "apps/tcp_proxy/relay_connection.h"

#include <utility>

namespace proxy {

namespace {

reactor::Connection::Limits without_self_pause(reactor::Connection::Limits limits) {
  limits.pause_at_high_water = false;
  return limits;
}

}  // namespace

RelayConnection::RelayConnection(reactor::Socket socket, const Limits& limits)
    : Connection(std::move(socket), without_self_pause(limits)) {}

void RelayConnection::join(RelayConnection& a, RelayConnection& b) {
  a.partner_ = &b;
  b.partner_ = &a;
}

std::size_t RelayConnection::on_data(std::string_view bytes) {
  // Only a joined side reads: the client side is paused until its upstream is connected, and a
  // side whose partner closed is closing itself, which calls on_data() no more.
  partner_->send(bytes);
  return bytes.size();
}

void RelayConnection::on_peer_shutdown() {
  if (partner_ != nullptr) {
    partner_->shutdown();
  } else {
    close();
  }
}

void RelayConnection::on_high_water(std::size_t /*queued*/) {
  if (partner_ != nullptr) partner_->pause_reading();
}

void RelayConnection::on_drained() {
  if (partner_ != nullptr) partner_->resume_reading();
}

void RelayConnection::on_close(reactor::CloseReason reason) {
  RelayConnection* const partner = std::exchange(partner_, nullptr);
  if (partner == nullptr) return;
  partner->partner_ = nullptr;
  if (reason.abnormal()) {
    partner->abort(reason);
  } else {
    partner->close();
  }
}

}  // namespace proxy
