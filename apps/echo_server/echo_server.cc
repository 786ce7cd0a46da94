#include "apps/echo_server/echo_server.h"

#include <csignal>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include "apps/echo_server/echo_connection.h"
#include "apps/echo_server/echo_endpoint.h"
#include "reactor/core/reactor.h"
#include "reactor/core/signal_handler.h"
#include "reactor/core/timer.h"
#include "reactor/net/datagram_endpoint.h"
#include "reactor/net/socket.h"
#include "reactor/poller/make_poller.h"

namespace echo {
namespace {

// Deep enough for a burst of a thousand simultaneous connects (the kernel caps it at somaxconn).
constexpr int kListenBacklog = 4096;
// With port 0, how many free TCP ports are tried before giving up on finding one whose UDP port
// is free too.
constexpr int kPortAttempts = 16;

reactor::InetAddress parse_address(const std::string& host, std::uint16_t port) {
  std::optional<reactor::InetAddress> address = reactor::InetAddress::parse(host, port);
  if (!address) throw std::invalid_argument("not a numeric IPv4 or IPv6 address: " + host);
  return *address;
}

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

// One reactor thread's share of the server: its Reactor, its TcpServer, its status broadcast and
// its part of the shutdown. Everything here runs on that reactor's thread.
class EchoServer::Worker final : private EchoConnection::CloseListener {
 public:
  // `datagrams` is a bound UDP socket to echo on, or an invalid one for none.
  Worker(const Config& config, reactor::Socket listener, reactor::Socket datagrams,
         reactor::ConnectionCounter& counter)
      : reactor_(reactor::make_poller(config.poller)),
        udp_(datagrams.valid() ? std::make_unique<EchoEndpoint>(std::move(datagrams)) : nullptr),
        status_interval_(config.status_interval),
        server_(
            reactor_, std::move(listener),
            [this](reactor::Socket socket) {
              EchoConnection::CloseListener& closes = *this;
              return std::make_unique<EchoConnection>(std::move(socket), closes);
            },
            server_options(config), &counter),
        status_timer_([this] { broadcast_status(); }),
        flush_deadline_([this] { abort_unflushed(); }) {}

  // Other threads may use only what Reactor allows them: post(), stop(), wake().
  reactor::Reactor& reactor() { return reactor_; }

  // Accepts and serves until shut_down() has drained the connections.
  void run() {
    server_.start();
    if (udp_) udp_->start(reactor_);
    if (status_interval_.count() > 0) {
      status_timer_.start(reactor_, status_interval_, status_interval_);
    }
    reactor_.run();
  }

  void shut_down() {
    if (draining_) return;
    draining_ = true;
    status_timer_.stop();
    server_.stop_accepting();
    if (udp_) udp_->close();  // datagrams still queued are dropped, as the network may drop them
    flush_deadline_.start(reactor_, kFlushGrace);
    server_.close_all();
    finish_if_drained();
  }

 private:
  void connection_closed() override {
    // The server forgets a connection only after its on_close(), so count once this callback is
    // over. The task may capture `this`: the reactor it is posted to dies with this worker.
    if (draining_) reactor_.post([this] { finish_if_drained(); });
  }

  void broadcast_status() {
    const std::string line =
        "Server status: " + std::to_string(server_.total_connections()) + " active connections\n";
    // A failed send closes its connection; the visit goes on with the others.
    server_.for_each_connection([&line](reactor::Connection& c) { c.send(line); });
  }

  void finish_if_drained() {
    if (server_.connection_count() == 0) finish();
  }

  void abort_unflushed() {
    server_.abort_all();
    finish();
  }

  void finish() {
    flush_deadline_.stop();
    reactor_.stop();
  }

  // Declared before the server: its destructor closes connections, which call back here.
  reactor::Reactor reactor_;
  std::unique_ptr<EchoEndpoint> udp_;
  bool draining_ = false;
  std::chrono::milliseconds status_interval_;
  reactor::TcpServer server_;
  reactor::CallbackTimer status_timer_;
  reactor::CallbackTimer flush_deadline_;
};

EchoServer::EchoServer(const Config& config) : address_(parse_address(config.host, config.port)) {
  if (config.threads == 0) throw std::invalid_argument("threads must be at least 1");
  reactor::make_poller(config.poller);  // a bad name throws before anything is bound
  BoundSockets sockets = bind_all(address_, config);
  if (std::optional<reactor::InetAddress> bound =
          reactor::InetAddress::local_of(sockets.listeners.front().fd())) {
    address_ = *bound;
  }
  for (std::size_t i = 0; i < sockets.listeners.size(); ++i) {
    reactor::Socket datagrams = config.udp ? std::move(sockets.datagrams[i]) : reactor::Socket();
    workers_.push_back(std::make_unique<Worker>(config, std::move(sockets.listeners[i]),
                                                std::move(datagrams), counter_));
  }
  // Before run() starts the other threads, so that they inherit the blocked signals.
  if (config.handle_signals) {
    signal_handler_ = std::make_unique<reactor::CallbackSignalHandler>(
        std::initializer_list<int>{SIGINT, SIGTERM}, [this](int) { stop(); });
    signal_handler_->start(workers_.front()->reactor());
  }
}

EchoServer::~EchoServer() = default;

void EchoServer::run() {
  std::vector<std::thread> threads;
  try {
    for (std::size_t i = 1; i < workers_.size(); ++i) {
      threads.emplace_back([this, worker = workers_[i].get()] { run_worker(*worker); });
    }
  } catch (const std::system_error&) {  // no thread could be started: shut down what runs
    record_failure(std::current_exception());
  }
  run_worker(*workers_.front());
  for (std::thread& thread : threads)
    thread.join();
  if (failure_) std::rethrow_exception(failure_);
}

void EchoServer::stop() {
  if (stop_requested_.exchange(true)) return;
  for (const std::unique_ptr<Worker>& worker : workers_) {
    worker->reactor().post([w = worker.get()] { w->shut_down(); });
  }
}

void EchoServer::run_worker(Worker& worker) {
  try {
    worker.run();
  } catch (...) {
    record_failure(std::current_exception());
  }
}

void EchoServer::record_failure(std::exception_ptr failure) {
  {
    const std::lock_guard<std::mutex> lock(failure_mutex_);
    if (!failure_) failure_ = std::move(failure);
  }
  stop();
}

}  // namespace echo
