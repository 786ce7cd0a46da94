// TcpClient: one outgoing connection, as muduo's TcpClient. A Connector opens it (with its
// timeout and backoff), a user factory makes the Connection from the connected socket, and the
// client owns that connection; optionally it connects again after the connection closes. The
// name follows muduo's: it connects to any SocketAddress, Unix-domain ones included.
// A connection that never existed has no on_close(), so a connect that fails for good (after the
// Connector's retries) is reported to the failure callback with its error.
// Ownership: owns the Connector and the Connection. A connection that closes is released and
// deleted after the current iteration (Reactor::destroy_later), so it may close itself inside its
// own callbacks. Destroyed outside the reactor's callbacks, the client aborts and deletes its
// connection before it returns; inside one, it aborts it at once and leaves its deletion to the
// end of the iteration. It may be destroyed inside the failure callback and inside its
// connection's callbacks, but not inside its factory.
// Threads: the reactor's thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <system_error>

#include "reactor/net/connection.h"
#include "reactor/net/connector.h"

namespace reactor {

class TcpClient final : private ConnectionOwner {
 public:
  // As TcpServer::Factory: may return nullptr to reject the socket (reported as ECONNABORTED).
  using Factory = std::function<std::unique_ptr<Connection>(Socket socket)>;
  using FailureCallback = std::function<void(std::error_code error)>;
  struct Options {
    Connector::Options connector;
    // After the connection closes (for whatever reason but disconnect()), connect again after
    // reconnect_delay, with a fresh count of the Connector's attempts.
    bool reconnect = false;
    std::chrono::milliseconds reconnect_delay{500};
  };

  // `reactor` must outlive the client.
  TcpClient(Reactor& reactor, const SocketAddress& address, Factory factory,
            FailureCallback on_failure, const Options& options);
  TcpClient(Reactor& reactor, const SocketAddress& address, Factory factory,
            FailureCallback on_failure = {})
      : TcpClient(reactor, address, std::move(factory), std::move(on_failure), Options{}) {}
  ~TcpClient();  // aborts the connection, if any

  // Starts connecting, unless a connect is already under way or a connection is open.
  // The factory and the failure callback run from the loop, never inside connect().
  void connect();
  // Graceful end: cancels a pending connect, closes the connection (Connection::close()) and
  // does not reconnect until the next connect().
  void disconnect();
  // Stops connecting and reconnecting; an open connection goes on.
  void stop();

  // The open (or closing) connection; nullptr while there is none.
  Connection* connection() const { return connection_.get(); }
  // A connect is under way (an attempt in flight, or waiting for a retry or a reconnect).
  bool connecting() const { return connector_.state() != Connector::State::kIdle; }
  const Connector& connector() const { return connector_; }
  Reactor& reactor() const { return reactor_; }

 private:
  void connector_done(std::error_code error, Socket socket);
  void release(Connection& connection) override;

  Reactor& reactor_;
  Factory factory_;
  FailureCallback on_failure_;
  Options options_;
  Connector connector_;
  std::unique_ptr<Connection> connection_;
  bool reconnect_ = false;  // options_.reconnect, until disconnect() or stop()
  // Set by the destructor outside the reactor's callbacks: the released connection is deleted
  // there, once its abort() has returned.
  bool delete_released_here_ = false;
  std::unique_ptr<Connection> released_;
};

}  // namespace reactor
