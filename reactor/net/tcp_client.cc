#include "reactor/net/tcp_client.h"

#include <cerrno>
#include <utility>

#include "reactor/core/reactor.h"

namespace reactor {

TcpClient::TcpClient(Reactor& reactor, const SocketAddress& address, Factory factory,
                     FailureCallback on_failure, const Options& options)
    : reactor_(reactor),
      factory_(std::move(factory)),
      on_failure_(std::move(on_failure)),
      options_(options),
      connector_(
          reactor, address,
          [this](std::error_code error, Socket socket) {
            connector_done(error, std::move(socket));
          },
          options.connector) {}

TcpClient::~TcpClient() {
  // Outside the reactor's callbacks the connection cannot be on the stack, so it is deleted
  // here, before anything it refers to that was made after the client is.
  delete_released_here_ = !reactor_.dispatching();
  reconnect_ = false;
  connector_.cancel();
  if (connection_) connection_->abort();  // runs its on_close() and release()
  if (connection_) {
    // Already closed: this is its own on_close(), and its release() is still to come.
    connection_->set_owner(nullptr, 0);
    reactor_.destroy_later(std::move(connection_));
  }
  released_.reset();
}

void TcpClient::connect() {
  if (connection_ || connecting()) return;
  reconnect_ = options_.reconnect;
  connector_.start();
}

void TcpClient::disconnect() {
  stop();
  if (connection_) connection_->close();
}

void TcpClient::stop() {
  reconnect_ = false;
  connector_.cancel();
}

void TcpClient::connector_done(std::error_code error, Socket socket) {
  if (!error) {
    std::unique_ptr<Connection> connection = factory_(std::move(socket));
    if (!connection) {
      error = std::error_code(ECONNABORTED, std::generic_category());
    } else {
      try {
        connection->start(reactor_);
        connection->set_owner(this, 0);
        connection_ = std::move(connection);
        return;
      } catch (const std::system_error& refused) {  // the poller would not watch it
        error = refused.code();
      }
    }
  }
  // A copy: the callback may destroy this client, and with it on_failure_.
  const FailureCallback on_failure = on_failure_;
  if (on_failure) on_failure(error);
}

void TcpClient::release(Connection& connection) {
  if (&connection != connection_.get()) return;
  std::unique_ptr<Connection> released = std::move(connection_);
  if (delete_released_here_) {
    released_ = std::move(released);
    return;
  }
  // Its callback may still be on the stack: it is deleted after the current iteration.
  reactor_.destroy_later(std::move(released));
  if (reconnect_) connector_.start(options_.reconnect_delay);
}

}  // namespace reactor
