// The TcpServer test kit: a TcpServer on a real epoll reactor whose clock moves only when a test
// moves it, an echo connection, and a client the test reads by hand. Shared by the TcpServer
// tests and the contract suite every kind of stream listener passes.
// Ownership: the fixture owns its reactor, its server and the syscall seam's fake.
// Threads: the test's thread, except where a test starts its own.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "reactor/core/reactor.h"
#include "reactor/net/socket_address.h"
#include "reactor/net/tcp_server.h"
#include "reactor/poller/make_poller.h"
#include "reactor/testing/fake_syscalls.h"
#include "reactor/testing/manual_clock.h"
#include "test/support/echo_connection.h"

namespace reactor::server_test {

using std::chrono::milliseconds;
using testing::FakeSyscalls;

constexpr auto kPatience = std::chrono::seconds(5);  // bound on any wait for the network

inline InetAddress loopback_any_port() {
  return *InetAddress::parse("127.0.0.1", 0);
}

// What connect_stream() to `address` failed with; 0 if it connected.
inline int connect_error(const SocketAddress& address) {
  try {
    connect_stream(address);
    return 0;
  } catch (const std::system_error& error) {
    return error.code().value();
  }
}

// Calls `step` until `done()`, for at most kPatience of real time. Returns done().
inline bool eventually(const std::function<bool()>& done, const std::function<void()>& step) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    step();
  }
  return true;
}

using reactor::testing::EchoConnection;

inline TcpServer::Factory echo_factory() {
  return [](Socket socket) { return std::make_unique<EchoConnection>(std::move(socket)); };
}

// The far end of a connection: a plain non-blocking socket the test reads by hand.
class Client {
 public:
  explicit Client(const SocketAddress& address) : socket_(connect_stream(address)) {}

  void send(std::string_view bytes) {
    ASSERT_EQ(::send(socket_.fd(), bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  // Reads whatever has arrived, without blocking.
  void read_available() {
    char chunk[64 << 10];
    while (!ended_) {
      const ssize_t n = ::read(socket_.fd(), chunk, sizeof chunk);
      if (n > 0) {
        received_.append(chunk, static_cast<std::size_t>(n));
      } else if (n == 0) {
        ended_ = true;
      } else if (errno == EAGAIN) {
        return;
      } else if (errno != EINTR) {
        ended_ = true;
        end_error_ = errno;
      }
    }
  }
  // Waits up to 5 ms for something to read (for a server on another thread).
  void wait_readable() const {
    pollfd entry{socket_.fd(), POLLIN, 0};
    ::poll(&entry, 1, 5);
  }
  void close() { socket_.reset(); }
  // Half-close: no more input for the server, which still may answer.
  void shutdown_write() { ASSERT_TRUE(socket_.shutdown_write()); }
  // Closes the stream abortively: a TCP reset, and for both TCP and Unix-domain sockets, a
  // reset when the client has input left unread.
  void reset() {
    socket_.set_linger_reset();
    socket_.reset();
  }
  int fd() const { return socket_.fd(); }

  const std::string& received() const { return received_; }
  // The server closed the stream: end_error() is 0 for an orderly close, else e.g. ECONNRESET.
  bool ended() const { return ended_; }
  int end_error() const { return end_error_; }

 private:
  Socket socket_;
  std::string received_;
  bool ended_ = false;
  int end_error_ = 0;
};

// A TcpServer on a real epoll reactor whose clock moves only when a test moves it.
class TcpServerTest : public ::testing::Test {
 protected:
  // The listener start_server() serves: TCP on the loopback unless a suite says otherwise.
  virtual Socket make_listener() { return listen_tcp(loopback_any_port()); }

  void start_server(const TcpServer::Options& options = {},
                    TcpServer::Factory factory = echo_factory(),
                    ConnectionCounter* counter = nullptr) {
    server_ = std::make_unique<TcpServer>(reactor_, make_listener(), std::move(factory), options,
                                          counter);
    server_->start();
  }

  SocketAddress address() const { return *server_->local_address(); }

  bool pump_until(const std::function<bool()>& done) {
    return eventually(done, [this] { reactor_.run_once(milliseconds(5)); });
  }
  // Sends `message` and runs the loop until as many bytes came back or the stream ended.
  std::string echo(Client& client, std::string_view message) {
    const std::size_t expected = client.received().size() + message.size();
    client.send(message);
    pump_until([&] {
      client.read_available();
      return client.received().size() >= expected || client.ended();
    });
    return client.received().substr(expected - message.size());
  }
  bool ended_by_server(Client& client) {
    return pump_until([&] {
      client.read_available();
      return client.ended();
    });
  }
  bool count_becomes(std::size_t count) {
    return pump_until([&] { return server_->connection_count() == count; });
  }

  FakeSyscalls fake_;
  ScopedSyscalls scope_{fake_};
  testing::ManualClock clock_;
  Reactor reactor_{make_poller("epoll"), clock_};
  std::unique_ptr<TcpServer> server_;
};

}  // namespace reactor::server_test
