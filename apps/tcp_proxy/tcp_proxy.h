// TcpProxy: a TCP relay composed from the library: a ThreadedTcpServer accepts clients (reactor 0
// on the calling thread, a ReactorThreadPool for the others), and each thread's UpstreamPool
// connects every client to its own upstream connection, round robin with failover; the two
// RelayConnections then relay bytes, flow control, half-close and resets between them.
// Ownership: owns reactor 0, the ThreadedTcpServer (and so the other reactors and their threads)
// and each thread's worker (its UpstreamPool and shutdown timer).
// Threads: construct, run() and destroy on one thread; stop() from any thread or a signal.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "apps/common/server_lifecycle.h"
#include "reactor/core/reactor.h"
#include "reactor/net/inet_address.h"
#include "reactor/net/threaded_tcp_server.h"

namespace proxy {

class TcpProxy {
 public:
  struct Config {
    std::string host = "127.0.0.1";               // numeric IPv4 or IPv6
    std::uint16_t port = 0;                       // 0: a free port
    std::vector<reactor::InetAddress> upstreams;  // at least one
    std::size_t threads = 1;
    std::string poller = "epoll";                     // "epoll" or "poll"
    std::size_t max_connections = 0;                  // clients at once; 0: unlimited
    std::chrono::milliseconds connect_timeout{2000};  // per upstream attempt; 0: the kernel's
    std::chrono::milliseconds idle_timeout{0};        // no bytes either way for this long; 0: off
    // SIGINT and SIGTERM call stop(). They are blocked in the constructing thread (and so in the
    // server's threads) and delivered through a signalfd.
    bool handle_signals = false;
  };

  // How long stop() lets connections flush before resetting them.
  static constexpr std::chrono::milliseconds kFlushGrace{1000};

  // Binds and listens. Throws std::system_error if the address cannot be listened on (the
  // message names it; std::errc::address_in_use for a busy port), std::invalid_argument for a
  // bad host, poller, thread count or an empty upstream list.
  explicit TcpProxy(const Config& config);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  // The address it listens on, with the real port.
  const reactor::InetAddress& address() const { return address_; }

  // Serves until stop(). Call once. Rethrows the first exception a reactor's callback threw
  // (which also stops the proxy).
  void run();
  // Stops accepting, closes every client and upstream connection (resetting those still unflushed
  // after kFlushGrace), then makes run() return. Any thread, any time, also before run().
  void stop();

 private:
  class Worker;

  Config config_;
  reactor::InetAddress address_;
  reactor::Reactor reactor_;  // thread 0's, run by run()
  // Declared before the server: its connections call back into them.
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<reactor::ThreadedTcpServer> server_;
  app::ServerLifecycle lifecycle_{reactor_};
};

}  // namespace proxy
