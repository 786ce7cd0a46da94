// UpstreamPool: one reactor thread's upstream side of the proxy. It hands out the upstream to try
// first for each new client, round robin over the list (a counter of its own, so threads share
// nothing), and owns the upstream connections once they are connected, as a TcpServer owns the
// client ones: a closed one is released and deleted after the current iteration.
// Ownership: owns the upstream RelayConnections; the address list is shared, read-only, by the
// pools of every thread. Threads: the reactor's thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include "apps/tcp_proxy/relay_connection.h"
#include "reactor/core/reactor.h"
#include "reactor/net/connection.h"
#include "reactor/net/inet_address.h"
#include "reactor/net/socket.h"

namespace proxy {

class UpstreamPool final : private reactor::ConnectionOwner {
 public:
  // `upstreams` (at least one) must outlive the pool, and so must `reactor`.
  UpstreamPool(reactor::Reactor& reactor, const std::vector<reactor::InetAddress>& upstreams,
               std::chrono::milliseconds connect_timeout);
  ~UpstreamPool();  // aborts the upstream connections still open
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  const std::vector<reactor::InetAddress>& upstreams() const { return upstreams_; }
  std::chrono::milliseconds connect_timeout() const { return connect_timeout_; }
  reactor::Reactor& reactor() const { return reactor_; }
  // The index of the upstream a new client tries first; each call moves on by one.
  std::size_t next_first();

  // Makes an upstream connection of `socket` and starts it. nullptr if the poller refused it.
  RelayConnection* adopt(reactor::Socket socket);
  std::size_t connection_count() const { return connections_.size(); }
  void close_all();
  void abort_all();

 private:
  void release(reactor::Connection& connection) override;

  reactor::Reactor& reactor_;
  const std::vector<reactor::InetAddress>& upstreams_;
  std::chrono::milliseconds connect_timeout_;
  std::size_t next_ = 0;
  // Each connection's owner_tag() is its index here; a released one is swapped with the last.
  std::vector<std::unique_ptr<RelayConnection>> connections_;
};

}  // namespace proxy
