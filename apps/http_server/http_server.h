// HttpServer: the HTTP server composed from the library, as EchoServer is: a ThreadedTcpServer
// with the calling thread's reactor as thread 0 and a pool for the others, one TcpServer per
// thread on its own SO_REUSEPORT listener, a shared connection limit, an IdleTracker per server
// for keep-alive connections, and the run, SIGINT/SIGTERM and shutdown of app::ServerLifecycle.
// Each thread keeps the ServingState its HttpConnections share.
// Ownership: owns reactor 0, the file root, the ThreadedTcpServer (and so the other reactors and
// their threads) and each thread's worker.
// Threads: construct, run() and destroy on one thread; stop() from any thread or a signal.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "apps/common/server_lifecycle.h"
#include "apps/http_server/file_root.h"
#include "apps/http_server/serving_state.h"
#include "reactor/core/reactor.h"
#include "reactor/net/inet_address.h"
#include "reactor/net/threaded_tcp_server.h"

namespace http {

class HttpServer {
 public:
  struct Config {
    std::string host = "127.0.0.1";  // numeric IPv4 or IPv6
    std::uint16_t port = 0;          // 0: a free port
    std::size_t threads = 1;
    std::string poller = "epoll";                   // "epoll" or "poll"
    std::string root;                               // empty: no files served
    std::size_t max_connections = 0;                // 0: unlimited
    std::chrono::milliseconds idle_timeout{60000};  // keep-alive idle limit; 0: off
    std::chrono::milliseconds request_timeout{10000};
    RequestParser::Limits limits;
    // SIGINT and SIGTERM call stop(); blocked in the constructing thread and its server threads.
    bool handle_signals = false;
  };

  // How long stop() lets connections flush their output before resetting them.
  static constexpr std::chrono::milliseconds kFlushGrace{1000};

  // Binds and listens. Throws std::invalid_argument for a bad host, poller, thread count or root
  // (naming --root), std::runtime_error "cannot listen on ADDRESS: why" if the address cannot be
  // listened on ("address in use" for a busy port).
  explicit HttpServer(const Config& config);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The address listened on, with the real port.
  const reactor::InetAddress& address() const { return server_->address(); }

  // Serves until stop(); call once. Rethrows the first exception a reactor's callback threw.
  void run();
  // Stops accepting, closes every connection once its output is flushed (resetting those still
  // unflushed after kFlushGrace), then makes run() return. Any thread, any time.
  void stop();

 private:
  class Worker;

  reactor::Reactor reactor_;  // thread 0's, run by run()
  app::ServerLifecycle lifecycle_{reactor_};
  std::unique_ptr<FileRoot> root_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<reactor::ThreadedTcpServer> server_;
};

}  // namespace http
