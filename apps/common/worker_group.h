// WorkerGroup: the run and stop of a server app made of one worker per reactor thread (a
// ThreadedTcpServer's threads): run() starts every worker on its own thread and runs reactor 0 on
// the caller's until every worker has drained; stop() asks each worker to shut down on its own
// thread; a failure in any reactor's callback is kept, stops the group, and run() rethrows it.
// Ownership: borrows reactor 0, the workers and their reactors, which must outlive run().
// Threads: add() and run() on reactor 0's thread; stop(), drained() and record_failure() from any
// thread or a signal handler's callback.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <vector>

#include "reactor/core/reactor.h"

namespace app {

class WorkerGroup {
 public:
  // One reactor thread's share of the server. Both calls come on that reactor's thread.
  class Worker {
   public:
    // Starts serving; not called if shut_down() came first.
    virtual void start() = 0;
    // Stops accepting and closes the connections; calls WorkerGroup::drained() once done.
    virtual void shut_down() = 0;

   protected:
    ~Worker() = default;
  };

  explicit WorkerGroup(reactor::Reactor& reactor) : reactor_(reactor) {}

  // Before run(): `worker` runs on `reactor`.
  void add(reactor::Reactor& reactor, Worker& worker) { members_.push_back({&reactor, &worker}); }
  // Serves until every worker has drained after stop(); call once. Rethrows the first failure.
  void run();
  // Any thread, any time, also before run(); later calls do nothing.
  void stop();
  // A worker has closed all its connections; the last one ends run().
  void drained();
  // Keeps the first failure for run() to rethrow, and stops the group.
  void record_failure(std::exception_ptr failure);

 private:
  struct Member {
    reactor::Reactor* reactor;
    Worker* worker;
  };

  reactor::Reactor& reactor_;
  std::vector<Member> members_;
  std::atomic<std::size_t> drained_{0};
  std::atomic<bool> stop_requested_{false};
  std::mutex failure_mutex_;
  std::exception_ptr failure_;
};

}  // namespace app
