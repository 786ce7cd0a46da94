#include "reactor/net/threaded_tcp_server.h"

#include <future>
#include <optional>
#include <stdexcept>
#include <utility>

#include "reactor/core/reactor.h"

namespace reactor {
namespace {

std::vector<Socket> listen_for(const InetAddress& address,
                               const ThreadedTcpServer::Options& options) {
  if (options.threads == 0) throw std::invalid_argument("a server needs at least one thread");
  if (options.threads > 1) return listen_tcp_shared(address, options.threads, options.listen);
  std::vector<Socket> listeners;
  listeners.push_back(listen_tcp(address, options.listen));
  return listeners;
}

// The address the first listener is bound to.
InetAddress bound_address(const std::vector<Socket>& listeners) {
  if (listeners.empty()) throw std::invalid_argument("a server needs at least one listener");
  std::optional<InetAddress> address = InetAddress::local_of(listeners.front().fd());
  if (!address) throw std::invalid_argument("not a TCP listener");
  return *address;
}

}  // namespace

ThreadedTcpServer::ThreadedTcpServer(Reactor& reactor, const InetAddress& address,
                                     const FactoryFor& factory_for, const Options& options)
    : ThreadedTcpServer(reactor, listen_for(address, options), factory_for, options) {}

ThreadedTcpServer::ThreadedTcpServer(Reactor& reactor, std::vector<Socket> listeners,
                                     const FactoryFor& factory_for, const Options& options)
    : address_(bound_address(listeners)) {
  if (listeners.size() > 1)
    pool_ = std::make_unique<ReactorThreadPool>(listeners.size() - 1, options.reactor_thread);
  servers_.reserve(listeners.size());
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    // A TcpServer touches its reactor only from start() on, so it may be made here.
    Reactor& serving = i == 0 ? reactor : *pool_->reactors()[i - 1];
    servers_.push_back(std::make_unique<TcpServer>(
        serving, std::move(listeners[i]), factory_for(serving, i), options.server, &counter_));
  }
}

ThreadedTcpServer::~ThreadedTcpServer() {
  if (pool_) pool_->join();
  servers_.clear();
}

void ThreadedTcpServer::start() {
  servers_.front()->start();
  std::vector<std::future<void>> started;
  for (std::size_t i = 1; i < servers_.size(); ++i) {
    std::promise<void> done;
    started.push_back(done.get_future());
    servers_[i]->reactor().run_in_loop(
        [server = servers_[i].get(), done = std::move(done)]() mutable {
          try {
            server->start();
            done.set_value();
          } catch (...) {
            done.set_exception(std::current_exception());
          }
        });
  }
  for (std::future<void>& future : started)
    future.get();
}

}  // namespace reactor
