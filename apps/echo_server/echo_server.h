// EchoServer: a TCP echo server composed from the library: a ThreadedTcpServer with the calling
// thread's reactor as thread 0 and a ReactorThreadPool for the others, each thread with a TcpServer
// on its own SO_REUSEPORT listener on the same port, all sharing one ConnectionCounter for the
// connection limit and the status broadcast. With Config::udp each reactor also echoes datagrams
// on a UDP socket of its own, bound to the same host and port (SO_REUSEPORT when there are
// several).
// Ownership: owns reactor 0, the ThreadedTcpServer (and so the other reactors and their threads)
// and each thread's share of the server.
// Threads: construct, run() and destroy on one thread; stop() from any thread or a signal.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "apps/common/server_lifecycle.h"
#include "reactor/core/reactor.h"
#include "reactor/net/inet_address.h"
#include "reactor/net/threaded_tcp_server.h"

namespace echo {

// The address could not be bound or listened on; code() carries the errno
// (std::errc::address_in_use for a busy port).
class ListenError : public std::system_error {
 public:
  ListenError(std::error_code code, const std::string& address)
      : std::system_error(code, "cannot listen on " + address), address_(address) {}
  const std::string& address() const { return address_; }

 private:
  std::string address_;
};

class EchoServer {
 public:
  struct Config {
    std::string host = "127.0.0.1";  // numeric IPv4 or IPv6
    std::uint16_t port = 0;          // 0: a free port
    std::size_t threads = 1;
    std::string poller = "epoll";               // "epoll" or "poll"
    std::size_t max_connections = 0;            // 0: unlimited
    std::chrono::milliseconds idle_timeout{0};  // 0: off
    // Every interval each connection gets "Server status: N active connections\n"; 0: off.
    std::chrono::milliseconds status_interval{0};
    // SIGINT and SIGTERM call stop(). They are blocked in the constructing thread (and so in the
    // server's threads) and delivered through a signalfd.
    bool handle_signals = false;
    // Also echo UDP datagrams on the same host and port.
    bool udp = false;
  };

  // How long stop() lets connections flush their output before resetting them.
  static constexpr std::chrono::milliseconds kFlushGrace{1000};

  // Binds and listens. Throws ListenError if the address cannot be listened on (nor, with udp,
  // bound for UDP),
  // std::invalid_argument for a bad host, poller or thread count, std::system_error otherwise.
  explicit EchoServer(const Config& config);
  ~EchoServer();
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

  // The address it listens on, with the real port (TCP, and UDP too with Config::udp).
  const reactor::InetAddress& address() const { return address_; }

  // Serves until stop(): reactor 0 on the calling thread, the others on the pool's threads, which
  // the constructor started. Call once. Rethrows the first exception a reactor's callback threw
  // (which also stops the server).
  void run();
  // Stops accepting, closes every connection once its output is flushed (resetting those still
  // unflushed after kFlushGrace), then makes run() return. Any thread, any time, also before run().
  void stop();

  // Live connections across all threads.
  std::size_t connection_count() const;

 private:
  class Worker;

  reactor::InetAddress address_;
  reactor::Reactor reactor_;  // thread 0's, run by run()
  // Declared before the server: their connections and endpoints call back into them.
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<reactor::ThreadedTcpServer> server_;
  app::ServerLifecycle lifecycle_{reactor_};
};

}  // namespace echo
