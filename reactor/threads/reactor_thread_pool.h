// ReactorThreadPool: N ReactorThreads, handed out round-robin, as muduo's EventLoopThreadPool and
// folly's IOThreadPoolExecutor. Servers use it to spread connections over threads; see
// ThreadedTcpServer.
//
// Ownership: owns its ReactorThreads (and so their reactors). The destructor (or join()) stops
// every reactor first, then joins the threads one by one.
// Threads: construct and destroy on one thread; next(), reactors() and size() from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include "reactor/threads/reactor_thread.h"

namespace reactor {

class ReactorThreadPool {
 public:
  // Starts `threads` ReactorThreads, all ready when it returns. Throws std::invalid_argument for
  // zero threads, and what ReactorThread throws (with the threads started so far joined).
  explicit ReactorThreadPool(std::size_t threads,
                             const ReactorThread::Options& options = ReactorThread::Options{});
  ~ReactorThreadPool() { join(); }
  // Stops every reactor, then joins every thread (ReactorThread::join()); the reactors stay until
  // the destructor.
  void join();
  ReactorThreadPool(const ReactorThreadPool&) = delete;
  ReactorThreadPool& operator=(const ReactorThreadPool&) = delete;

  // The reactors in turn: 0, 1, ..., size() - 1, 0, ...
  Reactor& next();
  // Every reactor, in thread order.
  const std::vector<Reactor*>& reactors() const { return reactors_; }
  std::size_t size() const { return reactors_.size(); }

 private:
  std::vector<std::unique_ptr<ReactorThread>> threads_;
  std::vector<Reactor*> reactors_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace reactor
