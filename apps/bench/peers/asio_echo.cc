// asio_echo: the echo server on standalone Asio with completion callbacks, the way its
// documentation describes it: one io_context run by one thread, an acceptor that re-arms
// async_accept, and a session kept alive by the shared_ptr its pending operation holds, which
// alternates async_read_some and async_write (so it does not read while output is pending).
// A signal_set stops the io_context on SIGINT/SIGTERM.
#include <array>
#include <asio.hpp>
#include <csignal>
#include <memory>

#include "apps/bench/peers/peer_support.h"

namespace {

using asio::ip::tcp;

class EchoSession : public std::enable_shared_from_this<EchoSession> {
 public:
  explicit EchoSession(tcp::socket socket) : socket_(std::move(socket)) {}

  void start() { read(); }

 private:
  void read() {
    socket_.async_read_some(
        asio::buffer(buffer_),
        [self = shared_from_this()](const asio::error_code& error, std::size_t received) {
          if (!error) self->write(received);
        });
  }

  void write(std::size_t size) {
    asio::async_write(socket_, asio::buffer(buffer_.data(), size),
                      [self = shared_from_this()](const asio::error_code& error, std::size_t) {
                        if (!error) self->read();
                      });
  }

  tcp::socket socket_;
  std::array<char, bench::kPeerReadBufferSize> buffer_;
};

class EchoServer {
 public:
  EchoServer(asio::io_context& io, const tcp::endpoint& endpoint) : acceptor_(io, endpoint) {
    accept();
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void close() { acceptor_.close(); }

 private:
  void accept() {
    acceptor_.async_accept([this](const asio::error_code& error, tcp::socket socket) {
      if (error == asio::error::operation_aborted) return;
      if (!error) {
        asio::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<EchoSession>(std::move(socket))->start();
      }
      accept();
    });
  }

  tcp::acceptor acceptor_;
};

}  // namespace

int main(int argc, char** argv) {
  const bench::PeerAddress address =
      bench::start_peer_or_exit(argc, argv, "Echo server on standalone Asio.");
  asio::io_context io(1);
  const tcp::endpoint endpoint(asio::ip::make_address(address.host),
                               bench::port_of(address.socket_address()));
  std::unique_ptr<EchoServer> server;
  try {
    server = std::make_unique<EchoServer>(io, endpoint);
  } catch (const std::system_error& error) {
    bench::exit_with_error("listen on " + address.host, error.code().message());
  }
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const asio::error_code&, int) {
    server->close();
    io.stop();
  });
  bench::announce_listening(address, server->port());
  io.run();
  return 0;
}
