// TcpServer: one listener on one reactor, and the connections it accepted, which it owns.
// A closed connection is released after the current iteration (Reactor::destroy_later), so
// connections may close themselves inside their own callbacks. Optional limits: a connection
// count (past it, a new connection is accepted and closed at once; existing ones are unaffected)
// and an idle timeout (no input for that long: Connection::on_idle()).
// Several TcpServers, one per reactor thread, may listen on one port (SO_REUSEPORT) and share a
// ConnectionCounter so that the limit and the count hold across threads.
// Ownership: owns the Acceptor, the connections and the IdleTracker. Threads: the reactor's
// thread, except ConnectionCounter, which is atomic.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "reactor/net/acceptor.h"
#include "reactor/net/connection.h"
#include "reactor/net/idle_tracker.h"

namespace reactor {

// Live connections across the servers that share it.
class ConnectionCounter {
 public:
  std::size_t value() const { return count_.load(std::memory_order_relaxed); }
  // Counts one more unless that would pass `limit` (0: no limit); false if it would.
  bool try_add(std::size_t limit);
  void remove() { count_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  std::atomic<std::size_t> count_{0};
};

class TcpServer final : private ConnectionOwner {
 public:
  using Factory = std::function<std::unique_ptr<Connection>(Socket socket)>;
  struct Options {
    std::size_t max_connections = 0;            // 0: unlimited
    std::chrono::milliseconds idle_timeout{0};  // 0: off
    Acceptor::Options acceptor;
  };

  // `counter` (optional) is shared with other servers; it must outlive this one, and so must
  // `reactor`.
  TcpServer(Reactor& reactor, Socket listener, Factory factory, const Options& options,
            ConnectionCounter* counter = nullptr);
  ~TcpServer();  // aborts the connections still open

  void start();
  void stop_accepting();
  // Graceful close of every connection (each flushes its output first).
  void close_all();
  // Immediate close of every connection.
  void abort_all();

  std::size_t connection_count() const { return connections_.size(); }
  // Live connections across every server sharing the counter.
  std::size_t total_connections() const { return counter_->value(); }
  std::optional<InetAddress> local_address() const { return acceptor_.local_address(); }
  Reactor& reactor() const { return reactor_; }

  // `visit` may close the connection it is given: backwards, a release only moves an already
  // visited connection into the freed slot.
  template <typename Visitor>
  void for_each_connection(Visitor&& visit) {
    for (std::size_t i = connections_.size(); i-- > 0;)
      visit(*connections_[i]);
  }

 private:
  void accept(Socket socket);
  // Makes the connection and starts it on the reactor; nullptr if the factory rejected or threw,
  // or the poller refused it.
  std::unique_ptr<Connection> start_connection(Socket socket);
  void release(Connection& connection) override;
  // The connections as they are now, for closing them while they remove themselves.
  std::vector<Connection*> snapshot() const;

  Reactor& reactor_;
  Factory factory_;
  Options options_;
  ConnectionCounter own_counter_;
  ConnectionCounter* counter_;
  Acceptor acceptor_;
  IdleTracker idle_tracker_;
  std::vector<std::unique_ptr<Connection>> connections_;  // Connection::owner_tag() is the index
};

}  // namespace reactor
