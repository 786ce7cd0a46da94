#include "apps/echo_server/echo_server.h"

#include <stdexcept>
#include <utility>

#include "apps/common/server_setup.h"
#include "apps/common/server_worker.h"
#include "apps/echo_server/echo_connection.h"
#include "apps/echo_server/echo_endpoint.h"
#include "reactor/core/reactor.h"
#include "reactor/core/timer.h"
#include "reactor/net/datagram_endpoint.h"
#include "reactor/net/socket.h"

namespace echo {
namespace {

// Deep enough for a burst of a thousand simultaneous connects (the kernel caps it at somaxconn).
constexpr int kListenBacklog = 4096;
// With port 0, how many free TCP ports are tried before giving up on finding one whose UDP port
// is free too.
constexpr int kPortAttempts = 16;

// One listener per thread; several share the port through SO_REUSEPORT.
std::vector<reactor::Socket> listen_on(const reactor::InetAddress& address, std::size_t count) {
  reactor::ListenOptions options;
  options.backlog = kListenBacklog;
  try {
    if (count > 1) return reactor::listen_tcp_shared(address, count, options);
    std::vector<reactor::Socket> listeners;
    listeners.push_back(reactor::listen_tcp(address, options));
    return listeners;
  } catch (const std::system_error& error) {
    throw ListenError(error.code(), address.to_string());
  }
}

// One UDP socket per thread on `bound` (the port the listeners got), sharing it through
// SO_REUSEPORT when there are several.
std::vector<reactor::Socket> bind_udp_on(const reactor::InetAddress& bound, std::size_t count) {
  reactor::BindOptions options;
  options.reuse_port = count > 1;
  std::vector<reactor::Socket> sockets;
  while (sockets.size() < count)
    sockets.push_back(reactor::bind_udp(bound, options));
  return sockets;
}

struct BoundSockets {
  std::vector<reactor::Socket> listeners;
  std::vector<reactor::Socket> datagrams;  // empty without Config::udp
};

// The listeners and, with Config::udp, the UDP sockets on the port they got. For port 0 a TCP port
// whose UDP port another socket holds is given up for a new one.
BoundSockets bind_all(const reactor::InetAddress& address, const EchoServer::Config& config) {
  for (int attempt = 1;; ++attempt) {
    BoundSockets sockets;
    sockets.listeners = listen_on(address, config.threads);
    if (!config.udp) return sockets;
    const reactor::InetAddress bound =
        reactor::InetAddress::local_of(sockets.listeners.front().fd()).value_or(address);
    try {
      sockets.datagrams = bind_udp_on(bound, config.threads);
      return sockets;
    } catch (const std::system_error& error) {
      if (address.port() != 0 || error.code() != std::errc::address_in_use ||
          attempt == kPortAttempts) {
        throw ListenError(error.code(), bound.to_string() + " (udp)");
      }
    }
  }
}

reactor::TcpServer::Options server_options(const EchoServer::Config& config) {
  reactor::TcpServer::Options options;
  options.max_connections = config.max_connections;
  options.idle_timeout = config.idle_timeout;
  return options;
}

}  // namespace

// One reactor thread's share of the server: the factory of its connections, its status
// broadcast, its UDP endpoint and its part of the shutdown. Everything here runs on that reactor's
// thread, from start() on.
class EchoServer::Worker final : public app::ServerWorker {
 public:
  // `datagrams` is a bound UDP socket to echo on, or an invalid one for none.
  Worker(EchoServer& owner, reactor::Reactor& reactor, const Config& config,
         reactor::Socket datagrams)
      : ServerWorker(reactor, kFlushGrace, owner.lifecycle_),
        reactor_(reactor),
        udp_(datagrams.valid() ? std::make_unique<EchoEndpoint>(std::move(datagrams)) : nullptr),
        status_interval_(config.status_interval),
        status_timer_([this] { broadcast_status(); }) {}

  reactor::TcpServer::Factory connection_factory() {
    return
        [](reactor::Socket socket) { return std::make_unique<EchoConnection>(std::move(socket)); };
  }

 private:
  void started() override {
    if (udp_) udp_->start(reactor_);
    if (status_interval_.count() > 0) {
      status_timer_.start(reactor_, status_interval_, status_interval_);
    }
  }

  void closing() override {
    status_timer_.stop();
    if (udp_) udp_->close();  // datagrams still queued are dropped, as the network may drop them
  }

  void broadcast_status() {
    const std::string line =
        "Server status: " + std::to_string(server().total_connections()) + " active connections\n";
    // A failed send closes its connection; the visit goes on with the others.
    server().for_each_connection([&line](reactor::Connection& c) { c.send(line); });
  }

  reactor::Reactor& reactor_;
  std::unique_ptr<EchoEndpoint> udp_;
  std::chrono::milliseconds status_interval_;
  reactor::CallbackTimer status_timer_;
};

EchoServer::EchoServer(const Config& config)
    : address_(app::listen_address(config.host, config.port)),
      reactor_(app::main_poller(config.poller, config.threads)) {
  BoundSockets sockets = bind_all(address_, config);
  // Before the pool starts its threads, so that they inherit the blocked signals.
  if (config.handle_signals) lifecycle_.stop_on_signals();
  reactor::ThreadedTcpServer::Options options;
  options.server = server_options(config);
  options.reactor_thread.poller = config.poller;
  options.reactor_thread.on_failure = lifecycle_.failure_recorder();
  server_ = std::make_unique<reactor::ThreadedTcpServer>(
      reactor_, std::move(sockets.listeners),
      [&](reactor::Reactor& reactor, std::size_t index) {
        reactor::Socket datagrams =
            config.udp ? std::move(sockets.datagrams[index]) : reactor::Socket();
        workers_.push_back(std::make_unique<Worker>(*this, reactor, config, std::move(datagrams)));
        return workers_.back()->connection_factory();
      },
      options);
  lifecycle_.add_workers(*server_, workers_);
  address_ = server_->address();
}

EchoServer::~EchoServer() {
  // The server first: its threads end and its connections close while the workers they call
  // back into are still whole.
  server_.reset();
}

std::size_t EchoServer::connection_count() const {
  return server_->counter().value();
}

void EchoServer::run() {
  lifecycle_.run();
}

void EchoServer::stop() {
  lifecycle_.stop();
}

}  // namespace echo
