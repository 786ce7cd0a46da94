// ServerLifecycle: the run and shutdown of a server spread over several reactor threads, each with
// a worker: run() starts every worker on its own thread and runs the main reactor; stop() asks
// every worker to shut down on its thread; each worker reports when it has drained, and the last
// one ends run(). The first exception a reactor's callback threw is kept, stops the server and is
// rethrown by run().
// Ownership: borrows the reactors and the workers' functions' targets, which must outlive run();
// owns the signal handler of stop_on_signals().
// Threads: add_worker() and run() on the main reactor's thread; stop(), worker_drained() and
// record_failure() from any thread (stop() also from a signal handler's callback).
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "reactor/core/reactor.h"
#include "reactor/core/signal_handler.h"
#include "reactor/net/threaded_tcp_server.h"

namespace app {

class ServerLifecycle {
 public:
  explicit ServerLifecycle(reactor::Reactor& main_reactor) : main_reactor_(main_reactor) {}

  // Before run(): a worker on `reactor` (the main one or another); run() calls `start` and stop()
  // calls `shut_down` on that reactor's thread. A worker calls worker_drained() once, when its
  // shutdown is complete.
  void add_worker(reactor::Reactor& reactor, std::function<void()> start,
                  std::function<void()> shut_down);

  // SIGINT and SIGTERM call stop() from now on: they are blocked in the calling thread (and so in
  // the threads it starts afterwards: call this before starting any) and delivered through a
  // signalfd on the main reactor.
  void stop_on_signals();
  // For ReactorThread::Options::on_failure: record_failure().
  std::function<void(std::exception_ptr)> failure_recorder() {
    return [this](std::exception_ptr failure) { record_failure(std::move(failure)); };
  }

  // Worker i serves server i of `server` (worker->serve(server.server(i))) and is added on its
  // reactor with its start() and shut_down().
  template <typename Worker>
  void add_workers(reactor::ThreadedTcpServer& server,
                   const std::vector<std::unique_ptr<Worker>>& workers) {
    for (std::size_t i = 0; i < workers.size(); ++i) {
      Worker& worker = *workers[i];
      worker.serve(server.server(i));
      add_worker(
          server.reactor(i), [&worker] { worker.start(); }, [&worker] { worker.shut_down(); });
    }
  }

  // Serves until every worker has drained. Call once. Rethrows the first failure.
  void run();
  // Any thread, any time, also before run(); once.
  void stop();
  void worker_drained();
  void record_failure(std::exception_ptr failure);

 private:
  struct Worker {
    reactor::Reactor* reactor;
    std::function<void()> start;
    std::function<void()> shut_down;
  };

  reactor::Reactor& main_reactor_;
  std::vector<Worker> workers_;
  std::unique_ptr<reactor::CallbackSignalHandler> signal_handler_;
  std::atomic<std::size_t> drained_{0};
  std::atomic<bool> stop_requested_{false};
  std::mutex failure_mutex_;
  std::exception_ptr failure_;
};

}  // namespace app
