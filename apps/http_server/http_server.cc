#include "apps/http_server/http_server.h"

#include <stdexcept>
#include <system_error>
#include <utility>

#include "apps/common/server_flags.h"
#include "apps/common/server_setup.h"
#include "apps/common/server_worker.h"
#include "apps/http_server/http_connection.h"
#include "reactor/net/tcp_server.h"

namespace http {
namespace {}  // namespace

// One reactor thread's share: the state its connections share, their factory, and its part of
// the shutdown. Everything here runs on that reactor's thread from start() on.
class HttpServer::Worker final : public app::ServerWorker {
 public:
  Worker(HttpServer& owner, reactor::Reactor& reactor, const ServingSettings& settings)
      : ServerWorker(reactor, kFlushGrace, owner.lifecycle_), state_(settings) {}

  reactor::TcpServer::Factory connection_factory() {
    return [this](reactor::Socket socket) {
      return std::make_unique<HttpConnection>(std::move(socket), state_);
    };
  }

 private:
  ServingState state_;
};

HttpServer::HttpServer(const Config& config)
    : reactor_(app::main_poller(config.poller, config.threads)) {
  const reactor::InetAddress address = app::listen_address(config.host, config.port);
  if (!config.root.empty()) root_ = std::make_unique<FileRoot>(config.root);
  ServingSettings settings;
  settings.limits = config.limits;
  settings.request_timeout = config.request_timeout;
  settings.root = root_.get();
  // Before the pool starts its threads, so that they inherit the blocked signals.
  if (config.handle_signals) lifecycle_.stop_on_signals();
  reactor::ThreadedTcpServer::Options options;
  options.threads = config.threads;
  options.server.max_connections = config.max_connections;
  options.server.idle_timeout = config.idle_timeout;
  options.reactor_thread.poller = config.poller;
  options.reactor_thread.on_failure = lifecycle_.failure_recorder();
  const auto factory_for = [&](reactor::Reactor& reactor, std::size_t) {
    workers_.push_back(std::make_unique<Worker>(*this, reactor, settings));
    return workers_.back()->connection_factory();
  };
  try {
    server_ = std::make_unique<reactor::ThreadedTcpServer>(reactor_, address, factory_for, options);
  } catch (const std::system_error& error) {
    throw std::runtime_error("cannot listen on " + address.to_string() + ": " +
                             app::describe_listen_error(error.code()));
  }
  lifecycle_.add_workers(*server_, workers_);
}

HttpServer::~HttpServer() {
  // The server first: its threads end and its connections close while the workers' states are
  // still whole.
  server_.reset();
}

void HttpServer::run() {
  lifecycle_.run();
}

void HttpServer::stop() {
  lifecycle_.stop();
}

}  // namespace http
