#include "apps/tcp_proxy/tcp_proxy.h"

#include <stdexcept>
#include <system_error>
#include <utility>

#include "apps/common/server_setup.h"
#include "apps/common/server_worker.h"
#include "apps/tcp_proxy/client_connection.h"
#include "apps/tcp_proxy/upstream_pool.h"
#include "reactor/net/socket.h"

namespace proxy {
namespace {

// Reactor 0's poller; bad settings throw before anything is bound.
std::unique_ptr<reactor::Poller> checked_poller(const TcpProxy::Config& config) {
  if (config.upstreams.empty()) throw std::invalid_argument("no upstream");
  return app::main_poller(config.poller, config.threads);
}

reactor::ThreadedTcpServer::Options server_options(const TcpProxy::Config& config) {
  reactor::ThreadedTcpServer::Options options;
  options.threads = config.threads;
  options.server.max_connections = config.max_connections;
  options.server.idle_timeout = config.idle_timeout;
  // The client side sees both directions: its input, and as output what the upstream sent.
  options.server.idle_activity = reactor::IdleTracker::Activity::kInputAndOutput;
  options.reactor_thread.poller = config.poller;
  return options;
}

}  // namespace

// One reactor thread's share of the proxy: its upstream pool, the factory of its client
// connections and its part of the shutdown. Everything here runs on that reactor's thread.
class TcpProxy::Worker final : public app::ServerWorker {
 public:
  Worker(TcpProxy& owner, reactor::Reactor& reactor, const Config& config)
      : ServerWorker(reactor, kFlushGrace, owner.lifecycle_),
        pool_(reactor, config.upstreams, config.connect_timeout) {}

  reactor::TcpServer::Factory connection_factory() {
    return [this](reactor::Socket socket) {
      return std::make_unique<ClientConnection>(std::move(socket), pool_);
    };
  }

 private:
  // The upstream sides, which the pool owns, drain with the clients.
  void close_others() override { pool_.close_all(); }
  std::size_t other_connections() const override { return pool_.connection_count(); }
  void abort_others() override { pool_.abort_all(); }

  UpstreamPool pool_;
};

TcpProxy::TcpProxy(const Config& config)
    : config_(config),
      address_(app::listen_address(config.host, config.port)),
      reactor_(checked_poller(config)) {
  // Before the pool starts its threads, so that they inherit the blocked signals.
  if (config.handle_signals) lifecycle_.stop_on_signals();
  reactor::ThreadedTcpServer::Options options = server_options(config_);
  options.reactor_thread.on_failure = lifecycle_.failure_recorder();
  const auto factory_for = [this](reactor::Reactor& reactor, std::size_t) {
    workers_.push_back(std::make_unique<Worker>(*this, reactor, config_));
    return workers_.back()->connection_factory();
  };
  try {
    server_ =
        std::make_unique<reactor::ThreadedTcpServer>(reactor_, address_, factory_for, options);
  } catch (const std::system_error& error) {
    throw std::system_error(error.code(), "cannot listen on " + address_.to_string());
  }
  lifecycle_.add_workers(*server_, workers_);
  address_ = server_->address();
}

TcpProxy::~TcpProxy() {
  // The server first: its threads end, and its clients abort their upstream partners, while the
  // workers' pools are still whole.
  server_.reset();
}

void TcpProxy::run() {
  lifecycle_.run();
}

void TcpProxy::stop() {
  lifecycle_.stop();
}

}  // namespace proxy
