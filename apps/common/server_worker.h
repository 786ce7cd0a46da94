// ServerWorker: one reactor thread's share of a threaded server app (one per ThreadedTcpServer
// thread, added to a ServerLifecycle with add_workers()): it starts that thread's TcpServer, and
// shuts it down gracefully: stop accepting, close the connections, then drain them through a
// GracefulDrain and tell the lifecycle. A subclass adds its connection factory and, through the
// hooks, what else its thread owns (timers, endpoints, connections a TcpServer does not own).
// Ownership: owns its drain; the TcpServer, the reactor and the lifecycle must outlive it.
// Threads: serve() on the constructing thread; everything else on the worker's reactor thread.
#pragma once

#include <chrono>
#include <cstddef>

#include "apps/common/graceful_drain.h"
#include "apps/common/server_lifecycle.h"
#include "reactor/core/reactor.h"
#include "reactor/net/tcp_server.h"

namespace app {

class ServerWorker {
 public:
  // Before start(): the server on this worker's reactor.
  void serve(reactor::TcpServer& server) { server_ = &server; }

  // Accepts and serves; nothing if shut_down() came first.
  void start();
  // Stops accepting, closes every connection once its output is flushed (aborting those left
  // after the grace period), and tells the lifecycle once none is left. Once.
  void shut_down();

 protected:
  ServerWorker(reactor::Reactor& reactor, std::chrono::milliseconds grace,
               ServerLifecycle& lifecycle);
  ~ServerWorker() = default;

  reactor::TcpServer& server() { return *server_; }

  // After the server started.
  virtual void started() {}
  // In shut_down(), once the server stopped accepting and before its connections are closed.
  virtual void closing() {}
  // Connections of this thread the server does not own (they drain too), closed gracefully, counted
  // and aborted.
  virtual void close_others() {}
  virtual std::size_t other_connections() const { return 0; }
  virtual void abort_others() {}

 private:
  reactor::TcpServer* server_ = nullptr;
  GracefulDrain drain_;
};

}  // namespace app
