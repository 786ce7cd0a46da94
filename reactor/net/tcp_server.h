// TcpServer: one listener on one reactor, and the connections it accepted, which it owns. Any
// stream listener serves, TCP or Unix-domain (listen_stream()); TCP_NODELAY is set on the
// connections of a TCP listener only.
// A connection that closes is released at once and deleted after the current iteration
// (Reactor::destroy_later), so connections may close themselves inside their own callbacks.
// Optional limits: a connection count (past it, a new connection is accepted and closed at once;
// existing ones are unaffected) and an idle timeout (no input, or optionally no input or output,
// for that long: Connection::on_idle()). Several TcpServers, one per reactor thread, may listen on
// one port (SO_REUSEPORT) and share a ConnectionCounter so that the limit and the count hold across
// threads. Another thread reaches a connection through its ConnectionId and with_connection(),
// which resolves the id on the server's thread, to the connection or to nothing if it has gone.
// Ownership: owns the Acceptor, the connections and the IdleTracker. Destroyed outside the
// reactor's callbacks, it destroys its connections before it returns; inside one, it aborts them
// at once but leaves their deletion to the end of the iteration, since one of them may be on the
// stack. It must not be destroyed inside its own factory or a for_each_connection() visitor.
// Threads: the reactor's thread, except ConnectionCounter, which is atomic.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "reactor/core/reactor.h"
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

class TcpServer;

// Names one connection of one TcpServer, for as long as that server lives; copyable, any thread.
// A closed connection's id resolves to nothing, also after its place went to a new connection.
struct ConnectionId {
  TcpServer* server = nullptr;
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;  // 0: names no connection
};

class TcpServer final : private ConnectionOwner {
 public:
  using Factory = std::function<std::unique_ptr<Connection>(Socket socket)>;
  struct Options {
    std::size_t max_connections = 0;            // 0: unlimited
    std::chrono::milliseconds idle_timeout{0};  // 0: off
    // What keeps a connection from being idle: input only (the default), or output too.
    IdleTracker::Activity idle_activity = IdleTracker::Activity::kInput;
    Acceptor::Options acceptor;
  };

  // `counter` (optional) is shared with other servers; it must outlive this one, and so must
  // `reactor`.
  TcpServer(Reactor& reactor, Socket listener, Factory factory, const Options& options,
            ConnectionCounter* counter = nullptr);
  ~TcpServer();  // aborts the connections still open

  // Starts accepting. Throws std::system_error if the poller refuses the listener, or with EBADF
  // after stop_accepting().
  void start();
  // Closes the listener for good (Acceptor::close()): new connections are refused, or go to the
  // other listeners sharing the port; those the kernel had completed but nobody accepted yet are
  // reset. Open connections go on. Accepting again takes a new TcpServer on a new listener.
  void stop_accepting();
  // Graceful close of every connection (each flushes its output first).
  void close_all();
  // Immediate close of every connection.
  void abort_all();

  std::size_t connection_count() const { return live_connections_; }
  // The id of `connection`, one of this server's open connections. The reactor's thread.
  ConnectionId id_of(const Connection& connection);
  // The open connection `id` names, or nullptr if it has closed (or is not this server's). The
  // reactor's thread; from another, use with_connection().
  Connection* find(const ConnectionId& id) const;
  // Live connections across every server sharing the counter.
  std::size_t total_connections() const { return counter_->value(); }
  // The address listened on (an IP address and port, or a Unix path or abstract name); none after
  // stop_accepting().
  std::optional<SocketAddress> local_address() const { return acceptor_.local_address(); }
  Reactor& reactor() const { return reactor_; }

  // Calls `visit` once for each connection open when the call began, in no particular order.
  // `visit` may close or abort any connection, call close_all() or abort_all(), or visit again: a
  // connection closed before its turn is skipped, and one accepted meanwhile waits for the next
  // call. The visit takes time in the most connections the server ever held at once. The
  // connections are visited from a snapshot in a buffer kept for the next call, so a
  // call allocates only when the server has grown or a visit is nested.
  template <typename Visitor>
  void for_each_connection(Visitor&& visit) {
    // A connection released meanwhile stays valid: it is deleted only after the iteration.
    std::vector<Connection*> snapshot = take_snapshot();
    for (Connection* connection : snapshot) {
      if (!connection->closed()) visit(*connection);
    }
    keep_for_reuse(std::move(snapshot));
  }

 private:
  // A connection's place: its slot index is its owner_tag(), and the generation changes each time
  // the slot is freed, so that an old ConnectionId finds nothing. Free slots form a list.
  struct Slot {
    std::unique_ptr<Connection> connection;  // null: free
    std::uint32_t generation = 1;
    std::uint32_t next_free = 0;
  };
  static constexpr std::uint32_t kNoSlot = ~std::uint32_t{0};

  void accept(Socket socket);
  std::uint32_t take_slot();
  // Makes the connection and starts it on the reactor; nullptr if the factory rejected or threw,
  // or the poller refused it.
  std::unique_ptr<Connection> start_connection(Socket socket);
  void release(Connection& connection) override;
  // The connections as they are now, in the kept buffer unless a visit holds it.
  std::vector<Connection*> take_snapshot();
  void keep_for_reuse(std::vector<Connection*> snapshot);

  Reactor& reactor_;
  Factory factory_;
  Options options_;
  ConnectionCounter own_counter_;
  ConnectionCounter* counter_;
  Acceptor acceptor_;
  bool tcp_;  // the listener is TCP: its connections get TCP_NODELAY
  IdleTracker idle_tracker_;
  std::vector<Slot> slots_;
  std::uint32_t free_slot_ = kNoSlot;
  std::size_t live_connections_ = 0;
  std::vector<Connection*> snapshot_buffer_;
  // Set by the destructor outside the reactor's callbacks: release() hands connections to
  // released_ instead of the reactor, and the destructor deletes them before it returns.
  bool delete_released_here_ = false;
  std::vector<std::unique_ptr<Connection>> released_;
};

// Calls `fn(Connection*)` on the server's reactor thread with the connection `id` names, or with
// nullptr if it has closed since: at once on that thread, else through Reactor::post(). Any
// thread; the server must outlive the call and the task (a ThreadedTcpServer's servers do, as
// their reactors stop before they die). `fn` may be move-only.
template <typename F>
void with_connection(const ConnectionId& id, F&& fn) {
  id.server->reactor().run_in_loop(
      [id, fn = std::forward<F>(fn)]() mutable { fn(id.server->find(id)); });
}

}  // namespace reactor
