#include "apps/tcp_proxy/upstream_pool.h"

#include <system_error>
#include <utility>

namespace proxy {

UpstreamPool::UpstreamPool(reactor::Reactor& reactor,
                           const std::vector<reactor::InetAddress>& upstreams,
                           std::chrono::milliseconds connect_timeout)
    : reactor_(reactor), upstreams_(upstreams), connect_timeout_(connect_timeout) {}

UpstreamPool::~UpstreamPool() {
  // Forgotten first, so that no release() reaches a half-destroyed pool; then destroyed, which
  // resets what is still open.
  for (const std::unique_ptr<RelayConnection>& connection : connections_)
    connection->set_owner(nullptr, 0);
}

std::size_t UpstreamPool::next_first() {
  const std::size_t first = next_;
  next_ = (next_ + 1) % upstreams_.size();
  return first;
}

RelayConnection* UpstreamPool::adopt(reactor::Socket socket) {
  auto connection = std::make_unique<RelayConnection>(std::move(socket));
  try {
    connection->start(reactor_);
  } catch (const std::system_error&) {
    return nullptr;
  }
  connection->set_owner(this, connections_.size());
  connections_.push_back(std::move(connection));
  return connections_.back().get();
}

void UpstreamPool::close_all() {
  // A close may complete at once and release its connection, which reorders the vector: walk a
  // snapshot of the pointers.
  std::vector<RelayConnection*> open;
  for (const std::unique_ptr<RelayConnection>& connection : connections_)
    open.push_back(connection.get());
  for (RelayConnection* connection : open)
    connection->close();
}

void UpstreamPool::abort_all() {
  while (!connections_.empty())
    connections_.back()->abort();
}

void UpstreamPool::release(reactor::Connection& connection) {
  const std::size_t index = connection.owner_tag();
  std::unique_ptr<RelayConnection> released = std::move(connections_[index]);
  if (index + 1 != connections_.size()) {
    connections_[index] = std::move(connections_.back());
    connections_[index]->set_owner(this, index);
  }
  connections_.pop_back();
  reactor_.destroy_later(std::move(released));
}

}  // namespace proxy
