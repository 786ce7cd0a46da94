// ThreadedTcpServer: one TCP server on several reactor threads. The caller's reactor serves as
// thread 0 and a ReactorThreadPool supplies the others; each reactor has a TcpServer of its own on
// its own SO_REUSEPORT listener on the one port, so the kernel spreads new connections over the
// threads and a connection lives on one thread from accept to close. All the servers share one
// ConnectionCounter, so the connection limit and the count hold across threads.
// SO_REUSEPORT rather than one acceptor handing sockets to the other threads (muduo's way): no
// thread is a bottleneck or a single point of failure for accepting, and no accepted socket waits
// in a queue between threads; the price is that the kernel, not the server, picks the thread, by a
// hash of the peer's address.
//
// Ownership: owns the pool (and so its threads and reactors), the listeners and the servers; the
// caller's reactor must outlive it. The destructor stops and joins the pool's threads first, then
// destroys every server on the destructing thread (no loop runs them any more), then the pool's
// reactors.
// Threads: construct, start() and destroy on the caller's reactor's thread, with that reactor not
// running when destroying. Server i belongs to reactor i's thread: use it there (run_in_loop()).
// counter() from any thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "reactor/net/inet_address.h"
#include "reactor/net/socket.h"
#include "reactor/net/tcp_server.h"
#include "reactor/threads/reactor_thread_pool.h"

namespace reactor {

class ThreadedTcpServer {
 public:
  // Makes the connection factory of the server on `reactor`, the `index`th of them (0 is the
  // caller's reactor). Called on the constructing thread, once per thread, in order.
  using FactoryFor = std::function<TcpServer::Factory(Reactor& reactor, std::size_t index)>;

  struct Options {
    std::size_t threads = 1;  // reactors serving, the caller's included
    TcpServer::Options server;
    ListenOptions listen;  // reuse_port is set when there are several threads
    ReactorThread::Options reactor_thread;
  };

  // Listens on `address` (port 0: a free port, the same for every thread). Throws
  // std::invalid_argument for zero threads, and what listen_tcp_shared() and ReactorThreadPool
  // throw.
  ThreadedTcpServer(Reactor& reactor, const InetAddress& address, const FactoryFor& factory_for,
                    const Options& options);
  // Serves on `listeners`, TCP, one per thread (options.threads is ignored): they must share their
  // port through SO_REUSEPORT when there are several. Throws std::invalid_argument for none.
  ThreadedTcpServer(Reactor& reactor, std::vector<Socket> listeners, const FactoryFor& factory_for,
                    const Options& options);
  ~ThreadedTcpServer();
  ThreadedTcpServer(const ThreadedTcpServer&) = delete;
  ThreadedTcpServer& operator=(const ThreadedTcpServer&) = delete;

  // Every server starts accepting, each on its own thread. Throws what TcpServer::start() throws
  // for the caller's reactor; a pool thread's failure goes to its
  // ReactorThread::Options::on_failure.
  void start();

  std::size_t size() const { return servers_.size(); }
  Reactor& reactor(std::size_t index) { return servers_[index]->reactor(); }
  TcpServer& server(std::size_t index) { return *servers_[index]; }
  // Live connections across all threads.
  const ConnectionCounter& counter() const { return counter_; }
  // The address listened on, with the real port.
  const InetAddress& address() const { return address_; }

 private:
  ConnectionCounter counter_;
  InetAddress address_;
  std::unique_ptr<ReactorThreadPool> pool_;  // none with one thread
  std::vector<std::unique_ptr<TcpServer>> servers_;
};

}  // namespace reactor
